package validate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
)

func okSpec() *spec { return &spec{run: RunResult{ExitCode: 0}} }

func TestConcurrencyBound(t *testing.T) {
	t.Parallel()
	for _, n := range []int{1, 3} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			t.Parallel()
			specs := map[string]*spec{}
			for i := range 7 {
				specs[fmt.Sprintf("w%d", i)] = &spec{buildWait: 40 * time.Millisecond}
			}
			w := newWorld(t, specs)
			sum, err := w.pipeline().Run(t.Context(), w.repos(), quiet(Options{Concurrency: n}))
			if err != nil {
				t.Fatal(err)
			}
			if len(sum.Records) != 7 {
				t.Fatalf("%d records, want 7", len(sum.Records))
			}
			// Seven 40 ms builds overlap: the bound is reached, never passed.
			if w.maxInflight != n {
				t.Errorf("max builds in flight = %d, want %d", w.maxInflight, n)
			}
		})
	}
}

func TestOneRepoErrorDoesNotStopOthers(t *testing.T) {
	t.Parallel()
	w := newWorld(t, map[string]*spec{
		"a": okSpec(),
		"b": {buildErr: errEngineDown},
		"c": {checkoutErr: errors.New("authentication required")},
		"d": okSpec(),
	})
	sum, err := w.pipeline().Run(t.Context(), w.repos(), quiet(Options{Concurrency: 2}))
	if err == nil || !strings.Contains(err.Error(), "acme/b: build: Cannot connect") {
		t.Errorf("Run error = %v, want the engine error of acme/b", err)
	}
	got := map[string]Status{}
	for _, r := range w.records {
		got[r.Repository] = r.Status
	}
	want := map[string]Status{"a": StatusSuccess, "b": StatusFailed, "c": StatusFailed, "d": StatusSuccess}
	if !maps.Equal(got, want) {
		t.Errorf("statuses = %v, want %v", got, want)
	}
	if sum.Status != RunFailed || sum.ExitCode() != 1 {
		t.Errorf("run status %s exit %d, want failed 1 (the engine could not be asked)", sum.Status, sum.ExitCode())
	}
	if len(w.finishes) != 1 || w.finishes[0].Status != RunFailed {
		t.Errorf("run finish = %+v", w.finishes)
	}
}

// TestRecordsEmittedAsEachRepoFinishes: a fast repository's record reaches
// the sink while a slow one is still building.
func TestRecordsEmittedAsEachRepoFinishes(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	w := newWorld(t, map[string]*spec{
		"slow": {buildBlock: release},
		"fast": okSpec(),
	})
	type result struct {
		sum Summary
		err error
	}
	done := make(chan result, 1)
	go func() {
		sum, err := w.pipeline().Run(t.Context(), w.repos(), quiet(Options{Concurrency: 2}))
		done <- result{sum, err}
	}()
	w.waitRecorded("fast")
	if _, ok := w.record("slow"); ok {
		t.Fatal("slow recorded before it was released")
	}
	select {
	case <-done:
		t.Fatal("run ended while slow was building")
	default:
	}
	close(release)
	res := <-done
	if res.err != nil {
		t.Fatal(res.err)
	}
	var order []string
	for _, r := range res.sum.Records {
		order = append(order, r.Repository)
	}
	if !slices.Equal(order, []string{"fast", "slow"}) {
		t.Errorf("summary order = %v, want [fast slow]", order)
	}
}

func TestCancellation(t *testing.T) {
	t.Parallel()
	for _, keep := range []bool{false, true} {
		t.Run(fmt.Sprintf("keep images %v", keep), func(t *testing.T) {
			t.Parallel()
			started := make(chan struct{})
			w := newWorld(t, map[string]*spec{
				"a-done":    okSpec(),
				"b-running": {runBlock: make(chan struct{}), runStarted: started},
				"c-waiting": okSpec(),
			})
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			go func() {
				<-started
				cancel()
			}()
			sum, err := w.pipeline().Run(ctx, w.repos(), quiet(Options{Concurrency: 1, KeepImages: keep}))
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("Run error = %v, want context.Canceled", err)
			}
			if sum.Status != RunCancelled || sum.ExitCode() != 130 {
				t.Errorf("status %s exit %d, want cancelled 130", sum.Status, sum.ExitCode())
			}
			// Partial results kept: the finished repository only.
			if len(w.records) != 1 || w.records[0].Repository != "a-done" || len(sum.Records) != 1 {
				t.Errorf("records = %v, want only a-done", names(w.records))
			}
			if len(w.finishes) != 1 || w.finishes[0].Status != RunCancelled || w.finishes[0].RunID != sum.Run.ID {
				t.Errorf("run finish = %+v, want cancelled for %s", w.finishes, sum.Run.ID)
			}
			// Kept images stay; the engine removed the containers.
			want := []string{sum.Run.ID}
			if keep {
				want = nil
			}
			if !slices.Equal(w.cleanups, want) {
				t.Errorf("cleanups = %q, want %q", w.cleanups, want)
			}
			for _, e := range w.cleanupCtx {
				if e != nil {
					t.Errorf("cleanup ran with a done context: %v", e)
				}
			}
			var wantRemoved []string
			if !keep {
				wantRemoved = []string{"sha256:a-done", "sha256:b-running"}
			}
			if !slices.Equal(sorted(w.removed), wantRemoved) {
				t.Errorf("removed images = %v, want %v", w.removed, wantRemoved)
			}
			for _, r := range w.runs {
				if r.Labels[LabelRunID] != sum.Run.ID {
					t.Errorf("container of %s labelled run %q, want %q", r.Labels[LabelRepo], r.Labels[LabelRunID], sum.Run.ID)
				}
			}
		})
	}
}

func TestRunTimeLimit(t *testing.T) {
	t.Parallel()
	w := newWorld(t, map[string]*spec{
		"a": {buildBlock: make(chan struct{})},
		"b": okSpec(),
	})
	sum, err := w.pipeline().Run(t.Context(), w.repos(), quiet(Options{Concurrency: 1, Timeout: 50 * time.Millisecond}))
	if err == nil || !strings.Contains(err.Error(), "time limit of 50ms") {
		t.Errorf("Run error = %v, want the time limit", err)
	}
	if sum.Status != RunFailed || sum.ExitCode() != 1 {
		t.Errorf("status %s exit %d, want failed 1", sum.Status, sum.ExitCode())
	}
	a, _ := w.record("a")
	b, _ := w.record("b")
	if a.Status != StatusFailed || !strings.Contains(a.ErrorMessage, "reached during build") {
		t.Errorf("a = %s %q, want failed during build", a.Status, a.ErrorMessage)
	}
	if b.Status != StatusSkipped || !strings.Contains(b.ErrorMessage, "not started") {
		t.Errorf("b = %s %q, want skipped, not started", b.Status, b.ErrorMessage)
	}
	if len(w.cleanups) != 1 {
		t.Errorf("cleanups = %v, want one", w.cleanups)
	}
}

func TestImagesRemovedUnlessKeepImages(t *testing.T) {
	t.Parallel()
	for _, keep := range []bool{false, true} {
		w := newWorld(t, map[string]*spec{
			"ok":     okSpec(),
			"exit1":  {run: RunResult{ExitCode: 1}},
			"broken": {build: BuildResult{Failed: true}},
		})
		sum, err := w.pipeline().Run(t.Context(), w.repos(), quiet(Options{KeepImages: keep}))
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		if !keep {
			want = []string{"sha256:exit1", "sha256:ok"}
		}
		if !slices.Equal(sorted(w.removed), want) {
			t.Errorf("keep=%v: removed %v, want %v", keep, w.removed, want)
		}
		if wantN := map[bool]int{false: 1, true: 0}[keep]; len(w.cleanups) != wantN || wantN == 1 && w.cleanups[0] != sum.Run.ID {
			t.Errorf("keep=%v: cleanups %q", keep, w.cleanups)
		}
		if sum.ExitCode() != 3 {
			t.Errorf("exit %d, want 3", sum.ExitCode())
		}
	}
}

func TestRequests(t *testing.T) {
	t.Parallel()
	s := &spec{run: RunResult{ExitCode: 0}, gpuCheck: RunResult{Stdout: "CUDA Version: 12.4"}, buildOutput: []string{"#1 [internal] load build ", "definition\r\n#2 DONE 0.1s\n#3 no newline"}}
	w := newWorld(t, map[string]*spec{"worker": s})
	w.gpu = GPUInfo{Present: true, CUDAVersion: "12.4"}
	repos := w.repos()
	repos[0].BuildArgs = map[string]string{"BASE": "x"}
	var mu sync.Mutex
	var events []Event
	opts := quiet(Options{MemoryBytes: 1 << 30, NanoCPUs: 2e9, PidsLimit: 100, StopGrace: 3 * time.Second, RunTimeout: time.Minute,
		BuildTimeout: 20 * time.Minute, LogLimit: 1000,
		Environment: "dev", InstanceID: "i-0abc", ReposFile: "repos.yaml",
		Progress: func(e Event) { mu.Lock(); events = append(events, e); mu.Unlock() }})
	sum, err := w.pipeline().Run(t.Context(), repos, opts)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := uuid.Parse(sum.Run.ID); err != nil {
		t.Errorf("run ID %q is not a UUID", sum.Run.ID)
	}
	wantRun := Run{ID: sum.Run.ID, Environment: "dev", InstanceID: "i-0abc", Repositories: []string{"acme/worker"}, ReposFile: "repos.yaml",
		StartedAt: sum.Run.StartedAt, Status: RunRunning}
	if len(w.runStart) != 1 || fmt.Sprint(w.runStart[0]) != fmt.Sprint(wantRun) {
		t.Errorf("run start = %+v, want %+v", w.runStart, wantRun)
	}
	if len(w.finishes) != 1 || w.finishes[0].Status != RunCompleted || w.finishes[0].Error != "" {
		t.Errorf("run finish = %+v", w.finishes)
	}
	rec := w.records[0]
	if _, err := uuid.Parse(rec.ID); err != nil || rec.RunID != sum.Run.ID {
		t.Errorf("record ID %q run %q", rec.ID, rec.RunID)
	}
	labels := map[string]string{LabelManaged: "true", LabelRunID: sum.Run.ID, LabelRepo: "acme/worker"}
	b := w.builds[0]
	if b.Platform != "linux/amd64" || !maps.Equal(b.Labels, labels) || b.BuildArgs["BASE"] != "x" || b.Dockerfile != "Dockerfile" ||
		!slices.Equal(b.Tags, []string{"janitor/acme-worker:" + sum.Run.ID[:8] + "-0"}) || b.Timeout != 20*time.Minute || b.LogLimit != 1000 {
		t.Errorf("build request = %+v", b)
	}
	if len(w.runs) != 2 {
		t.Fatalf("%d containers, want the GPU check and the test", len(w.runs))
	}
	g, r := w.runs[0], w.runs[1]
	if !g.GPUs || !slices.Equal(g.Entrypoint, []string{"nvidia-smi"}) || !maps.Equal(g.Labels, labels) {
		t.Errorf("GPU check request = %+v", g)
	}
	if r.Image != "sha256:worker" || !r.Init || !r.GPUs || r.MemoryBytes != 1<<30 || r.NanoCPUs != 2e9 || r.PidsLimit != 100 ||
		r.Timeout != time.Minute || r.StopGrace != 3*time.Second || !maps.Equal(r.Labels, labels) || r.Entrypoint != nil || r.Cmd != nil ||
		r.OutputLimit != 500 {
		t.Errorf("run request = %+v", r)
	}
	if !rec.GPUAvailable || !rec.CUDADetected || rec.GPU.Check != "ok" || !rec.GPU.Used {
		t.Errorf("gpu = %+v, available %v cuda %v", rec.GPU, rec.GPUAvailable, rec.CUDADetected)
	}
	var steps []Step
	for _, s := range rec.Steps {
		steps = append(steps, s.Step)
	}
	if want := []Step{StepCheckout, StepLint, StepBuild, StepGPU, StepRun, StepCleanup}; !slices.Equal(steps, want) {
		t.Errorf("steps = %v, want %v", steps, want)
	}
	var seen []string
	for _, e := range events {
		switch e.Kind {
		case EventStep:
			seen = append(seen, string(e.Step))
		case EventOutput:
			seen = append(seen, "> "+e.Line)
		case EventDone:
			seen = append(seen, "done "+string(e.Status))
		}
		if e.Repo != "acme/worker" {
			t.Errorf("event for %q", e.Repo)
		}
	}
	want := []string{"checkout", "lint", "build", "> #1 [internal] load build definition", "> #2 DONE 0.1s", "> #3 no newline", "gpu", "run", "cleanup", "done success"}
	if !slices.Equal(seen, want) {
		t.Errorf("events = %q, want %q", seen, want)
	}
}

func TestTestInput(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		files    map[string]string
		facts    Facts
		repoFile string
		workdir  string // reported by the engine

		want   string
		target string
		source string
	}{
		{name: "tests.json case wrapped", facts: Facts{TestsCase: json.RawMessage(`{"prompt": "a cat"}`), TestsCaseName: "basic", Workdir: "/app"},
			want: `{"input":{"prompt":"a cat"}}`, target: "/app/test_input.json", source: ".runpod/tests.json#basic"},
		{name: "test_input.json wins over tests.json", files: map[string]string{"src/test_input.json": `{"input": {"n": 2}}`},
			facts: Facts{TestInputPath: "src/test_input.json", TestsCase: json.RawMessage(`{"n": 3}`)}, workdir: "/work",
			want: `{"input": {"n": 2}}`, target: "/work/test_input.json", source: "src/test_input.json"},
		{name: "repos.yaml file wins", files: map[string]string{"test_input.json": `{"input": {"n": 2}}`, "tests/small.json": `{"input": {"n": 4}}`},
			facts: Facts{TestInputPath: "test_input.json"}, repoFile: "tests/small.json",
			want: `{"input": {"n": 4}}`, target: "/test_input.json", source: "tests/small.json"},
		{name: "start script changes directory", files: map[string]string{"test_input.json": `{"input": {}}`},
			facts: Facts{TestInputPath: "test_input.json", Workdir: "/app", RunDir: "/app/src"}, workdir: "/app",
			want: `{"input": {}}`, target: "/app/src/test_input.json", source: "test_input.json"},
		{name: "relative image workdir", facts: Facts{TestsCase: json.RawMessage(`[1]`)}, workdir: "srv",
			want: `{"input":[1]}`, target: "/srv/test_input.json", source: ".runpod/tests.json"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			files := map[string]string{"Dockerfile": "FROM scratch"}
			maps.Copy(files, tc.files)
			w := newWorld(t, map[string]*spec{"worker": {files: files, lint: LintReport{Facts: tc.facts},
				build: BuildResult{Workdir: tc.workdir}, run: RunResult{ExitCode: 0}}})
			repos := w.repos()
			repos[0].TestInput = tc.repoFile
			if _, err := w.pipeline().Run(t.Context(), repos, quiet(Options{})); err != nil {
				t.Fatal(err)
			}
			if got := string(w.inputs["acme/worker"]); got != tc.want {
				t.Errorf("mounted test input = %s, want %s", got, tc.want)
			}
			m := w.runs[0].Mounts
			if len(m) != 1 || m[0].Target != tc.target || !m[0].ReadOnly {
				t.Errorf("mounts = %+v, want %s read-only", m, tc.target)
			}
			if got := w.records[0].Run.TestInput; got != tc.source {
				t.Errorf("test input source = %q, want %q", got, tc.source)
			}
			if _, err := os.Stat(m[0].Source); !os.IsNotExist(err) {
				t.Errorf("materialised input %s left behind (%v)", m[0].Source, err)
			}
		})
	}
}

func TestWrapInputRejectsInvalidJSON(t *testing.T) {
	t.Parallel()
	if _, err := wrapInput(json.RawMessage(`{"a":`)); err == nil {
		t.Error("no error for invalid JSON")
	}
}

func TestRunEnv(t *testing.T) {
	t.Parallel()
	w := newWorld(t, map[string]*spec{"worker": {
		lint: LintReport{Facts: Facts{TestInputPath: "test_input.json", Env: map[string]string{
			"MODEL": "tests-json", "RUNPOD_WEBHOOK_GET_JOB": "https://api.runpod.ai/v2/x/job-take", "A": "1"}}},
		files: map[string]string{"Dockerfile": "FROM scratch", "test_input.json": "{}"},
	}})
	repos := w.repos()
	repos[0].Env = map[string]string{"MODEL": "repos-yaml", "B": "2", "RUNPOD_WEBHOOK_GET_JOB": "x"}
	if _, err := w.pipeline().Run(t.Context(), repos, quiet(Options{})); err != nil {
		t.Fatal(err)
	}
	want := []string{"A=1", "B=2", "MODEL=repos-yaml"}
	if got := w.runs[0].Env; !slices.Equal(got, want) {
		t.Errorf("env = %q, want %q", got, want)
	}
}

// TestLogsBounded: 5 MB of output with NUL bytes and invalid UTF-8 reaches
// the sink capped, clean and valid JSON.
func TestLogsBounded(t *testing.T) {
	t.Parallel()
	noisy := strings.Repeat("progress \x00 \xff\xfe line\n", 250_000) + "Traceback\nValueError: the end\n"
	w := newWorld(t, map[string]*spec{"worker": {
		build: BuildResult{Log: noisy},
		run:   RunResult{ExitCode: 1, Stdout: noisy, Stderr: noisy},
	}})
	const limit = 64 << 10
	if _, err := w.pipeline().Run(t.Context(), w.repos(), quiet(Options{LogLimit: limit})); err != nil {
		t.Fatal(err)
	}
	rec := w.records[0]
	total := 0
	for _, r := range rec.Reports {
		total += len(r.Data)
		if len(r.Data) > limit+limit/2 {
			t.Errorf("report %s is %d bytes, limit %d", r.Type, len(r.Data), limit)
		}
		if strings.Contains(string(r.Data), `\u0000`) || !utf8.Valid(r.Data) {
			t.Errorf("report %s has NUL or invalid UTF-8", r.Type)
		}
	}
	var cl containerLogReport
	for _, r := range rec.Reports {
		if r.Type == ReportContainerLog {
			if err := json.Unmarshal(r.Data, &cl); err != nil {
				t.Fatal(err)
			}
		}
	}
	if !cl.StdoutTruncated || !strings.HasSuffix(cl.Stderr, "ValueError: the end\n") || !strings.Contains(cl.Stderr, "bytes left out by janitor") {
		t.Errorf("container log lost its tail or marker: truncated %v, tail %q", cl.StdoutTruncated, cl.Stderr[max(0, len(cl.Stderr)-40):])
	}
	b, _ := json.Marshal(rec)
	if len(b) > 6*limit {
		t.Errorf("whole record is %d bytes", len(b))
	}
}

// TestLogsCutByEngine: the real engine caps output itself, so the pipeline
// gets a log within its limit; the byte counts still mark it truncated.
func TestLogsCutByEngine(t *testing.T) {
	t.Parallel()
	const limit = 64 << 10
	w := newWorld(t, map[string]*spec{"worker": {
		build: BuildResult{Log: "#1 done\n[... 9000000 bytes omitted ...]\n#9 done\n", LogBytes: 9_000_000},
		run: RunResult{ExitCode: 1, Stdout: "head\n[... 20971520 bytes omitted ...]\ntail\n", StdoutBytes: 20 << 20,
			Stderr: "short\n", StderrBytes: 6},
	}})
	if _, err := w.pipeline().Run(t.Context(), w.repos(), quiet(Options{LogLimit: limit})); err != nil {
		t.Fatal(err)
	}
	var cl containerLogReport
	var bl buildLogReport
	for _, r := range w.records[0].Reports {
		var err error
		switch r.Type {
		case ReportContainerLog:
			err = json.Unmarshal(r.Data, &cl)
		case ReportBuildLog:
			err = json.Unmarshal(r.Data, &bl)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if !cl.StdoutTruncated || cl.StderrTruncated || cl.StdoutBytes != 20<<20 || cl.StderrBytes != 6 {
		t.Errorf("container log: stdout truncated %v (%d bytes), stderr truncated %v (%d bytes); want true, false",
			cl.StdoutTruncated, cl.StdoutBytes, cl.StderrTruncated, cl.StderrBytes)
	}
	if !bl.Truncated || bl.LogBytes != 9_000_000 {
		t.Errorf("build log: truncated %v (%d bytes), want true", bl.Truncated, bl.LogBytes)
	}
}

func TestSinkFailures(t *testing.T) {
	t.Parallel()
	t.Run("run start refused", func(t *testing.T) {
		t.Parallel()
		w := newWorld(t, map[string]*spec{"worker": okSpec()})
		w.runStartErr = errors.New("connection refused")
		_, err := w.pipeline().Run(t.Context(), w.repos(), quiet(Options{}))
		if err == nil || !strings.Contains(err.Error(), "record the start of run") {
			t.Errorf("error = %v", err)
		}
		if len(w.builds) != 0 {
			t.Errorf("built %d images after the sink refused the run", len(w.builds))
		}
	})
	t.Run("record refused", func(t *testing.T) {
		t.Parallel()
		w := newWorld(t, map[string]*spec{"a": okSpec(), "b": okSpec()})
		w.recordErr = errors.New("connection refused")
		sum, err := w.pipeline().Run(t.Context(), w.repos(), quiet(Options{}))
		if err == nil || !strings.Contains(err.Error(), "record the result of acme/a") {
			t.Errorf("error = %v", err)
		}
		if len(sum.Records) != 2 || sum.Status != RunFailed || sum.ExitCode() != 1 {
			t.Errorf("records %d status %s", len(sum.Records), sum.Status)
		}
	})
}

func TestGPUDetectionFailureMeansNoGPU(t *testing.T) {
	t.Parallel()
	w := newWorld(t, map[string]*spec{"worker": okSpec()})
	w.gpu = GPUInfo{Present: true}
	w.gpuErr = errors.New("nvidia-smi: driver/library version mismatch")
	sum, err := w.pipeline().Run(t.Context(), w.repos(), quiet(Options{}))
	if err != nil {
		t.Fatal(err)
	}
	if sum.GPU.Present || w.records[0].GPUAvailable || w.runs[0].GPUs {
		t.Errorf("GPU used after detection failed: %+v", sum.GPU)
	}
}

// TestNoGPURuntime: when the engine refuses GPUs (no NVIDIA runtime), the
// test still runs, without them, and JW048 says why.
func TestNoGPURuntime(t *testing.T) {
	t.Parallel()
	w := newWorld(t, map[string]*spec{"worker": {run: RunResult{ExitCode: 0},
		gpuCheckErr: errString(`could not select device driver "nvidia" with capabilities: [[gpu]]`)}})
	if _, err := w.pipeline().Run(t.Context(), w.repos(), quiet(Options{GPU: GPUOn})); err != nil {
		t.Fatal(err)
	}
	rec := w.records[0]
	if len(w.runs) != 2 || w.runs[1].GPUs || rec.GPU.Used || rec.Rule != "JW048" || !rec.ContainerExecutionSuccess {
		t.Errorf("runs %+v, record %s %s used=%v", w.runs, rec.Status, rec.Rule, rec.GPU.Used)
	}
}

func TestLineWriter(t *testing.T) {
	t.Parallel()
	var got []string
	w := &lineWriter{emit: func(l string) { got = append(got, l) }}
	for _, chunk := range []string{"a", "b\r\nc\x00d\n", strings.Repeat("x", maxLine+10), "\ntail"} {
		if n, err := w.Write([]byte(chunk)); n != len(chunk) || err != nil {
			t.Fatalf("Write = %d, %v", n, err)
		}
	}
	w.Flush()
	want := []string{"ab", "cd", strings.Repeat("x", maxLine), strings.Repeat("x", 10), "tail"}
	if !slices.Equal(got, want) {
		t.Errorf("lines = %q", got)
	}
}

func TestParseGPUMode(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]GPUMode{"": GPUAuto, "auto": GPUAuto, "on": GPUOn, "off": GPUOff} {
		if got, err := ParseGPUMode(in); err != nil || got != want {
			t.Errorf("ParseGPUMode(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := ParseGPUMode("yes"); err == nil {
		t.Error("no error for yes")
	}
}

// TestRecordJSON pins the field names of records: the spool, -o json and
// dashboards read them.
func TestRecordJSON(t *testing.T) {
	t.Parallel()
	b, err := json.Marshal(Record{})
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	want := []string{"build", "build_success", "commit", "container_execution_success", "cuda_detected", "duration_ms", "error_message",
		"findings", "finished_at", "gpu", "gpu_available", "id", "infrastructure_error", "lint_findings", "organization", "ref", "remediation",
		"reports", "repository_name", "rule", "run", "run_id", "source", "started_at", "steps", "validation_status", "validation_type"}
	if got := slices.Sorted(maps.Keys(m)); !slices.Equal(got, want) {
		t.Errorf("record fields = %q\nwant %q", got, want)
	}
	b, _ = json.Marshal(Run{})
	if got := string(b); got != `{"run_id":"","environment":"","instance_id":"","repositories":null,"repos_file_path":"","started_at":"0001-01-01T00:00:00Z","status":""}` {
		t.Errorf("run JSON = %s", got)
	}
}

func TestRows(t *testing.T) {
	t.Parallel()
	rec := Record{Organization: "acme", Repository: "w", Status: StatusFailed, DurationMS: 12_345,
		Build: &BuildOutcome{Success: true, DurationMS: 8_000},
		Run:   &RunOutcome{ExitCode: 1, DurationMS: 250},
		GPU:   GPUOutcome{Available: true, Check: "ok", HostCUDA: "12.4"}}
	want := Row{Repo: "acme/w", Verdict: "failed", Build: "ok 8s", Run: "exit 1 250ms", GPU: "ok CUDA 12.4", Duration: "12.3s"}
	if got := rec.Row(); got != want {
		t.Errorf("row = %+v, want %+v", got, want)
	}
	rec = Record{Organization: "acme", Repository: "w", Status: StatusSkipped, Build: &BuildOutcome{TimedOut: true, DurationMS: 1_800_000}, Run: &RunOutcome{OOMKilled: true}}
	want = Row{Repo: "acme/w", Verdict: "skipped", Build: "timeout 30m0s", Run: "oom 0s", GPU: "none", Duration: "0s"}
	if got := (Summary{Records: []Record{rec}}).Rows(); len(got) != 1 || got[0] != want {
		t.Errorf("rows = %+v, want %+v", got, want)
	}
}

func names(recs []Record) []string {
	var out []string
	for _, r := range recs {
		out = append(out, r.Repository)
	}
	return out
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}
