package validate

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"
)

// spec is how one fake repository behaves in the fake world.
type spec struct {
	files       map[string]string // written into the checkout
	checkoutErr error
	lint        LintReport
	lintErr     error

	build BuildResult // ImageID defaults to "sha256:<name>"
	// buildErr is returned by Build; buildWait makes Build wait that long
	// (or until ctx ends); buildBlock makes it wait until closed or ctx
	// ends, ignoring the build's Timeout; buildHang makes it run into the
	// Timeout, which it enforces like the real engine.
	buildErr   error
	buildWait  time.Duration
	buildBlock chan struct{}
	buildHang  bool
	// buildOutput is written to the build's Progress writer.
	buildOutput []string

	run      RunResult
	runErr   error
	runWait  time.Duration
	runBlock chan struct{}
	// runStarted, when set, is closed when the test container starts.
	runStarted chan struct{}

	gpuCheck    RunResult
	gpuCheckErr error
}

// world is a fake Checkouter, Linter, Engine, GPUDetector and Sink in one,
// recording every call.
type world struct {
	t      testing.TB
	mu     sync.Mutex
	specs  map[string]*spec
	dirs   map[string]string // checkout dir -> repo name
	gpu    GPUInfo
	gpuErr error

	builds      []BuildRequest
	runs        []RunRequest
	inputs      map[string][]byte // repo name -> test input seen at run time
	removed     []string
	cleanups    []string // run IDs
	cleanupCtx  []error  // ctx.Err() seen by Cleanup and RemoveImage
	inflight    int
	maxInflight int

	// sink
	runStart    []Run
	records     []Record
	finishes    []RunFinish
	recordErr   error
	runStartErr error
	recorded    chan string // repo name, on each record
}

func newWorld(t testing.TB, specs map[string]*spec) *world {
	return &world{t: t, specs: specs, dirs: map[string]string{}, inputs: map[string][]byte{}, recorded: make(chan string, 100)}
}

func (w *world) pipeline() Pipeline {
	return Pipeline{Checkouter: w, Linter: w, Engine: w, GPU: w, Sink: w}
}

// repos lists the world's repositories by name, sorted.
func (w *world) repos() []Repo {
	names := make([]string, 0, len(w.specs))
	for n := range w.specs {
		names = append(names, n)
	}
	slices.Sort(names)
	out := make([]Repo, len(names))
	for i, n := range names {
		out[i] = Repo{Org: "acme", Name: n, URL: "https://git.example/acme/" + n + ".git"}
	}
	return out
}

func (w *world) spec(name string) *spec {
	w.mu.Lock()
	defer w.mu.Unlock()
	s, ok := w.specs[name]
	if !ok {
		w.t.Errorf("unknown fake repository %q", name)
		return &spec{}
	}
	return s
}

func (w *world) nameOfDir(dir string) string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.dirs[dir]
}

// Checkout writes the spec's files (a Dockerfile by default) into dir.
func (w *world) Checkout(ctx context.Context, repo Repo, dir string) (Checkout, error) {
	s := w.spec(repo.Name)
	if s.checkoutErr != nil {
		return Checkout{}, s.checkoutErr
	}
	files := s.files
	if files == nil {
		files = map[string]string{"Dockerfile": "FROM scratch\n", "test_input.json": `{"input": {"n": 1}}`}
	}
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return Checkout{}, err
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			return Checkout{}, err
		}
	}
	w.mu.Lock()
	w.dirs[dir] = repo.Name
	w.mu.Unlock()
	return Checkout{Dir: dir, Commit: "c0ffee" + repo.Name}, nil
}

// Lint returns the spec's report; by default test_input.json is found.
func (w *world) Lint(ctx context.Context, dir string) (LintReport, error) {
	s := w.spec(w.nameOfDir(dir))
	lr := s.lint
	if lr.Facts.TestInputPath == "" && lr.Facts.TestsCase == nil && s.files == nil {
		lr.Facts.TestInputPath = "test_input.json"
	}
	return lr, s.lintErr
}

func (w *world) enter() {
	w.mu.Lock()
	w.inflight++
	w.maxInflight = max(w.maxInflight, w.inflight)
	w.mu.Unlock()
}

func (w *world) leave() {
	w.mu.Lock()
	w.inflight--
	w.mu.Unlock()
}

func (w *world) Build(ctx context.Context, req BuildRequest) (BuildResult, error) {
	name := w.nameOfDir(req.ContextDir)
	s := w.spec(name)
	w.mu.Lock()
	w.builds = append(w.builds, req)
	w.mu.Unlock()
	w.enter()
	defer w.leave()
	for _, chunk := range s.buildOutput {
		io.WriteString(req.Progress, chunk)
	}
	if s.buildHang {
		select {
		case <-time.After(req.Timeout):
			return BuildResult{Failed: true, TimedOut: true, FailedStep: "[2/3] RUN sleep infinity", Log: "#6 [2/3] RUN sleep infinity\n"}, nil
		case <-ctx.Done():
			return BuildResult{}, ctx.Err()
		}
	}
	res := s.build
	if res.ImageID == "" && !res.Failed {
		res.ImageID = "sha256:" + name
	}
	if s.buildWait > 0 {
		select {
		case <-time.After(s.buildWait):
		case <-ctx.Done():
			return BuildResult{Log: "partial build log"}, ctx.Err()
		}
	}
	if s.buildBlock != nil {
		select {
		case <-s.buildBlock:
		case <-ctx.Done():
			return BuildResult{Log: "partial build log"}, ctx.Err()
		}
	}
	return res, s.buildErr
}

func (w *world) Run(ctx context.Context, req RunRequest) (RunResult, error) {
	name := req.Labels[LabelRepo]
	s := w.spec(name[len("acme/"):])
	w.mu.Lock()
	w.runs = append(w.runs, req)
	w.mu.Unlock()
	if slices.Equal(req.Entrypoint, []string{"nvidia-smi"}) {
		return s.gpuCheck, s.gpuCheckErr
	}
	for _, m := range req.Mounts {
		data, err := os.ReadFile(m.Source)
		if err != nil {
			w.t.Errorf("mount source of %s: %v", name, err)
		}
		w.mu.Lock()
		w.inputs[name] = data
		w.mu.Unlock()
	}
	if s.runStarted != nil {
		close(s.runStarted)
	}
	if s.runWait > 0 {
		select {
		case <-time.After(s.runWait):
		case <-ctx.Done():
			return RunResult{}, ctx.Err()
		}
	}
	if s.runBlock != nil {
		select {
		case <-s.runBlock:
		case <-ctx.Done():
			return RunResult{}, ctx.Err()
		}
	}
	return s.run, s.runErr
}

func (w *world) RemoveImage(ctx context.Context, id string) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.removed = append(w.removed, id)
	w.cleanupCtx = append(w.cleanupCtx, ctx.Err())
	return nil
}

func (w *world) Cleanup(ctx context.Context, runID string) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.cleanups = append(w.cleanups, runID)
	w.cleanupCtx = append(w.cleanupCtx, ctx.Err())
	return nil
}

func (w *world) Detect(ctx context.Context) (GPUInfo, error) { return w.gpu, w.gpuErr }

func (w *world) RunStart(ctx context.Context, run Run) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.runStart = append(w.runStart, run)
	return w.runStartErr
}

func (w *world) ValidationRecord(ctx context.Context, rec Record) error {
	if ctx.Err() != nil {
		w.t.Errorf("record of %s written with a done context", rec.Repository)
	}
	w.mu.Lock()
	w.records = append(w.records, rec)
	err := w.recordErr
	w.mu.Unlock()
	select {
	case w.recorded <- rec.Repository:
	default: // benchmarks do not wait for records
	}
	return err
}

func (w *world) RunFinish(ctx context.Context, fin RunFinish) error {
	if ctx.Err() != nil {
		w.t.Errorf("run finish written with a done context")
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.finishes = append(w.finishes, fin)
	return nil
}

// record returns the sink's record of a repository.
func (w *world) record(name string) (Record, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, r := range w.records {
		if r.Repository == name {
			return r, true
		}
	}
	return Record{}, false
}

// waitRecorded waits until the sink has a record of name.
func (w *world) waitRecorded(name string) {
	w.t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case got := <-w.recorded:
			if got == name {
				return
			}
		case <-timeout:
			w.t.Fatalf("no record of %s within 10s", name)
		}
	}
}

// errEngineDown is what the Docker client says when dockerd is down.
var errEngineDown = errString("Cannot connect to the Docker daemon at unix:///var/run/docker.sock")

// quiet returns options for tests: no log output.
func quiet(o Options) Options {
	if o.Logger == nil {
		o.Logger = discardLogger
	}
	return o
}
