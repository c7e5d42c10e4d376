package dbconn

import (
	"context"
	"testing"
	"time"

	"github.com/runpod-workers/janitor/pkg/config"
	"github.com/runpod-workers/janitor/pkg/store"
)

func TestStoreOptionsForAurora(t *testing.T) {
	t.Parallel()
	r := &Resolver{ConnectTimeout: 10 * time.Second}
	plain := r.storeOptions(Source{DSN: "postgres://localhost/x"})
	if plain.ConnectTimeout != 10*time.Second || plain.AttemptTimeout != 0 || plain.FailoverWait != 0 {
		t.Errorf("plain source options = %+v, want the configured timeout and store's defaults", plain)
	}
	a := r.storeOptions(Source{DSN: "host=db", Aurora: true})
	if a.ConnectTimeout < 60*time.Second || a.AttemptTimeout < 30*time.Second || a.FailoverWait < 60*time.Second {
		t.Errorf("Aurora options = %+v, want room for a resume and a failover", a)
	}
}

// recordingSecrets is a SecretResolver that remembers what it was asked.
type recordingSecrets struct {
	role store.Role
	id   string
	db   config.Database
}

func (s *recordingSecrets) Source(_ context.Context, role store.Role, id string, db config.Database) (Source, error) {
	s.role, s.id, s.db = role, id, db
	return Source{DSN: "host=db", Aurora: true}, nil
}

func TestSourceFromSecrets(t *testing.T) {
	t.Parallel()
	db := config.Database{
		Secrets:  config.Secrets{Agent: "arn:agent", Reader: "arn:reader", Admin: "arn:admin"},
		Endpoint: "writer.example", Port: 5432, Name: "janitor",
	}
	for _, tt := range []struct {
		name     string
		cfg      config.Config
		role     store.Role
		wantID   string
		wantHost string
	}{
		{"agent secret", config.Config{Env: "prod", Environments: map[string]config.Environment{"prod": {Database: db}}}, store.RoleAgent, "arn:agent", "writer.example"},
		{"reader secret", config.Config{Env: "prod", Environments: map[string]config.Environment{"prod": {Database: db}}}, store.RoleReader, "arn:reader", "writer.example"},
		{"admin secret", config.Config{Env: "prod", Environments: map[string]config.Environment{"prod": {Database: db}}}, store.RoleAdmin, "arn:admin", "writer.example"},
		{"one secret for every role", config.Config{Env: "prod", DatabaseSecretID: "arn:one", Environments: map[string]config.Environment{"prod": {Database: db}}}, store.RoleReader, "arn:one", "writer.example"},
		{"one secret, environment unknown", config.Config{Env: "elsewhere", DatabaseSecretID: "arn:one"}, store.RoleAgent, "arn:one", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := &recordingSecrets{}
			r := &Resolver{Config: &tt.cfg, Secrets: rec}
			src, err := r.Source(t.Context(), tt.role)
			if err != nil {
				t.Fatal(err)
			}
			if rec.id != tt.wantID || rec.role != tt.role || rec.db.Endpoint != tt.wantHost || !src.Aurora {
				t.Errorf("asked for %q as %s with endpoint %q (aurora %v); want %q as %s with %q", rec.id, rec.role, rec.db.Endpoint, src.Aurora, tt.wantID, tt.role, tt.wantHost)
			}
		})
	}
}
