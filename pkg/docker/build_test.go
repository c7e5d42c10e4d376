package docker

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestBuildFeatures builds with what worker repositories use and that the
// engine's built-in Dockerfile frontend supports without a `# syntax=`
// image: multi-stage, COPY --chmod, RUN --mount=type=cache, build args,
// labels, a Dockerfile outside the context root, .dockerignore. It then runs
// the image to see the result.
func TestBuildFeatures(t *testing.T) {
	t.Parallel()
	e := engine(t)
	runID := testRunID(t)
	dir := probeContext(t, map[string]string{
		"docker/Dockerfile": `FROM scratch AS tools
COPY --chmod=750 probe /bin/probe
RUN --mount=type=cache,target=/cache ["/bin/probe", "ls", "/cache"]

FROM scratch
ARG GREETING=default
ENV GREETING=$GREETING
COPY --from=tools /bin/probe /probe
COPY . /ctx/
WORKDIR /ctx
ENTRYPOINT ["/probe"]
`,
		".dockerignore":    "secret.txt\n*.log\n!keep.log\n",
		"secret.txt":       "must not reach the engine",
		"debug.log":        "ignored",
		"keep.log":         "kept by the exception",
		"src/handler.py":   "print('hi')\n",
		"test_input.json":  `{"input": {"prompt": "hi"}}`,
		".runpod/hub.json": "{}",
	})
	var progress bytes.Buffer
	res, err := e.Build(t.Context(), BuildRequest{
		ContextDir: dir,
		Dockerfile: "docker/Dockerfile",
		Tags:       []string{"janitor-test/features:" + strings.ToLower(rand.Text()[:8])},
		BuildArgs:  map[string]string{"GREETING": "hello from a build arg"},
		Labels:     map[string]string{LabelRunID: runID, LabelRepository: "runpod-workers/worker-test"},
		Platform:   "linux/amd64",
		Progress:   &progress,
	})
	if err != nil {
		t.Fatal(err)
	}
	removeImageAtEnd(t, e, res.ImageID)
	if res.Failed {
		t.Fatalf("build failed: %s\n%s", res.Error, res.Log)
	}
	if !strings.HasPrefix(res.ImageID, "sha256:") || res.SizeBytes <= 0 || res.Duration <= 0 {
		t.Errorf("result lacks image, size or duration: %+v", res)
	}
	if res.Workdir != "/ctx" {
		t.Errorf("Workdir = %q, want the image's WORKDIR /ctx", res.Workdir)
	}
	if res.Steps != 5 {
		t.Errorf("Steps = %d, want the 5 instructions after FROM\n%s", res.Steps, res.Log)
	}
	for _, want := range []string{"COPY --chmod=750 probe /bin/probe", "RUN --mount=type=cache", "exporting to image", "DONE"} {
		if !strings.Contains(progress.String(), want) {
			t.Errorf("progress lacks %q:\n%s", want, progress.String())
		}
	}
	if progress.String() != res.Log {
		t.Errorf("Progress and Log differ:\n%s\n---\n%s", progress.String(), res.Log)
	}
	if res.LogBytes != int64(len(res.Log)) {
		t.Errorf("LogBytes = %d, want the %d bytes of a log that was not cut", res.LogBytes, len(res.Log))
	}

	img, err := e.cli.ImageInspect(t.Context(), res.ImageID)
	if err != nil {
		t.Fatal(err)
	}
	if img.Architecture != "amd64" || img.Config.Labels[LabelManaged] != "true" || img.Config.Labels[LabelRunID] != runID ||
		img.Config.Labels[LabelRepository] != "runpod-workers/worker-test" {
		t.Errorf("image architecture %q, labels %v", img.Architecture, img.Config.Labels)
	}

	run := func(args ...string) string {
		t.Helper()
		r, err := e.Run(t.Context(), RunRequest{Image: res.ImageID, Cmd: args, Init: true, Timeout: time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		if r.ExitCode != 0 {
			t.Fatalf("probe %v exited %d: %s", args, r.ExitCode, r.Stderr)
		}
		return r.Stdout
	}
	if got := run("env", "GREETING"); got != "hello from a build arg\n" {
		t.Errorf("build arg in the image = %q", got)
	}
	if got := run("mode", "/probe"); got != "750\n" {
		t.Errorf("COPY --chmod=750 gave mode %q", got)
	}
	if got := run("pwd"); got != "/ctx\n" {
		t.Errorf("WORKDIR = %q", got)
	}
	files := run("ls", "/ctx")
	for _, want := range []string{"/ctx/keep.log", "/ctx/src/handler.py", "/ctx/test_input.json", "/ctx/.runpod/hub.json", "/ctx/docker/Dockerfile"} {
		if !strings.Contains(files, want+"\n") {
			t.Errorf("%s missing from the image:\n%s", want, files)
		}
	}
	for _, banned := range []string{"secret.txt", "debug.log"} {
		if strings.Contains(files, banned) {
			t.Errorf(".dockerignore'd %s reached the image:\n%s", banned, files)
		}
	}
}

// TestBuildCache builds the same new context twice: the second build takes
// every step from the layer cache.
func TestBuildCache(t *testing.T) {
	t.Parallel()
	e := engine(t)
	dir := probeContext(t, map[string]string{
		"Dockerfile": probeDockerfile + "COPY nonce /nonce\n",
		"nonce":      rand.Text(), // new content: the first build cannot be cached
	})
	req := BuildRequest{ContextDir: dir, Labels: map[string]string{LabelRunID: testRunID(t)}}
	first, err := e.Build(t.Context(), req)
	if err != nil || first.Failed {
		t.Fatalf("first build: %v %s", err, first.Log)
	}
	removeImageAtEnd(t, e, first.ImageID)
	second, err := e.Build(t.Context(), req)
	if err != nil || second.Failed {
		t.Fatalf("second build: %v %s", err, second.Log)
	}
	if first.Steps != 2 || first.CachedSteps >= first.Steps {
		t.Errorf("first build: %d of %d steps cached, want a real build\n%s", first.CachedSteps, first.Steps, first.Log)
	}
	if second.Steps != 2 || second.CachedSteps != second.Steps {
		t.Errorf("second build: %d of %d steps cached, want all\n%s", second.CachedSteps, second.Steps, second.Log)
	}
	if second.ImageID != first.ImageID {
		t.Errorf("same context built %s then %s", first.ImageID, second.ImageID)
	}
	t.Logf("cold %v, warm %v", first.Duration, second.Duration)

	noCache, err := e.Build(t.Context(), BuildRequest{ContextDir: dir, NoCache: true, Labels: req.Labels})
	if err != nil || noCache.Failed {
		t.Fatalf("build without cache: %v %s", err, noCache.Log)
	}
	removeImageAtEnd(t, e, noCache.ImageID)
	if noCache.CachedSteps != 0 {
		t.Errorf("NoCache build took %d steps from the cache", noCache.CachedSteps)
	}
}

// TestBuildFailures checks that a build the engine rejects is a result
// with the failing step and the evidence, not an error.
func TestBuildFailures(t *testing.T) {
	t.Parallel()
	e := engine(t)
	tests := []struct {
		name       string
		dockerfile string
		timeout    time.Duration
		step       string // want FailedStep to contain it ("" : no step)
		errText    string // want Error to contain it
		tail       []string
		timedOut   bool
	}{
		{
			name:       "copy of a missing file",
			dockerfile: probeDockerfile + "COPY missing.txt /missing.txt\n",
			step:       "[2/2] COPY missing.txt /missing.txt",
			errText:    "not found",
			tail:       []string{"#", "ERROR:"},
		},
		{
			name:       "a RUN step exits non-zero",
			dockerfile: probeDockerfile + `RUN ["/probe", "exit", "3"]` + "\n",
			step:       `[2/2] RUN ["/probe", "exit", "3"]`,
			errText:    "exit code: 3",
			tail:       []string{"probe says hello on stdout", "probe says hello on stderr", "ERROR:"},
		},
		{
			name:       "unknown instruction",
			dockerfile: "FROM scratch\nFETCH the model\n",
			errText:    "unknown instruction",
			tail:       []string{"ERROR:"},
		},
		{
			name:       "no Dockerfile",
			dockerfile: "",
			errText:    "Dockerfile",
			tail:       []string{"ERROR:"},
		},
		{
			name:       "time limit",
			dockerfile: probeDockerfile + `RUN ["/probe", "hang"]` + "\n",
			timeout:    3 * time.Second,
			step:       `[2/2] RUN ["/probe", "hang"]`,
			errText:    "did not finish within 3s",
			timedOut:   true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			files := map[string]string{"nonce": rand.Text()}
			if tt.dockerfile != "" {
				files["Dockerfile"] = tt.dockerfile
			}
			start := time.Now()
			res, err := e.Build(t.Context(), BuildRequest{ContextDir: probeContext(t, files), Timeout: tt.timeout})
			if err != nil {
				t.Fatalf("a failing build must be a result, got error %v", err)
			}
			if !res.Failed || res.ImageID != "" || res.TimedOut != tt.timedOut {
				t.Fatalf("result %+v: want Failed, no image, TimedOut %v", res, tt.timedOut)
			}
			if tt.step != "" && res.FailedStep != tt.step || tt.step == "" && !tt.timedOut && res.FailedStep != "" {
				t.Errorf("FailedStep = %q, want %q", res.FailedStep, tt.step)
			}
			if !strings.Contains(res.Error, tt.errText) {
				t.Errorf("Error = %q, want it to contain %q", res.Error, tt.errText)
			}
			for _, want := range tt.tail {
				if !strings.Contains(res.LogTail, want) {
					t.Errorf("LogTail lacks %q:\n%s", want, res.LogTail)
				}
			}
			if tt.timedOut && time.Since(start) > 30*time.Second {
				t.Errorf("a 3s build limit took %v to stop the build", time.Since(start))
			}
		})
	}
}

// TestBuildSyntaxDirective documents what a `# syntax=` line does: the
// engine must pull the named frontend image first. Without a registry the
// build fails at that step with the engine's resolve error (a result, not
// an error); with one, it builds.
func TestBuildSyntaxDirective(t *testing.T) {
	t.Parallel()
	e := engine(t)
	res, err := e.Build(t.Context(), BuildRequest{
		ContextDir: probeContext(t, map[string]string{"Dockerfile": "# syntax=docker/dockerfile:1\n" + probeDockerfile}),
		Timeout:    2 * time.Minute,
	})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Failed {
		t.Logf("a registry is reachable: the frontend image was pulled and the build passed")
		_ = e.RemoveImage(t.Context(), res.ImageID)
		return
	}
	if !strings.Contains(res.FailedStep, "docker/dockerfile:1") || !strings.Contains(res.Error, "docker/dockerfile") {
		t.Errorf("failed without naming the frontend image: step %q, error %q", res.FailedStep, res.Error)
	}
	t.Logf("without a registry: step %q, error %q", res.FailedStep, res.Error)
}

func TestBuildBadRequests(t *testing.T) {
	t.Parallel()
	e := engine(t)
	tests := []struct {
		name string
		req  BuildRequest
		want string
	}{
		{"no context", BuildRequest{}, "no context directory"},
		{"missing context", BuildRequest{ContextDir: "/nonexistent/context"}, "no such file"},
		{"bad platform", BuildRequest{ContextDir: t.TempDir(), Platform: "amd64"}, "want os/arch"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if _, err := e.Build(t.Context(), tt.req); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Build error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

// TestBuildCancelled checks that ctx ending is an error and that the
// engine stops the build: the hanging step's process goes away.
func TestBuildCancelled(t *testing.T) {
	t.Parallel()
	e := engine(t)
	nonce := strings.ToLower(rand.Text())
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, err := e.Build(ctx, BuildRequest{ContextDir: probeContext(t, map[string]string{
			"Dockerfile": probeDockerfile + `RUN ["/probe", "hang", "` + nonce + `"]` + "\n",
		})})
		done <- err
	}()
	waitFor(t, 30*time.Second, "the build step to start", func() bool { return processRuns(t, nonce) })
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Build with a cancelled ctx = %v, want the ctx's error", err)
	}
	waitFor(t, 15*time.Second, "the cancelled build step to stop", func() bool { return !processRuns(t, nonce) })
}

// waitFor polls cond until it holds, failing the test after limit.
func waitFor(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up after %v waiting for %s", limit, what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// processRuns reports whether a process on this host has arg on its command
// line. BuildKit runs build steps as host processes, so the test can see
// them when the engine is local.
func processRuns(t *testing.T, arg string) bool {
	t.Helper()
	cmdlines, err := filepath.Glob("/proc/[0-9]*/cmdline")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range cmdlines {
		b, err := os.ReadFile(p)
		if err == nil && bytes.Contains(b, []byte(arg)) && bytes.Contains(b, []byte("hang")) {
			return true
		}
	}
	return false
}
