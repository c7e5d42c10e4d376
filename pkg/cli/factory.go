package cli

import (
	"context"
	"log/slog"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/spf13/pflag"

	"github.com/runpod-workers/janitor/pkg/cloud"
	"github.com/runpod-workers/janitor/pkg/config"
	"github.com/runpod-workers/janitor/pkg/dbconn"
	"github.com/runpod-workers/janitor/pkg/docker"
	"github.com/runpod-workers/janitor/pkg/iostreams"
	"github.com/runpod-workers/janitor/pkg/store"
)

// Factory hands commands their dependencies, built lazily on first use so
// that `janitor --help` touches nothing. Tests replace the functions.
type Factory struct {
	IO      *iostreams.IOStreams
	Version string
	Now     func() time.Time

	// Config returns the effective configuration (loaded once, after flags
	// are parsed).
	Config func() (*config.Config, error)
	// DB connects to the selected environment's database as role; the
	// connection is reused for the rest of the invocation.
	DB func(ctx context.Context, role store.Role) (*store.DB, error)
	// Logger is janitor's slog logger on stderr.
	Logger func() *slog.Logger
	// InstanceID names the machine janitor runs on, for validation_runs.
	InstanceID func(ctx context.Context) string
	// Docker connects to the Docker engine.
	Docker func(ctx context.Context) (*docker.Engine, error)
	// AWS returns a client for region; "" means the selected environment's
	// region, or the SDK's settings (AWS_REGION) when it has none.
	AWS func(ctx context.Context, region string) (*cloud.Client, error)
	// Terraform is the terraform executable for janitor infra; "" looks it
	// up on PATH.
	Terraform string

	// flags and configFile are bound to the root command's persistent
	// flags; Config reads them once they are parsed.
	flags      *pflag.FlagSet
	configFile string
	mu         sync.Mutex
	dbs        map[store.Role]*store.DB
	resolver   *dbconn.Resolver
	secrets    *secretsSource
	clouds     map[string]*cloud.Client
	engine     *docker.Engine
	closers    []func()
}

// NewFactory returns the production Factory.
func NewFactory(ios *iostreams.IOStreams, version string) *Factory {
	if version == "" {
		version = buildVersion()
	}
	f := &Factory{IO: ios, Version: version, Now: time.Now, dbs: map[store.Role]*store.DB{}, clouds: map[string]*cloud.Client{}}
	f.secrets = &secretsSource{f: f, caches: map[string]*cloud.SecretCache{}}
	var (
		once sync.Once
		cfg  *config.Config
		err  error
	)
	f.Config = func() (*config.Config, error) {
		once.Do(func() { cfg, err = config.Load(f.flags, f.configFile) })
		return cfg, err
	}
	f.DB = f.openDB
	f.Docker = f.dockerEngine
	f.AWS = f.awsClient
	// The EC2 instance ID from the metadata service (IMDSv2) on EC2, the
	// host name elsewhere; off EC2 it gives up after half a second.
	f.InstanceID = func(ctx context.Context) string {
		return cloud.MachineID(ctx, cloud.IdentityOptions{})
	}
	f.Logger = func() *slog.Logger {
		c, err := f.Config()
		if err != nil {
			return newLogger(ios, "info", "text")
		}
		return newLogger(ios, c.LogLevel, c.LogFormat)
	}
	return f
}

// Resolver returns the database resolver for the loaded configuration.
func (f *Factory) Resolver() (*dbconn.Resolver, error) {
	cfg, err := f.Config()
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.resolver == nil {
		f.resolver = &dbconn.Resolver{Config: cfg, Secrets: f.secrets, ConnectTimeout: cfg.ConnectTimeout}
	}
	return f.resolver, nil
}

func (f *Factory) openDB(ctx context.Context, role store.Role) (*store.DB, error) {
	f.mu.Lock()
	if db, ok := f.dbs[role]; ok {
		f.mu.Unlock()
		return db, nil
	}
	f.mu.Unlock()
	r, err := f.Resolver()
	if err != nil {
		return nil, err
	}
	db, err := r.Open(ctx, role)
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.dbs[role] = db
	return db, nil
}

// OnClose registers cleanup to run when the invocation ends.
func (f *Factory) OnClose(fn func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closers = append(f.closers, fn)
}

// Close releases database connections and anything registered with OnClose.
func (f *Factory) Close() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, db := range f.dbs {
		db.Close()
	}
	f.dbs = map[store.Role]*store.DB{}
	for i := len(f.closers) - 1; i >= 0; i-- {
		f.closers[i]()
	}
	f.closers = nil
}

func newLogger(ios *iostreams.IOStreams, level, format string) *slog.Logger {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		lv = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: lv}
	if strings.EqualFold(format, "json") {
		return slog.New(slog.NewJSONHandler(ios.ErrOut, opts))
	}
	return slog.New(slog.NewTextHandler(ios.ErrOut, opts))
}

func buildVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}
