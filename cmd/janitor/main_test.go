package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/rogpeppe/go-internal/testscript"

	"github.com/runpod-workers/janitor/pkg/cli"
	"github.com/runpod-workers/janitor/pkg/iostreams"
	"github.com/runpod-workers/janitor/pkg/localdb"
	"github.com/runpod-workers/janitor/pkg/store"
	"github.com/runpod-workers/janitor/pkg/store/storetest"
)

// stopClusterAfter stops the shared test PostgreSQL once the tests are done.
type stopClusterAfter struct{ m *testing.M }

func (s stopClusterAfter) Run() int {
	code := s.m.Run()
	storetest.Stop()
	return code
}

func TestMain(m *testing.M) {
	testscript.Main(stopClusterAfter{m}, map[string]func(){
		// As cmd/janitor/main.go does: SIGINT and SIGTERM cancel the
		// context, so that scripts can interrupt a run.
		"janitor": func() {
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			code := cli.Main(ctx, os.Args[1:], iostreams.System(), "test")
			stop()
			os.Exit(code)
		},
	})
}

// TestScripts drives the real janitor binary through the user stories in
// testdata/script, each against a fresh migrated database.
func TestScripts(t *testing.T) {
	storetest.Cluster(t)
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		RequireExplicitExec: true,
		Setup:               setupScript,
		Cmds: map[string]func(*testscript.TestScript, bool, []string){
			"seed":   cmdSeed,
			"sql-as": cmdSQLAs,
			"exits":  cmdExits,
		},
	})
}

func setupScript(env *testscript.Env) error {
	d, cleanup, err := storetest.Create(context.Background())
	if err != nil {
		return err
	}
	env.Defer(cleanup)
	home := filepath.Join(env.WorkDir, "home")
	if err := writeConfig(home, d.Agent, d.Reader, d.Admin); err != nil {
		return err
	}
	env.Setenv("HOME", home)
	env.Setenv("XDG_CONFIG_HOME", filepath.Join(home, ".config"))
	dataDir := filepath.Join(env.WorkDir, "data")
	env.Setenv("JANITOR_DATA_DIR", dataDir)
	// A script that starts janitor's own local database must not leave
	// its server running, whatever happens.
	env.Defer(func() {
		if c, err := localdb.New(filepath.Join(dataDir, "postgres"), localdb.Options{}); err == nil {
			_ = c.Stop(context.Background())
		}
	})
	env.Setenv("DB_ADMIN", d.Admin)
	env.Setenv("DB_AGENT", d.Agent)
	env.Setenv("DB_READER", d.Reader)
	env.Setenv("DB_NAME", d.Name)
	env.Setenv("DB_SOCKET", d.Cluster.SocketDir())
	env.Setenv("NO_COLOR", "1")
	env.Setenv("PATH", os.Getenv("PATH"))
	// The local-database script starts PostgreSQL as the postgres user when
	// run as root; it must be able to enter the work directory.
	for _, dir := range []string{env.WorkDir, filepath.Dir(env.WorkDir)} {
		if err := os.Chmod(dir, 0o755); err != nil {
			return err
		}
	}
	return nil
}

// writeConfig writes $HOME/.config/janitor/config.yaml pointing the dev
// environment at a database, one URL per role.
func writeConfig(home, agent, reader, admin string) error {
	cfgDir := filepath.Join(home, ".config", "janitor")
	if err := os.MkdirAll(cfgDir, 0o755); err != nil {
		return err
	}
	cfg := fmt.Sprintf(`environments:
  dev:
    database:
      agent_url: %q
      reader_url: %q
      admin_url: %q
`, agent, reader, admin)
	return os.WriteFile(filepath.Join(cfgDir, "config.yaml"), []byte(cfg), 0o644)
}

// seedFile is the fixture format of the seed command.
type seedFile struct {
	Runs []struct {
		RunID           uuid.UUID  `json:"run_id"`
		Environment     string     `json:"environment"`
		StartedAt       time.Time  `json:"started_at"`
		CompletedAt     *time.Time `json:"completed_at"`
		Status          string     `json:"status"`
		RepositoryCount int        `json:"repository_count"`
		Validations     []struct {
			Repository       string    `json:"repository"`
			Organization     string    `json:"organization"`
			Status           string    `json:"status"`
			BuildSuccess     *bool     `json:"build_success"`
			ContainerSuccess *bool     `json:"container_success"`
			GPUAvailable     *bool     `json:"gpu_available"`
			CUDADetected     *bool     `json:"cuda_detected"`
			ErrorMessage     string    `json:"error_message"`
			ExecutionSeconds *int      `json:"execution_time_seconds"`
			CommitSHA        string    `json:"commit_sha"`
			CreatedAt        time.Time `json:"created_at"`
		} `json:"validations"`
	} `json:"runs"`
}

// cmdSeed writes the runs in a JSON file through the store as the agent
// role: seed <file>.
func cmdSeed(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: seed <file.json>")
	}
	var f seedFile
	if err := json.Unmarshal([]byte(ts.ReadFile(args[0])), &f); err != nil {
		ts.Fatalf("parse %s: %v", args[0], err)
	}
	ctx := context.Background()
	db, err := store.Open(ctx, ts.Getenv("DB_AGENT"), store.Options{})
	ts.Check(err)
	defer db.Close()
	for _, r := range f.Runs {
		ts.Check(db.RunInsert(ctx, store.RunInsertParams{RunID: r.RunID, Environment: r.Environment,
			StartedAt: r.StartedAt, RepositoryCount: r.RepositoryCount, InstanceID: "test-host"}))
		for _, v := range r.Validations {
			at := v.CreatedAt
			_, err := db.ValidationInsert(ctx, store.ValidationInsertParams{RunID: r.RunID,
				Repository: v.Repository, Organization: v.Organization, Status: v.Status,
				BuildSuccess: v.BuildSuccess, ContainerSuccess: v.ContainerSuccess,
				GPUAvailable: v.GPUAvailable, CUDADetected: v.CUDADetected, ErrorMessage: v.ErrorMessage,
				ExecutionTimeSeconds: v.ExecutionSeconds, CommitSHA: v.CommitSHA, CreatedAt: &at})
			ts.Check(err)
		}
		if r.Status != "" && r.Status != store.RunRunning {
			completed := r.StartedAt
			if r.CompletedAt != nil {
				completed = *r.CompletedAt
			}
			ts.Check(db.RunFinish(ctx, store.RunFinishParams{RunID: r.RunID, Status: r.Status, CompletedAt: completed}))
		}
	}
}

// cmdSQLAs runs one statement as a role: sql-as <agent|reader|admin> <sql>.
// With !, the statement must fail; the error goes to stderr.
func cmdSQLAs(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: sql-as <role> <sql>")
	}
	dsn := map[string]string{"agent": ts.Getenv("DB_AGENT"), "reader": ts.Getenv("DB_READER"), "admin": ts.Getenv("DB_ADMIN")}[args[0]]
	if dsn == "" {
		ts.Fatalf("unknown role %q", args[0])
	}
	ctx := context.Background()
	db, err := store.Open(ctx, dsn, store.Options{})
	ts.Check(err)
	defer db.Close()
	rows, err := db.QueryStrings(ctx, args[1])
	if err != nil {
		if !neg {
			ts.Fatalf("%s as %s: %v", args[1], args[0], err)
		}
		fmt.Fprintln(ts.Stderr(), err)
		return
	}
	if neg {
		ts.Fatalf("%s as %s succeeded, want failure", args[1], args[0])
	}
	for _, r := range rows {
		fmt.Fprintln(ts.Stdout(), r)
	}
}

// cmdExits runs a program and checks its exact exit code:
// exits <code> <program> [args...].
func cmdExits(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exits <code> <program> [args...]")
	}
	want, err := strconv.Atoi(args[0])
	ts.Check(err)
	got, err := exitCode(ts.Exec(args[1], args[2:]...))
	if err != nil {
		ts.Fatalf("run %s: %v", args[1], err)
	}
	if got != want {
		ts.Fatalf("%s exited %d, want %d", args[1], got, want)
	}
}

// exitCode turns the error of running a program into its exit status; err
// is set when the program could not run at all.
func exitCode(runErr error) (int, error) {
	var ee *exec.ExitError
	switch {
	case errors.As(runErr, &ee):
		return ee.ExitCode(), nil
	case runErr != nil:
		return 0, runErr
	}
	return 0, nil
}
