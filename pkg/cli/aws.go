package cli

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/runpod-workers/janitor/pkg/cloud"
	"github.com/runpod-workers/janitor/pkg/config"
	"github.com/runpod-workers/janitor/pkg/dbconn"
	"github.com/runpod-workers/janitor/pkg/store"
)

// awsClient builds (once per region) a client for the selected environment:
// its region and profile, or the SDK's standard settings.
func (f *Factory) awsClient(ctx context.Context, region string) (*cloud.Client, error) {
	cfg, err := f.Config()
	if err != nil {
		return nil, err
	}
	env := cfg.Environments[cfg.Env]
	if region == "" {
		region = env.AWS.Region
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if c, ok := f.clouds[region]; ok {
		return c, nil
	}
	c, err := cloud.New(ctx, cloud.Options{Region: region, Profile: env.AWS.Profile})
	if err != nil {
		return nil, err
	}
	f.clouds[region] = c
	return c, nil
}

// awsEnv returns the selected environment's settings for commands that
// work on its AWS resources.
func awsEnv(f *Factory) (string, config.Environment, error) {
	cfg, err := f.Config()
	if err != nil {
		return "", config.Environment{}, err
	}
	env, ok := cfg.Environments[cfg.Env]
	if !ok || env.AWS == (config.AWS{}) {
		return cfg.Env, env, fmt.Errorf("environment %q has no AWS settings in %s: run janitor infra apply --env %s first", cfg.Env, cfg.File, cfg.Env)
	}
	return cfg.Env, env, nil
}

// secretsSource reads database credentials from Secrets Manager for dbconn,
// keeping them in memory (cloud.SecretCache) and dropping a secret when the
// database rejects its password, so a rotation is picked up.
type secretsSource struct {
	f      *Factory
	mu     sync.Mutex
	caches map[string]*cloud.SecretCache // by region
}

func (s *secretsSource) cache(ctx context.Context, secretID string) (*cloud.SecretCache, error) {
	region := arnRegion(secretID)
	cfg, err := s.f.Config()
	if err != nil {
		return nil, err
	}
	if r := cfg.Environments[cfg.Env].AWS.Region; r != "" && region == "" {
		region = r
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, ok := s.caches[region]; ok {
		return c, nil
	}
	client, err := s.f.AWS(ctx, region)
	if err != nil {
		return nil, err
	}
	c := cloud.NewSecretCache(client, cloud.DefaultSecretTTL)
	s.caches[region] = c
	return c, nil
}

// Credentials reads and parses a database secret; db fills in what the
// secret lacks (the RDS-managed admin secret has no host).
func (s *secretsSource) Credentials(ctx context.Context, secretID string, db config.Database) (cloud.Credentials, error) {
	c, err := s.cache(ctx, secretID)
	if err != nil {
		return cloud.Credentials{}, err
	}
	return c.Credentials(ctx, secretID, cloud.Endpoint{Host: db.Endpoint, Port: db.Port, DBName: db.Name})
}

// Source implements dbconn.SecretResolver: TLS always, verify-full with the
// environment's CA bundle, a writable server for the agent and admin, and
// the password asked for at every new connection, never put in the DSN.
func (s *secretsSource) Source(ctx context.Context, role store.Role, secretID string, db config.Database) (dbconn.Source, error) {
	creds, err := s.Credentials(ctx, secretID, db)
	if err != nil {
		return dbconn.Source{}, err
	}
	server := store.Server{
		Host:      creds.Host,
		Port:      creds.Port,
		Database:  creds.DBName,
		User:      creds.Username,
		CABundle:  db.CABundle,
		ReadWrite: role != store.RoleReader,
	}
	return dbconn.Source{
		DSN: server.DSN(),
		Password: func(ctx context.Context) (string, error) {
			c, err := s.Credentials(ctx, secretID, db)
			return c.Password, err
		},
		OnAuthFailure: func() {
			if c, err := s.cache(context.Background(), secretID); err == nil {
				c.Invalidate(secretID)
			}
		},
		Aurora: true,
	}, nil
}

// arnRegion is the region inside a secret's ARN, or "" for a name.
func arnRegion(id string) string {
	// arn:aws:secretsmanager:us-east-1:123456789012:secret:name
	parts := strings.SplitN(id, ":", 6)
	if len(parts) == 6 && parts[0] == "arn" && parts[2] == "secretsmanager" {
		return parts[3]
	}
	return ""
}
