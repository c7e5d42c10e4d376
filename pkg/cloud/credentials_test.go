package cloud

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

const testPassword = "s3cr3t-Pa55word-xyz"

func TestParseCredentials(t *testing.T) {
	t.Parallel()
	full := Credentials{Engine: "postgres", Host: "db.example", Port: 5432, Username: "janitor_agent", Password: testPassword, DBName: "janitor"}
	fallback := Endpoint{Host: "writer.example", Port: 6543, DBName: "fallbackdb"}
	tests := []struct {
		name     string
		secret   string
		fallback Endpoint
		want     Credentials
		wantErr  string // substring; "" means success
	}{
		{
			name:   "rds shape",
			secret: `{"engine":"postgres","host":"db.example","port":5432,"username":"janitor_agent","password":"` + testPassword + `","dbname":"janitor"}`,
			want:   full,
		},
		{
			name:   "port as string",
			secret: `{"engine":"postgres","host":"db.example","port":"5432","username":"janitor_agent","password":"` + testPassword + `","dbname":"janitor"}`,
			want:   full,
		},
		{
			name:     "secret wins over fallback",
			secret:   `{"engine":"postgres","host":"db.example","port":5432,"username":"janitor_agent","password":"` + testPassword + `","dbname":"janitor"}`,
			fallback: fallback,
			want:     full,
		},
		{
			name:     "rds-managed master secret takes the endpoint from the fallback",
			secret:   `{"username":"janitor_admin","password":"` + testPassword + `"}`,
			fallback: fallback,
			want:     Credentials{Host: "writer.example", Port: 6543, Username: "janitor_admin", Password: testPassword, DBName: "fallbackdb"},
		},
		{
			name:   "aurora engine name",
			secret: `{"engine":"aurora-postgresql","host":"h","port":5432,"username":"u","password":"p","dbname":"d"}`,
			want:   Credentials{Engine: "aurora-postgresql", Host: "h", Port: 5432, Username: "u", Password: "p", DBName: "d"},
		},
		{
			name:    "not json",
			secret:  "password=" + testPassword,
			wantErr: "secret is not JSON (syntax error at byte 1)",
		},
		{
			name:    "json but not an object",
			secret:  `["` + testPassword + `"]`,
			wantErr: "secret is not a JSON object of strings",
		},
		{
			name:    "master secret without fallback",
			secret:  `{"username":"janitor_admin","password":"` + testPassword + `"}`,
			wantErr: "secret lacks host, port, dbname",
		},
		{
			name:    "no password",
			secret:  `{"engine":"postgres","host":"h","port":5432,"username":"u","dbname":"d"}`,
			wantErr: "secret lacks password",
		},
		{
			name:    "empty object",
			secret:  `{}`,
			wantErr: "secret lacks host, port, username, password, dbname",
		},
		{
			name:    "mysql secret",
			secret:  `{"engine":"mysql","host":"h","port":3306,"username":"u","password":"` + testPassword + `","dbname":"d"}`,
			wantErr: `secret is for engine "mysql", not PostgreSQL`,
		},
		{
			name:    "port not a number",
			secret:  `{"host":"h","port":"fivefour","username":"u","password":"` + testPassword + `","dbname":"d"}`,
			wantErr: `secret's port "fivefour" is not a number`,
		},
		{
			name:    "port out of range",
			secret:  `{"host":"h","port":70000,"username":"u","password":"` + testPassword + `","dbname":"d"}`,
			wantErr: "secret's port 70000 is out of range",
		},
		{
			name:    "username of the wrong type",
			secret:  `{"host":"h","port":5432,"username":42,"password":"` + testPassword + `","dbname":"d"}`,
			wantErr: "secret is not a JSON object of strings",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseCredentials(tt.secret, tt.fallback)
			if tt.wantErr != "" {
				if err == nil {
					t.Fatalf("ParseCredentials succeeded with %v, want error %q", got, tt.wantErr)
				}
				if !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("error = %q, want it to contain %q", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), testPassword) {
					t.Errorf("error quotes the password: %q", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseCredentials: %v", err)
			}
			if got != tt.want {
				t.Errorf("got %#v, want %#v (passwords equal: %v)", got, tt.want, got.Password == tt.want.Password)
			}
		})
	}
}

func TestParseCredentialsShapeErrors(t *testing.T) {
	t.Parallel()
	for _, secret := range []string{"not json", `{}`, `{"port":"x","username":"u","password":"p"}`} {
		if _, err := ParseCredentials(secret, Endpoint{}); !errors.Is(err, ErrSecretShape) {
			t.Errorf("ParseCredentials(%q) error = %v, want ErrSecretShape", secret, err)
		}
	}
}

func TestCredentialsNeverPrintThePassword(t *testing.T) {
	t.Parallel()
	c := Credentials{Engine: "postgres", Host: "db.example", Port: 5432, Username: "janitor_agent", Password: testPassword, DBName: "janitor"}

	var text, js bytes.Buffer
	slog.New(slog.NewTextHandler(&text, nil)).Info("connect", "credentials", c)
	slog.New(slog.NewJSONHandler(&js, nil)).Info("connect", "credentials", c)
	marshalled, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}

	outputs := map[string]string{
		"String":    c.String(),
		"%v":        fmt.Sprintf("%v", c),
		"%+v":       fmt.Sprintf("%+v", c),
		"%#v":       fmt.Sprintf("%#v", c),
		"Sprint":    fmt.Sprint(c),
		"pointer":   fmt.Sprintf("%v", &c),
		"slog text": text.String(),
		"slog json": js.String(),
		"json":      string(marshalled),
	}
	for name, out := range outputs {
		if strings.Contains(out, testPassword) {
			t.Errorf("%s shows the password: %s", name, out)
		}
		if !strings.Contains(out, "db.example") {
			t.Errorf("%s lost the host: %s", name, out)
		}
	}
	if got, want := c.String(), "postgres://janitor_agent:REDACTED@db.example:5432/janitor"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	if !strings.Contains(text.String(), "credentials.password=REDACTED") {
		t.Errorf("slog text output lacks the redacted password field: %s", text.String())
	}
}
