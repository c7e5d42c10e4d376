// Package dbconn decides how janitor reaches an environment's results
// database for each role (agent, reader, admin): the --database-url
// override, the environment's URLs, AWS Secrets Manager secrets, or, with
// nothing configured, janitor's own local PostgreSQL cluster, which it
// creates, starts and migrates on first use.
package dbconn

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/runpod-workers/janitor/pkg/config"
	"github.com/runpod-workers/janitor/pkg/localdb"
	"github.com/runpod-workers/janitor/pkg/store"
)

// Source is how one role connects.
type Source struct {
	// DSN is a URL or key=value connection string. It may hold a password
	// when the user configured one; never print it unredacted.
	DSN string
	// Password, when set, supplies the password per connection (secrets).
	Password func(ctx context.Context) (string, error)
	// OnAuthFailure drops cached credentials after a rejected password.
	OnAuthFailure func()
	// Local is true for janitor's own cluster.
	Local bool
	// Aurora marks an AWS Aurora cluster: a paused Serverless v2 cluster
	// takes 15-30 s to accept the first connection, and writes are retried
	// across a failover for longer.
	Aurora bool
}

// SecretResolver turns a Secrets Manager secret ID into a Source for role
// (writers must reach a writable server). The AWS adapter provides it;
// without one, secret-based environments are an error.
type SecretResolver interface {
	Source(ctx context.Context, role store.Role, secretID string, db config.Database) (Source, error)
}

// Resolver resolves Sources for the configured environment.
type Resolver struct {
	Config  *config.Config
	Secrets SecretResolver
	// ConnectTimeout is passed to store.Open; zero means store's default.
	ConnectTimeout time.Duration
}

// LocalCluster is janitor's own cluster for this configuration.
func LocalCluster(cfg *config.Config) (*localdb.Cluster, error) {
	return localdb.New(filepath.Join(cfg.DataDir, "postgres"), localdb.Options{})
}

var unsafeName = regexp.MustCompile(`[^a-z0-9_]`)

// LocalDatabaseName is the database holding an environment's results in
// the local cluster.
func LocalDatabaseName(env string) string {
	return "janitor_" + unsafeName.ReplaceAllString(strings.ToLower(env), "_")
}

// Source returns how role connects in the selected environment.
func (r *Resolver) Source(ctx context.Context, role store.Role) (Source, error) {
	cfg := r.Config
	if cfg.DatabaseURL != "" {
		return Source{DSN: cfg.DatabaseURL}, nil
	}
	if cfg.DatabaseSecretID != "" {
		env, _ := cfg.Current()
		return r.secret(ctx, role, cfg.DatabaseSecretID, env.Database)
	}
	env, err := cfg.Current()
	if err != nil {
		return Source{}, err
	}
	d := env.Database
	if u := pick(role, d.AgentURL, d.ReaderURL, d.AdminURL); u != "" {
		return Source{DSN: u}, nil
	}
	if d.URL != "" {
		return Source{DSN: d.URL}, nil
	}
	if id := pick(role, d.Secrets.Agent, d.Secrets.Reader, d.Secrets.Admin); id != "" {
		return r.secret(ctx, role, id, d)
	}
	if d.Secrets != (config.Secrets{}) {
		return Source{}, fmt.Errorf("environment %q has no %s secret: set environments.%s.database.secrets.%s", cfg.Env, role, cfg.Env, role)
	}
	if !cfg.UsesLocalDB() {
		return Source{}, fmt.Errorf("environment %q has no database URL or secrets for the %s role", cfg.Env, role)
	}
	return r.local(ctx, role)
}

func pick(role store.Role, agent, reader, admin string) string {
	switch role {
	case store.RoleAgent:
		return agent
	case store.RoleReader:
		return reader
	default:
		return admin
	}
}

func (r *Resolver) secret(ctx context.Context, role store.Role, id string, d config.Database) (Source, error) {
	if r.Secrets == nil {
		return Source{}, errors.New("database credentials from AWS Secrets Manager are not available in this build")
	}
	return r.Secrets.Source(ctx, role, id, d)
}

// local starts janitor's cluster if needed, creates the environment's
// database and brings its schema up to date: the local database needs no
// set-up at all.
func (r *Resolver) local(ctx context.Context, role store.Role) (Source, error) {
	c, err := LocalCluster(r.Config)
	if err != nil {
		return Source{}, err
	}
	if err := c.Ensure(ctx); err != nil {
		return Source{}, err
	}
	name := LocalDatabaseName(r.Config.Env)
	if err := prepareLocal(ctx, c, name); err != nil {
		return Source{}, err
	}
	user := localdb.Superuser
	switch role {
	case store.RoleAgent:
		user = store.AgentRoleName
	case store.RoleReader:
		user = store.ReaderRoleName
	}
	return Source{DSN: c.DSN(user, name), Local: true}, nil
}

func prepareLocal(ctx context.Context, c *localdb.Cluster, name string) error {
	admin, err := store.Open(ctx, c.DSN(localdb.Superuser, "postgres"), store.Options{})
	if err != nil {
		return fmt.Errorf("local database: %w", err)
	}
	err = admin.EnsureDatabase(ctx, name)
	admin.Close()
	if err != nil {
		return fmt.Errorf("local database: %w", err)
	}
	db, err := store.Open(ctx, c.DSN(localdb.Superuser, name), store.Options{})
	if err != nil {
		return fmt.Errorf("local database: %w", err)
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		return fmt.Errorf("local database: %w", err)
	}
	return nil
}

// Open connects as role.
func (r *Resolver) Open(ctx context.Context, role store.Role) (*store.DB, error) {
	src, err := r.Source(ctx, role)
	if err != nil {
		return nil, err
	}
	return store.Open(ctx, src.DSN, r.storeOptions(src))
}

// Aurora's connection timing: a paused Serverless v2 cluster holds the
// first connection while it resumes (15-30 s), and a failover takes up to a
// minute before the writer's address leads to the new writer.
const (
	auroraConnectTimeout = 90 * time.Second
	auroraAttemptTimeout = 40 * time.Second
	auroraFailoverWait   = 90 * time.Second
)

func (r *Resolver) storeOptions(src Source) store.Options {
	o := store.Options{
		ConnectTimeout: r.ConnectTimeout,
		Password:       src.Password,
		OnAuthFailure:  src.OnAuthFailure,
	}
	if src.Aurora {
		o.ConnectTimeout = max(o.ConnectTimeout, auroraConnectTimeout)
		o.AttemptTimeout = auroraAttemptTimeout
		o.FailoverWait = auroraFailoverWait
	}
	return o
}
