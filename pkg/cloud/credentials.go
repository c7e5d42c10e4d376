package cloud

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"strings"
)

// Redacted stands in for a password wherever credentials are printed.
const Redacted = "REDACTED"

// Credentials are what a database secret holds: where the database is and how
// to log in. Printing them (fmt, slog, JSON) never shows the password.
type Credentials struct {
	Engine   string `json:"engine"`
	Host     string `json:"host"`
	Port     int    `json:"port"`
	Username string `json:"username"`
	Password string `json:"-"`
	DBName   string `json:"dbname"`
}

// Endpoint fills in what a secret leaves out: the RDS-managed master secret
// holds only a username and a password.
type Endpoint struct {
	Host   string
	Port   int
	DBName string
}

// shape is the standard RDS secret JSON, port as a number or a string.
type shape struct {
	Engine   string          `json:"engine"`
	Host     string          `json:"host"`
	Port     json.RawMessage `json:"port"`
	Username string          `json:"username"`
	Password string          `json:"password"`
	DBName   string          `json:"dbname"`
}

// ErrSecretShape means a secret is not the RDS JSON shape janitor reads.
var ErrSecretShape = errors.New(`the secret must be JSON in the RDS shape {"engine", "host", "port", "username", "password", "dbname"}`)

// ParseCredentials reads a secret in the standard RDS JSON shape
// ({engine, host, port, username, password, dbname}). Fields the secret lacks
// are taken from fallback; a field missing from both is an error naming it.
// Errors never quote the secret.
func ParseCredentials(secret string, fallback Endpoint) (Credentials, error) {
	var s shape
	if err := json.Unmarshal([]byte(secret), &s); err != nil {
		// The decoder's message can quote the text; say where, not what.
		var syn *json.SyntaxError
		if errors.As(err, &syn) {
			return Credentials{}, fmt.Errorf("secret is not JSON (syntax error at byte %d): %w", syn.Offset, ErrSecretShape)
		}
		return Credentials{}, fmt.Errorf("secret is not a JSON object of strings: %w", ErrSecretShape)
	}
	c := Credentials{
		Engine:   s.Engine,
		Host:     s.Host,
		Username: s.Username,
		Password: s.Password,
		DBName:   s.DBName,
	}
	if len(s.Port) > 0 && string(s.Port) != "null" {
		p, err := parsePort(s.Port)
		if err != nil {
			return Credentials{}, err
		}
		c.Port = p
	}
	if c.Host == "" {
		c.Host = fallback.Host
	}
	if c.Port == 0 {
		c.Port = fallback.Port
	}
	if c.DBName == "" {
		c.DBName = fallback.DBName
	}
	switch c.Engine {
	case "", "postgres", "postgresql", "aurora-postgresql":
	default:
		return Credentials{}, fmt.Errorf("secret is for engine %q, not PostgreSQL: point janitor at the PostgreSQL secret", c.Engine)
	}
	var missing []string
	for _, f := range []struct {
		name string
		ok   bool
	}{
		{"host", c.Host != ""},
		{"port", c.Port != 0},
		{"username", c.Username != ""},
		{"password", c.Password != ""},
		{"dbname", c.DBName != ""},
	} {
		if !f.ok {
			missing = append(missing, f.name)
		}
	}
	if len(missing) > 0 {
		return Credentials{}, fmt.Errorf("secret lacks %s: %w", strings.Join(missing, ", "), ErrSecretShape)
	}
	return c, nil
}

func parsePort(raw json.RawMessage) (int, error) {
	var n int
	if err := json.Unmarshal(raw, &n); err != nil {
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return 0, fmt.Errorf("secret's port is neither a number nor a string: %w", ErrSecretShape)
		}
		if n, err = strconv.Atoi(s); err != nil {
			return 0, fmt.Errorf("secret's port %q is not a number: %w", s, ErrSecretShape)
		}
	}
	if n < 1 || n > 65535 {
		return 0, fmt.Errorf("secret's port %d is out of range: %w", n, ErrSecretShape)
	}
	return n, nil
}

// String shows the credentials as a URL with the password redacted.
func (c Credentials) String() string {
	u := url.URL{
		Scheme: "postgres",
		Host:   net.JoinHostPort(c.Host, strconv.Itoa(c.Port)),
		Path:   "/" + c.DBName,
	}
	if c.Password != "" {
		u.User = url.UserPassword(c.Username, Redacted)
	} else {
		u.User = url.User(c.Username)
	}
	return u.String()
}

// GoString keeps %#v from printing the password.
func (c Credentials) GoString() string {
	return fmt.Sprintf("cloud.Credentials{Engine:%q, Host:%q, Port:%d, Username:%q, Password:%q, DBName:%q}",
		c.Engine, c.Host, c.Port, c.Username, Redacted, c.DBName)
}

// LogValue keeps slog from printing the password.
func (c Credentials) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("host", c.Host),
		slog.Int("port", c.Port),
		slog.String("username", c.Username),
		slog.String("password", Redacted),
		slog.String("dbname", c.DBName),
	)
}
