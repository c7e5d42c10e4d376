package localdb

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/runpod-workers/janitor/pkg/testenv"
)

func TestArgv(t *testing.T) {
	t.Parallel()
	got := InitdbArgs("/d/data")
	if !slices.Equal(got, []string{"-D", "/d/data", "-U", "janitor", "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync"}) {
		t.Errorf("InitdbArgs = %q", got)
	}
	start := StartArgs("/d/data", "/d/run", "/d/log", false)
	opts := start[len(start)-1]
	if !strings.Contains(opts, "listen_addresses=''") || !strings.Contains(opts, "unix_socket_directories='/d/run'") {
		t.Errorf("server options %q: must listen on the unix socket only", opts)
	}
	if strings.Contains(opts, "fsync=off") {
		t.Error("a durable cluster must keep fsync")
	}
	if !strings.Contains(StartArgs("/d/data", "/d/run", "/d/log", true)[len(start)-1], "fsync=off") {
		t.Error("a throwaway cluster should turn fsync off")
	}
}

func newCluster(t *testing.T) *Cluster {
	t.Helper()
	if _, err := FindBinDir(); err != nil {
		testenv.Missing(t, err.Error())
	}
	dir, err := os.MkdirTemp("", "localdb-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	c, err := New(filepath.Join(dir, "pg"), Options{Throwaway: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Stop(t.Context()) })
	return c
}

func TestLifecycle(t *testing.T) {
	t.Parallel()
	c := newCluster(t)
	ctx := t.Context()
	if st := c.Status(ctx); st.Initialized || st.Running {
		t.Fatalf("new cluster status = %+v", st)
	}
	// Two callers at once: the lock makes one initialise and the other wait.
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range errs {
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = c.Ensure(ctx) }()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	st := c.Status(ctx)
	if !st.Initialized || !st.Running || st.PID == 0 || st.Version == "" {
		t.Fatalf("after Ensure: %+v", st)
	}
	if _, err := os.Stat(filepath.Join(c.SocketDir(), ".s.PGSQL.5432")); err != nil {
		t.Fatalf("no unix socket: %v", err)
	}
	if err := c.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if st := c.Status(ctx); st.Running || !st.Initialized {
		t.Fatalf("after Stop: %+v", st)
	}
	if err := c.Stop(ctx); err != nil {
		t.Fatalf("stopping a stopped cluster: %v", err)
	}
	if err := c.Ensure(ctx); err != nil {
		t.Fatal(err)
	}
	if !c.Status(ctx).Running {
		t.Fatal("Ensure did not restart a stopped cluster")
	}
	if err := c.Destroy(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(c.Dir()); !os.IsNotExist(err) {
		t.Fatalf("Destroy left %s", c.Dir())
	}
}

func TestCheckTraversable(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	closed := filepath.Join(dir, "closed")
	if err := os.Mkdir(closed, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	err := checkTraversable(filepath.Join(closed, "pg"))
	if err == nil || !strings.Contains(err.Error(), "cannot enter "+closed) {
		t.Fatalf("checkTraversable = %v", err)
	}
}
