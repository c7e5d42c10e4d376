package store

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
)

// ConnEnv returns the libpq environment (PGHOST, PGPORT, PGUSER, PGDATABASE,
// PGPASSWORD, PGSSLMODE, ...) for dsn, so that a psql child process connects
// with no credentials on its command line. password, when set, supplies the
// password (from a secret store).
func ConnEnv(ctx context.Context, dsn string, password func(context.Context) (string, error)) ([]string, error) {
	cfg, err := pgconn.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("database URL is not valid: %s", redactParseError(err))
	}
	env := []string{
		"PGHOST=" + cfg.Host,
		"PGPORT=" + strconv.Itoa(int(cfg.Port)),
		"PGUSER=" + cfg.User,
		"PGDATABASE=" + cfg.Database,
		"PGAPPNAME=janitor db-connect",
	}
	pw := cfg.Password
	if password != nil {
		if pw, err = password(ctx); err != nil {
			return nil, fmt.Errorf("get database password: %w", err)
		}
	}
	if pw != "" {
		env = append(env, "PGPASSWORD="+pw)
	}
	params := dsnParams(dsn)
	for key, name := range map[string]string{
		"sslmode": "PGSSLMODE", "sslrootcert": "PGSSLROOTCERT", "sslcert": "PGSSLCERT",
		"sslkey": "PGSSLKEY", "target_session_attrs": "PGTARGETSESSIONATTRS", "connect_timeout": "PGCONNECT_TIMEOUT",
	} {
		if v, ok := params[key]; ok {
			env = append(env, name+"="+v)
		}
	}
	return env, nil
}

// dsnParams extracts key/value settings from a URL's query or a key=value
// connection string.
func dsnParams(dsn string) map[string]string {
	out := map[string]string{}
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		if u, err := url.Parse(dsn); err == nil {
			for k, v := range u.Query() {
				if len(v) > 0 {
					out[k] = v[0]
				}
			}
		}
		return out
	}
	for _, f := range strings.Fields(dsn) {
		if k, v, ok := strings.Cut(f, "="); ok {
			out[k] = strings.Trim(v, "'")
		}
	}
	return out
}
