// Package storetest gives tests a real PostgreSQL: one throwaway cluster per
// test binary (initdb in a temp dir, unix socket only) and, per test, a fresh
// database cloned from a migrated template. Use it with
//
//	func TestMain(m *testing.M) { storetest.Main(m) }
//
// and storetest.New(t) in each test. Without PostgreSQL server binaries the
// tests skip locally and fail in CI.
package storetest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/runpod-workers/janitor/pkg/localdb"
	"github.com/runpod-workers/janitor/pkg/store"
	"github.com/runpod-workers/janitor/pkg/testenv"
)

const templateName = "janitor_template"

var (
	once    sync.Once
	cluster *localdb.Cluster
	tmpDir  string
	initErr error
	counter atomic.Int64
)

// Main runs the tests, then stops and removes the cluster if one was started.
func Main(m *testing.M) {
	code := m.Run()
	Stop()
	os.Exit(code)
}

// Stop stops and removes the test cluster, if one was started. Main calls
// it; a TestMain that cannot use Main calls it after m.Run.
func Stop() {
	if cluster != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		if err := cluster.Destroy(ctx); err != nil {
			fmt.Fprintln(os.Stderr, "storetest:", err)
		}
		cancel()
		os.RemoveAll(tmpDir)
	}
}

// DB is one test's database, reachable as each role.
type DB struct {
	Name string
	// DSNs for the admin (owner), the agent and the reader.
	Admin, Agent, Reader string
	// Cluster is the shared test cluster (to stop it in failure tests).
	Cluster *localdb.Cluster
}

// DSN returns the connection string for a role.
func (d *DB) DSN(r store.Role) string {
	switch r {
	case store.RoleAgent:
		return d.Agent
	case store.RoleReader:
		return d.Reader
	default:
		return d.Admin
	}
}

// Open connects to the test database as role and closes it when the test ends.
func (d *DB) Open(tb testing.TB, r store.Role) *store.DB {
	tb.Helper()
	db, err := store.Open(context.Background(), d.DSN(r), store.Options{ConnectTimeout: 10 * time.Second})
	if err != nil {
		tb.Fatalf("open test database as %s: %v", r, err)
	}
	tb.Cleanup(db.Close)
	return db
}

func start() {
	bin, err := localdb.FindBinDir()
	if err != nil {
		initErr = err
		return
	}
	tmpDir, err = os.MkdirTemp("", "janitor-pg-")
	if err != nil {
		initErr = err
		return
	}
	// The server may run as the postgres user, which must enter this folder.
	if err := os.Chmod(tmpDir, 0o755); err != nil {
		initErr = err
		return
	}
	c, err := localdb.New(filepath.Join(tmpDir, "pg"), localdb.Options{Throwaway: true, BinDir: bin})
	if err != nil {
		initErr = err
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := c.Ensure(ctx); err != nil {
		initErr = err
		return
	}
	cluster = c
	admin, err := store.Open(ctx, c.DSN(localdb.Superuser, "postgres"), store.Options{})
	if err != nil {
		initErr = err
		return
	}
	defer admin.Close()
	if err := admin.EnsureDatabase(ctx, templateName); err != nil {
		initErr = err
		return
	}
	tmpl, err := store.Open(ctx, c.DSN(localdb.Superuser, templateName), store.Options{})
	if err != nil {
		initErr = err
		return
	}
	defer tmpl.Close()
	if _, err := tmpl.Migrate(ctx); err != nil {
		initErr = fmt.Errorf("migrate template database: %w", err)
	}
}

// Cluster returns the shared test cluster, starting it on first use.
func Cluster(tb testing.TB) *localdb.Cluster {
	tb.Helper()
	once.Do(start)
	if initErr != nil {
		if initErr == localdb.ErrNoBinaries {
			testenv.Missing(tb, "PostgreSQL server binaries: "+initErr.Error())
		}
		tb.Fatalf("start test PostgreSQL: %v", initErr)
	}
	return cluster
}

// New creates a fresh migrated database for this test and drops it after.
func New(tb testing.TB) *DB {
	tb.Helper()
	Cluster(tb)
	d, cleanup, err := Create(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(cleanup)
	return d
}

// Create makes a fresh migrated database without a testing.TB (for
// testscript set-up); call cleanup to drop it. The cluster must have been
// started by Cluster first.
func Create(ctx context.Context) (*DB, func(), error) {
	once.Do(start)
	if initErr != nil {
		return nil, nil, fmt.Errorf("start test PostgreSQL: %w", initErr)
	}
	c := cluster
	name := fmt.Sprintf("test_%d_%d", os.Getpid(), counter.Add(1))
	admin, err := store.Open(ctx, c.DSN(localdb.Superuser, "postgres"), store.Options{})
	if err != nil {
		return nil, nil, fmt.Errorf("connect to test cluster: %w", err)
	}
	defer admin.Close()
	if err := admin.CreateDatabaseFrom(ctx, name, templateName); err != nil {
		return nil, nil, fmt.Errorf("create test database: %w", err)
	}
	cleanup := func() {
		a, err := store.Open(context.Background(), c.DSN(localdb.Superuser, "postgres"), store.Options{})
		if err != nil {
			return // the cluster was stopped by the test; Stop removes it
		}
		defer a.Close()
		_ = a.DropDatabase(context.Background(), name)
	}
	return &DB{
		Name:    name,
		Admin:   c.DSN(localdb.Superuser, name),
		Agent:   c.DSN(store.AgentRoleName, name),
		Reader:  c.DSN(store.ReaderRoleName, name),
		Cluster: c,
	}, cleanup, nil
}

// NewEmpty creates a database with no schema at all, for migration tests.
func NewEmpty(tb testing.TB) *DB {
	tb.Helper()
	c := Cluster(tb)
	name := fmt.Sprintf("empty_%d_%d", os.Getpid(), counter.Add(1))
	admin := adminDB(tb, c)
	defer admin.Close()
	if err := admin.EnsureDatabase(context.Background(), name); err != nil {
		tb.Fatalf("create empty database: %v", err)
	}
	tb.Cleanup(func() {
		if a, err := store.Open(context.Background(), c.DSN(localdb.Superuser, "postgres"), store.Options{}); err == nil {
			_ = a.DropDatabase(context.Background(), name)
			a.Close()
		}
	})
	return &DB{Name: name, Admin: c.DSN(localdb.Superuser, name), Agent: c.DSN(store.AgentRoleName, name),
		Reader: c.DSN(store.ReaderRoleName, name), Cluster: c}
}

func adminDB(tb testing.TB, c *localdb.Cluster) *store.DB {
	tb.Helper()
	db, err := store.Open(context.Background(), c.DSN(localdb.Superuser, "postgres"), store.Options{})
	if err != nil {
		tb.Fatalf("connect to test cluster: %v", err)
	}
	return db
}
