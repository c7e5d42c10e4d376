package docker

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/client"
	"github.com/runpod-workers/janitor/pkg/gpu"
)

// checkRemoved fails the test when the container still exists.
func checkRemoved(t *testing.T, e *Engine, id string) {
	t.Helper()
	if id == "" {
		t.Fatal("the result names no container")
	}
	_, err := e.cli.ContainerInspect(context.Background(), id, client.ContainerInspectOptions{})
	if !cerrdefs.IsNotFound(err) {
		t.Errorf("container %s was not removed (inspect: %v)", id, err)
	}
}

func TestRun(t *testing.T) {
	t.Parallel()
	e := engine(t)
	image := buildProbeImage(t, e)
	input := filepath.Join(t.TempDir(), "test_input.json")
	if err := os.WriteFile(input, []byte(`{"input": {"prompt": "hello"}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		req        RunRequest
		exit       int
		stdout     string
		stderr     string
		startError string
		timedOut   bool
		killed     bool
		oom        bool
		noInit     bool
	}{
		{
			name: "exit 0", req: RunRequest{Cmd: []string{"exit", "0"}},
			stdout: "probe says hello on stdout\n", stderr: "probe says hello on stderr\n",
		},
		{
			name: "exit 3", req: RunRequest{Cmd: []string{"exit", "3"}}, exit: 3,
			stdout: "probe says hello on stdout\n", stderr: "probe says hello on stderr\n",
		},
		{
			name:   "env",
			req:    RunRequest{Cmd: []string{"env", "RUNPOD_DEBUG_LEVEL"}, Env: []string{"RUNPOD_DEBUG_LEVEL=INFO"}},
			stdout: "INFO\n",
		},
		{
			name: "mounted test input in the work dir",
			req: RunRequest{
				Cmd:     []string{"cat", "test_input.json"},
				Mounts:  []Mount{{Source: input, Target: "/app/test_input.json"}},
				WorkDir: "/app",
			},
			stdout: `{"input": {"prompt": "hello"}}`,
		},
		{
			name:   "mount is read-only",
			req:    RunRequest{Cmd: []string{"write", "/app/test_input.json"}, Mounts: []Mount{{Source: input, Target: "/app/test_input.json"}}},
			exit:   2,
			stderr: "probe: open /app/test_input.json: read-only file system\n",
		},
		{
			name: "time limit: SIGTERM ends it", req: RunRequest{Cmd: []string{"hang"}, Timeout: 2 * time.Second, StopGrace: 5 * time.Second},
			exit: 143, stdout: "hanging\n", timedOut: true,
		},
		{
			name: "time limit: deaf to SIGTERM, SIGKILL ends it", req: RunRequest{Cmd: []string{"hang-ignore-term"}, Timeout: 2 * time.Second, StopGrace: time.Second},
			exit: 137, stdout: "hanging, deaf to SIGTERM\n", timedOut: true, killed: true,
		},
		{
			name: "out of memory", req: RunRequest{Cmd: []string{"alloc", "256"}, MemoryBytes: 32 << 20},
			exit: 137, oom: true,
		},
		{
			name: "limits that are not reached", req: RunRequest{Cmd: []string{"alloc", "8"}, MemoryBytes: 256 << 20, NanoCPUs: 500_000_000, PidsLimit: 64, Network: "none"},
			stdout: "allocated 8388608\n",
		},
		{
			// docker-init starts, fails to run the command, and says so.
			name: "command not in the image, with init", req: RunRequest{Entrypoint: []string{"/no/such/handler"}},
			exit: 127, stderr: "exec /no/such/handler failed: No such file or directory",
		},
		{
			// Without init the engine itself cannot start the container.
			name: "command not in the image, without init", req: RunRequest{Entrypoint: []string{"/no/such/handler"}}, noInit: true,
			exit: 127, startError: "no such file or directory",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req := tt.req
			req.Image = image
			req.Init = !tt.noInit
			req.Labels = map[string]string{LabelRunID: testRunID(t)}
			if req.Timeout == 0 {
				req.Timeout = time.Minute
			}
			res, err := e.Run(t.Context(), req)
			if err != nil {
				t.Fatal(err)
			}
			checkRemoved(t, e, res.ContainerID)
			if res.ExitCode != tt.exit || res.TimedOut != tt.timedOut || res.Killed != tt.killed || res.OOMKilled != tt.oom {
				t.Errorf("exit %d, timed out %v, killed %v, OOM %v; want %d, %v, %v, %v (stderr %q)",
					res.ExitCode, res.TimedOut, res.Killed, res.OOMKilled, tt.exit, tt.timedOut, tt.killed, tt.oom, res.Stderr)
			}
			if tt.stdout != "" && res.Stdout != tt.stdout || !strings.Contains(res.Stderr, tt.stderr) {
				t.Errorf("stdout %q, stderr %q; want %q, %q", res.Stdout, res.Stderr, tt.stdout, tt.stderr)
			}
			if !strings.Contains(res.StartError, tt.startError) || tt.startError == "" && res.StartError != "" {
				t.Errorf("StartError = %q, want %q", res.StartError, tt.startError)
			}
			if tt.startError == "" && res.Duration <= 0 {
				t.Errorf("Duration = %v", res.Duration)
			}
			if tt.timedOut && (res.Duration < req.Timeout || res.Duration > req.Timeout+req.StopGrace+10*time.Second) {
				t.Errorf("a run limited to %v (grace %v) lasted %v", req.Timeout, req.StopGrace, res.Duration)
			}
		})
	}
}

// TestRunLargeOutput runs a container that prints 20 MB with NUL bytes and
// invalid UTF-8: the output comes back capped, head and tail kept, safe to
// store, and janitor's memory does not grow with it. It does not run in
// parallel, so that the allocation count is its own.
func TestRunLargeOutput(t *testing.T) {
	e := engine(t)
	image := buildProbeImage(t, e)
	const total, limit = 20 << 20, 64 << 10
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	res, err := e.Run(t.Context(), RunRequest{Image: image, Cmd: []string{"spam", "20971520"}, Init: true, OutputLimit: limit, Timeout: time.Minute})
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	checkRemoved(t, e, res.ContainerID)
	if res.ExitCode != 0 {
		t.Fatalf("exit %d: %s", res.ExitCode, res.Stderr)
	}
	out := res.Stdout
	if len(out) > limit || strings.Contains(out, "\x00") || !utf8.ValidString(out) {
		t.Errorf("stdout is not safe text within %d bytes: %d bytes, NUL %v, valid UTF-8 %v",
			limit, len(out), strings.Contains(out, "\x00"), utf8.ValidString(out))
	}
	if !strings.HasPrefix(out, "BEGIN\nspam  nul \uFFFD invalid \uFFFD cut 日本\n") || !strings.HasSuffix(out, "\nEND\n") {
		t.Errorf("head or tail lost: %q ... %q", out[:min(len(out), 80)], out[max(0, len(out)-80):])
	}
	if !strings.Contains(out, "bytes omitted") {
		t.Error("no marker where output was dropped")
	}
	if res.StdoutBytes < total {
		t.Errorf("StdoutBytes = %d, want at least %d", res.StdoutBytes, total)
	}
	// Reading 20 MB through fixed buffers allocates little; holding it
	// would take 20 MB at least.
	grew := after.TotalAlloc - before.TotalAlloc
	if grew > 8<<20 {
		t.Errorf("Run allocated %d MiB for 20 MiB of output", grew>>20)
	}
	t.Logf("Run allocated %d KiB in all for %d MiB of output", grew>>10, res.StdoutBytes>>20)
}

// runInBackground starts Run and waits until its container exists, by the
// run ID label.
func runInBackground(ctx context.Context, t *testing.T, e *Engine, req RunRequest) (id string, done <-chan error) {
	t.Helper()
	ch := make(chan error, 1)
	go func() {
		_, err := e.Run(ctx, req)
		ch <- err
	}()
	runID := req.Labels[LabelRunID]
	waitFor(t, 30*time.Second, "the container to exist", func() bool { return len(managedContainers(t, e, runID)) == 1 })
	return managedContainers(t, e, runID)[0], ch
}

// TestRunCancelled checks that ending ctx removes the running container and
// returns ctx's error.
func TestRunCancelled(t *testing.T) {
	t.Parallel()
	e := engine(t)
	image := buildProbeImage(t, e)
	runID := testRunID(t)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	id, done := runInBackground(ctx, t, e, RunRequest{
		Image: image, Cmd: []string{"hang-ignore-term"}, Init: true, Timeout: time.Hour,
		Labels: map[string]string{LabelRunID: runID, LabelRepository: "runpod-workers/worker-hang"},
	})

	c, err := e.cli.ContainerInspect(t.Context(), id, client.ContainerInspectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	labels := c.Container.Config.Labels
	if labels[LabelManaged] != "true" || labels[LabelRunID] != runID || labels[LabelRepository] != "runpod-workers/worker-hang" {
		t.Errorf("container labels %v", labels)
	}
	hc := c.Container.HostConfig
	if hc.Init == nil || !*hc.Init || hc.LogConfig.Type != "none" {
		t.Errorf("host config: init %v, log driver %q", hc.Init, hc.LogConfig.Type)
	}

	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Run after cancel = %v, want context.Canceled", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("Run did not return after cancel")
	}
	checkRemoved(t, e, id)
}

func TestRunGPUs(t *testing.T) {
	t.Parallel()
	e := engine(t)
	host, err := gpu.Detect(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if host.Available {
		// nvidia-container-toolkit mounts nvidia-smi into the container.
		res, err := e.Run(t.Context(), RunRequest{Image: buildProbeImage(t, e), Entrypoint: []string{"nvidia-smi"}, GPUs: true, Init: true, Timeout: time.Minute})
		if err != nil || res.ExitCode != 0 {
			t.Fatalf("nvidia-smi in a GPU container: %v, exit %d, %s %s", err, res.ExitCode, res.Stdout, res.Stderr)
		}
		return
	}
	_, err = e.Run(t.Context(), RunRequest{Image: buildProbeImage(t, e), Cmd: []string{"exit", "0"}, GPUs: true, Init: true, Timeout: time.Minute})
	if err == nil || !strings.Contains(err.Error(), "nvidia-container-toolkit") {
		t.Errorf("Run with GPUs on a host without them = %v, want an error that names nvidia-container-toolkit", err)
	}
}

func TestRunBadRequests(t *testing.T) {
	t.Parallel()
	e := engine(t)
	tests := []struct {
		name string
		req  RunRequest
		want string
	}{
		{"no image", RunRequest{}, "no image"},
		{"missing image", RunRequest{Image: "janitor-test/does-not-exist:never"}, "create container"},
		{"missing mount source", RunRequest{Image: "x", Mounts: []Mount{{Source: "/nonexistent/file", Target: "/x"}}}, "no such file"},
		{"relative mount target", RunRequest{Image: "x", Mounts: []Mount{{Source: "/", Target: "x"}}}, "not an absolute path"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if _, err := e.Run(t.Context(), tt.req); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Run error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}
