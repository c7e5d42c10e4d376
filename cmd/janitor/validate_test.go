package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/runpod-workers/janitor/pkg/docker"
	"github.com/runpod-workers/janitor/pkg/localdb"
	"github.com/runpod-workers/janitor/pkg/store"
	"github.com/runpod-workers/janitor/pkg/store/storetest"
	"github.com/runpod-workers/janitor/pkg/testenv"
	"github.com/runpod-workers/janitor/pkg/validate"
)

// examplesDir holds the example worker repositories that make demo
// validates; the scripts get a copy.
const examplesDir = "../../docs/examples"

// TestValidateScripts drives `janitor validate` through its user stories in
// testdata/validate against the real Docker engine and a real PostgreSQL:
// the examples, the database lost mid-run, an interrupted run, a noisy and a
// hanging worker. Images build FROM scratch with static programs this test
// compiles, since no registry can be reached.
func TestValidateScripts(t *testing.T) {
	storetest.Cluster(t)
	requireDocker(t)
	bins := buildTestWorkers(t)
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/validate",
		RequireExplicitExec: true,
		Setup: func(env *testscript.Env) error {
			if err := setupScript(env); err != nil {
				return err
			}
			if err := copyExamples(filepath.Join(env.WorkDir, "examples"), bins["pyshim"]); err != nil {
				return err
			}
			env.Setenv("SHIM", bins["pyshim"])
			env.Setenv("NOISY", bins["noisy"])
			env.Setenv("HANG", bins["hang"])
			return nil
		},
		Cmds: map[string]func(*testscript.TestScript, bool, []string){
			"sql-as":         cmdSQLAs,
			"exits":          cmdExits,
			"pgcluster":      cmdPGCluster,
			"wait-container": cmdWaitContainer,
			"leftovers":      cmdLeftovers,
			"interrupt":      cmdInterrupt,
		},
	})
}

// requireDocker ends the test when no Docker engine answers (a failure in
// CI) or the docker CLI the scripts inspect it with is missing.
func requireDocker(t testing.TB) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 15*time.Second)
	defer cancel()
	e, err := docker.New(ctx, docker.Options{PingTimeout: 5 * time.Second})
	if errors.Is(err, docker.ErrUnavailable) {
		testenv.Missing(t, "a Docker engine: start one with `sudo .ci/dockerd` ("+err.Error()+")")
	}
	if err != nil {
		t.Fatal(err)
	}
	_ = e.Close()
	if _, err := exec.LookPath("docker"); err != nil {
		testenv.Missing(t, "the docker CLI (apt-get install docker.io)")
	}
}

// testWorkers are the static programs worker images carry as "python": the
// examples' stand-in (pyshim) and the noisy and hanging test workers.
var testWorkers = map[string]string{
	"pyshim": "github.com/runpod-workers/janitor/docs/examples/pyshim",
	"noisy":  "./testdata/workers/noisy",
	"hang":   "./testdata/workers/hang",
}

// buildTestWorkers compiles the named test workers (all when none is
// named), static for linux/amd64, and returns their paths by name.
func buildTestWorkers(t testing.TB, names ...string) map[string]string {
	t.Helper()
	dir := t.TempDir()
	// The server and the containers run as other users.
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if len(names) == 0 {
		for name := range testWorkers {
			names = append(names, name)
		}
	}
	out := map[string]string{}
	for _, name := range names {
		pkg := testWorkers[name]
		bin := filepath.Join(dir, name)
		cmd := exec.CommandContext(t.Context(), "go", "build", "-trimpath", "-o", bin, pkg)
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH=amd64")
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("build %s: %v\n%s", pkg, err, b)
		}
		out[name] = bin
	}
	return out
}

// copyExamples copies the example worker repositories (not the pyshim
// source, nor a "python" left by make demo) to dst and puts the stand-in
// python in each.
func copyExamples(dst, shim string) error {
	err := filepath.WalkDir(examplesDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(examplesDir, path)
		if err != nil {
			return err
		}
		switch {
		case d.IsDir() && rel == "pyshim":
			return filepath.SkipDir
		case d.IsDir():
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		case d.Name() == "python":
			return nil
		}
		return copyFile(path, filepath.Join(dst, rel), 0o644)
	})
	if err != nil {
		return fmt.Errorf("copy the examples: %w", err)
	}
	workers, err := filepath.Glob(filepath.Join(dst, "worker-*"))
	if err != nil || len(workers) == 0 {
		return fmt.Errorf("no worker-* in %s", examplesDir)
	}
	for _, w := range workers {
		if err := copyFile(shim, filepath.Join(w, "python"), 0o755); err != nil {
			return err
		}
	}
	return nil
}

func copyFile(src, dst string, mode os.FileMode) error {
	b, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	return os.WriteFile(dst, b, mode)
}

// cmdPGCluster starts or stops a throwaway PostgreSQL cluster of the
// script's own in $WORK/pg: pgcluster start|stop. The first start creates
// and migrates the database and points the dev environment (the config
// file, and DB_AGENT/DB_READER/DB_ADMIN for sql-as) at it; the cluster is
// removed when the script ends.
func cmdPGCluster(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 || (args[0] != "start" && args[0] != "stop") {
		ts.Fatalf("usage: pgcluster start|stop")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dir := ts.MkAbs("pg")
	c, err := localdb.New(dir, localdb.Options{Throwaway: true})
	ts.Check(err)
	if args[0] == "stop" {
		ts.Check(c.Stop(ctx))
		return
	}
	first := !c.Initialized()
	ts.Check(c.Ensure(ctx))
	if !first {
		return
	}
	ts.Defer(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		_ = c.Destroy(ctx)
	})
	const name = "janitor"
	admin, err := store.Open(ctx, c.DSN(localdb.Superuser, "postgres"), store.Options{})
	ts.Check(err)
	defer admin.Close()
	ts.Check(admin.EnsureDatabase(ctx, name))
	db, err := store.Open(ctx, c.DSN(localdb.Superuser, name), store.Options{})
	ts.Check(err)
	defer db.Close()
	_, err = db.Migrate(ctx)
	ts.Check(err)
	agent, reader, adminDSN := c.DSN(store.AgentRoleName, name), c.DSN(store.ReaderRoleName, name), c.DSN(localdb.Superuser, name)
	ts.Check(writeConfig(ts.Getenv("HOME"), agent, reader, adminDSN))
	ts.Setenv("DB_AGENT", agent)
	ts.Setenv("DB_READER", reader)
	ts.Setenv("DB_ADMIN", adminDSN)
}

// containerWait bounds how long the scripts wait for a container to start.
const containerWait = 2 * time.Minute

// cmdWaitContainer waits until a container of the repository (its
// org.janitor.repo label, such as local/worker-sleepy) runs:
// wait-container <org/name>.
func cmdWaitContainer(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: wait-container <org/name>")
	}
	if err := waitContainer(args[0], containerWait, nil); err != nil {
		ts.Fatalf("%v", err)
	}
}

// waitContainer polls the docker CLI until a running container carries
// the repository label, giving up after limit or when exited is closed.
func waitContainer(repo string, limit time.Duration, exited <-chan struct{}) error {
	deadline := time.Now().Add(limit)
	for {
		out, err := exec.Command("docker", "ps", "-q", "--filter", "status=running",
			"--filter", "label="+validate.LabelManaged+"=true", "--filter", "label="+validate.LabelRepo+"="+repo).Output()
		if err != nil {
			return fmt.Errorf("docker ps: %v", err)
		}
		if len(bytes.TrimSpace(out)) > 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("no container of %s running after %s", repo, limit)
		}
		select {
		case <-exited:
			return fmt.Errorf("the command exited before a container of %s ran", repo)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// cmdLeftovers prints the containers and images labelled
// org.janitor.managed=true that belong to the runs recorded in the
// script's database (DB_READER), one per line: leftovers [-remove]. It
// fails when no run is recorded, so that `! stdout .` after it cannot pass
// for want of runs. With -remove it then removes what it printed.
func cmdLeftovers(ts *testscript.TestScript, neg bool, args []string) {
	remove := len(args) == 1 && args[0] == "-remove"
	if neg || len(args) > 1 || (len(args) == 1 && !remove) {
		ts.Fatalf("usage: leftovers [-remove]")
	}
	ctx := context.Background()
	db, err := store.Open(ctx, ts.Getenv("DB_READER"), store.Options{})
	ts.Check(err)
	defer db.Close()
	rows, err := db.QueryStrings(ctx, "SELECT run_id::text FROM validation_runs")
	ts.Check(err)
	if len(rows) == 0 {
		ts.Fatalf("leftovers: no run recorded")
	}
	for _, r := range rows {
		filters := []string{"--filter", "label=" + validate.LabelManaged + "=true", "--filter", "label=" + validate.LabelRunID + "=" + r[0]}
		for _, what := range [][]string{
			{"ps", "-a", "--format", "container {{.ID}} {{.Names}} {{.Status}}"},
			{"images", "--format", "image {{.ID}} {{.Repository}}:{{.Tag}}"},
		} {
			args := append(what, filters...)
			out, err := exec.Command("docker", args...).Output()
			if err != nil {
				ts.Fatalf("docker %s: %v", strings.Join(args, " "), err)
			}
			ts.Stdout().Write(out)
			if !remove {
				continue
			}
			for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
				if f := strings.Fields(line); len(f) > 1 {
					rm := map[string][]string{"container": {"rm", "-f"}, "image": {"rmi", "-f"}}[f[0]]
					if b, err := exec.Command("docker", append(rm, f[1])...).CombinedOutput(); err != nil {
						ts.Fatalf("docker %s %s: %v\n%s", strings.Join(rm, " "), f[1], err, b)
					}
				}
			}
		}
	}
}

// interruptEnv lists the script variables a command started by interrupt
// needs (the rest of its environment is the test's).
var interruptEnv = []string{"HOME", "XDG_CONFIG_HOME", "JANITOR_DATA_DIR", "NO_COLOR", "TMPDIR", "PATH"}

// cmdInterrupt runs a program, sends it a signal once a container of the
// repository runs, and requires exit status 130:
// interrupt [-INT|-TERM] <org/name> <program> [args...]. Its stdout and
// stderr become the command's.
func cmdInterrupt(ts *testscript.TestScript, neg bool, args []string) {
	sig := syscall.SIGINT
	if len(args) > 0 && strings.HasPrefix(args[0], "-") {
		switch args[0] {
		case "-INT":
		case "-TERM":
			sig = syscall.SIGTERM
		default:
			ts.Fatalf("interrupt: unknown signal %s", args[0])
		}
		args = args[1:]
	}
	if neg || len(args) < 2 {
		ts.Fatalf("usage: interrupt [-INT|-TERM] <org/name> <program> [args...]")
	}
	repo, prog := args[0], args[1]
	path, err := exec.LookPath(prog)
	ts.Check(err)
	cmd := exec.Command(path, args[2:]...)
	cmd.Dir = ts.MkAbs(".")
	cmd.Env = os.Environ()
	for _, k := range interruptEnv {
		cmd.Env = append(cmd.Env, k+"="+ts.Getenv(k))
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	ts.Check(cmd.Start())
	exited := make(chan struct{})
	var waitErr error
	go func() {
		waitErr = cmd.Wait()
		close(exited)
	}()
	report := func() {
		ts.Stdout().Write(stdout.Bytes())
		ts.Stderr().Write(stderr.Bytes())
	}
	if err := waitContainer(repo, containerWait, exited); err != nil {
		_ = cmd.Process.Kill()
		<-exited
		report()
		ts.Fatalf("%v\nstderr:\n%s", err, stderr.String())
	}
	ts.Check(cmd.Process.Signal(sig))
	select {
	case <-exited:
	case <-time.After(2 * time.Minute):
		_ = cmd.Process.Kill()
		<-exited
		report()
		ts.Fatalf("%s did not exit within 2m of %s", prog, sig)
	}
	report()
	code, err := exitCode(waitErr)
	if err != nil {
		ts.Fatalf("%s: %v", prog, err)
	}
	if code != 130 {
		ts.Fatalf("%s exited %d after %s, want 130", prog, code, sig)
	}
}
