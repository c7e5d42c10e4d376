package validate

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
)

// Labels janitor puts on everything it creates.
const (
	LabelManaged = "org.janitor.managed"
	LabelRunID   = "org.janitor.run-id"
	LabelRepo    = "org.janitor.repo"
)

// gpuCheckTimeout bounds the nvidia-smi container; gpuCheckLogLimit its
// output.
const (
	gpuCheckTimeout  = 2 * time.Minute
	gpuCheckLogLimit = 4 << 10
)

// runner holds one run's state shared by its workers.
type runner struct {
	p       Pipeline
	opts    Options
	run     Run
	parent  context.Context
	gpu     GPUInfo
	scratch string
	// timedOut is set once a repository saw the run's time limit.
	timedOut atomic.Bool
}

// repoRun is one repository's validation in progress.
type repoRun struct {
	*runner
	idx     int
	repo    Repo
	name    string
	start   time.Time
	scratch string
	coDir   string
	ev      evidence
	rec     Record
	facts   Facts
	imageID string
	lintErr error
	input   testInput
	cleanup error
	// whether the build log, stdout and stderr were cut to the log limit
	buildCut, stdoutCut, stderrCut bool
}

// one validates one repository. ok is false when the run was cancelled
// before the repository finished: nothing is recorded for it then.
func (r *runner) one(ctx context.Context, idx int, repo Repo) (rec Record, ok bool) {
	rr := &repoRun{runner: r, idx: idx, repo: repo, name: repo.FullName(), start: time.Now()}
	rr.rec = Record{
		ID:             uuid.NewString(),
		RunID:          r.run.ID,
		Repository:     repo.Name,
		Organization:   repo.Org,
		Source:         repo.Source(),
		Ref:            repo.Ref,
		ValidationType: ValidationType,
		StartedAt:      rr.start.UTC(),
		GPUAvailable:   r.gpu.Present,
		Steps:          []StepTiming{},
	}
	rr.ev.gpuAvailable = r.gpu.Present
	rr.ev.hostCUDA = r.gpu.CUDAVersion
	if ctx.Err() != nil {
		if !r.interrupted(ctx) {
			return Record{}, false
		}
		rr.ev.interrupted = fmt.Sprintf("not started: the run's time limit of %s was reached first", r.opts.Timeout)
		rr.ev.notStarted = true
		return rr.finish(), true
	}
	rr.scratch = filepath.Join(r.scratch, fmt.Sprintf("%03d-%s", idx, safeName(repo.Name)))
	if err := os.MkdirAll(filepath.Join(rr.scratch, "src"), 0o755); err != nil {
		rr.ev.checkoutErr = fmt.Errorf("create the work directory: %w", err)
		return rr.finish(), true
	}
	defer os.RemoveAll(rr.scratch)
	if !rr.steps(ctx) {
		rr.removeImage()
		return Record{}, false
	}
	return rr.finish(), true
}

// interrupted reports whether ctx ended because of the run's time limit
// (as opposed to the caller cancelling), and notes it.
func (r *runner) interrupted(ctx context.Context) bool {
	if r.parent.Err() == nil && errors.Is(context.Cause(ctx), errRunTimeout) {
		r.timedOut.Store(true)
		return true
	}
	return false
}

// stopped checks, after a step, whether the run is ending. It returns
// done=true when the repository must stop here, and ok=false when nothing
// is to be recorded (the caller cancelled).
func (rr *repoRun) stopped(ctx context.Context, step Step) (done, ok bool) {
	if ctx.Err() == nil {
		return false, true
	}
	if rr.interrupted(ctx) {
		rr.ev.interrupted = fmt.Sprintf("the run's time limit of %s was reached during %s", rr.opts.Timeout, step)
		return true, true
	}
	return true, false
}

// steps runs checkout to run. It returns false when the caller cancelled.
func (rr *repoRun) steps(ctx context.Context) bool {
	// 1. checkout
	t := rr.begin(StepCheckout)
	co, err := rr.p.Checkouter.Checkout(ctx, rr.repo, filepath.Join(rr.scratch, "src"))
	rr.end(StepCheckout, t)
	if done, ok := rr.stopped(ctx, StepCheckout); done {
		return ok
	}
	if err != nil {
		rr.ev.checkoutErr = err
		return true
	}
	rr.rec.Commit = co.Commit
	rr.coDir = co.Dir

	// 2. lint
	t = rr.begin(StepLint)
	lr, err := rr.p.Linter.Lint(ctx, rr.coDir)
	rr.end(StepLint, t)
	if done, ok := rr.stopped(ctx, StepLint); done {
		return ok
	}
	if err != nil {
		rr.lintErr = err
		rr.opts.Logger.Warn("lint failed; building without its facts", "run_id", rr.run.ID, "repo", rr.name, "error", err)
	}
	rr.facts = lr.Facts
	rr.rec.LintFindings = lr.Findings
	rr.ev.handlerKind = lr.Facts.HandlerKind
	rr.ev.allowedCUDA = lr.Facts.AllowedCUDAVersions
	if rr.opts.LintGate {
		for _, f := range lr.Findings {
			if f.Severity == SeverityError {
				rr.ev.gateErrors = append(rr.ev.gateErrors, f)
			}
		}
		if len(rr.ev.gateErrors) > 0 {
			return true
		}
	}

	// 5a. GPU requirement: skip before a long build that cannot be run.
	rr.ev.gpuNeed = gpuNeed(rr.repo, rr.facts, rr.opts.GPU)
	if rr.ev.gpuNeed != "" && !rr.gpu.Present {
		rr.ev.gpuSkip = true
		return true
	}

	// 3. build
	if !rr.build(ctx) {
		return false
	}
	if rr.ev.build == nil || rr.ev.build.Failed || rr.ev.buildTimedOut || rr.ev.interrupted != "" {
		return true
	}
	if rr.ev.build.SizeBytes > rr.opts.ImageSizeLimit {
		return true
	}

	// 4. test input
	rr.input, err = chooseTestInput(rr.repo, rr.coDir, rr.facts)
	if err != nil {
		rr.ev.inputErr = err
		return true
	}
	rr.ev.testInput = rr.input.source
	if rr.input.source == "" {
		return true
	}
	mount, err := rr.input.materialise(rr.scratch, rr.ev.workdir)
	if err != nil {
		rr.ev.inputErr = err
		return true
	}

	// 5b. GPU visible inside the container
	if rr.gpu.Present {
		if !rr.gpuCheck(ctx) {
			return false
		}
		if rr.ev.interrupted != "" {
			return true
		}
	}

	// 4. run
	return rr.runContainer(ctx, mount)
}

func (rr *repoRun) build(ctx context.Context) bool {
	dockerfile := rr.repo.Dockerfile
	if dockerfile == "" {
		dockerfile = rr.facts.Dockerfile
	}
	if dockerfile == "" {
		dockerfile = "Dockerfile"
	}
	dir := rr.coDir
	if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(dockerfile))); err != nil {
		rr.ev.noDockerfile = dockerfile
		return true
	}
	timeout := rr.opts.BuildTimeout
	if rr.repo.BuildTimeout > 0 {
		timeout = rr.repo.BuildTimeout
	}
	rr.ev.buildTimeout = timeout
	rr.ev.imageLimit = rr.opts.ImageSizeLimit
	// The engine enforces the timeout and returns a result with the log;
	// the context deadline only guards against an engine that does not.
	bctx, cancel := context.WithTimeout(ctx, timeout+min(timeout, time.Minute))
	defer cancel()
	progress := &lineWriter{emit: func(line string) {
		rr.opts.Progress(Event{Time: time.Now(), Repo: rr.name, Kind: EventOutput, Step: StepBuild, Elapsed: time.Since(rr.start), Line: line})
	}}
	t := rr.begin(StepBuild)
	res, err := rr.p.Engine.Build(bctx, BuildRequest{
		ContextDir: dir,
		Dockerfile: dockerfile,
		Tags:       []string{rr.imageTag()},
		BuildArgs:  rr.repo.BuildArgs,
		Platform:   Platform,
		Labels:     rr.labels(),
		Timeout:    timeout,
		Progress:   progress,
		LogLimit:   rr.opts.LogLimit,
	})
	progress.Flush()
	rr.end(StepBuild, t)
	rr.imageID = res.ImageID
	// Cap logs as soon as they arrive: everything after (log matching,
	// reports) works on the bounded text.
	res.Log, rr.buildCut = capLog(res.Log, rr.opts.LogLimit)
	rr.buildCut = rr.buildCut || res.LogBytes > int64(rr.opts.LogLimit)
	if res.Duration <= 0 {
		res.Duration = time.Since(t)
	}
	if done, ok := rr.stopped(ctx, StepBuild); done {
		return ok
	}
	res.Error = clip(res.Error, 4000)
	switch {
	case res.TimedOut || errors.Is(bctx.Err(), context.DeadlineExceeded):
		rr.ev.buildTimedOut = true
		rr.ev.build = &res
	case err != nil:
		rr.ev.buildErr = err
		return true
	default:
		rr.ev.build = &res
	}
	rr.rec.Build = &BuildOutcome{
		Success:        !res.Failed && !rr.ev.buildTimedOut,
		TimedOut:       rr.ev.buildTimedOut,
		ImageID:        res.ImageID,
		ImageSizeBytes: res.SizeBytes,
		FailedStep:     cleanText(res.FailedStep),
		DurationMS:     res.Duration.Milliseconds(),
	}
	rr.ev.workdir = res.Workdir
	if rr.facts.RunDir != "" {
		// A start script changes directory before the handler runs: the
		// SDK looks for test_input.json there.
		rr.ev.workdir = rr.facts.RunDir
	}
	if rr.ev.workdir == "" {
		rr.ev.workdir = rr.facts.Workdir
	}
	if rr.ev.workdir == "" {
		rr.ev.workdir = "/"
	}
	return true
}

var cudaVersion = regexp.MustCompile(`CUDA Version:\s*([0-9]+\.[0-9]+)`)

// gpuCheck runs nvidia-smi in the image with all GPUs.
func (rr *repoRun) gpuCheck(ctx context.Context) bool {
	t := rr.begin(StepGPU)
	res, err := rr.p.Engine.Run(ctx, RunRequest{
		Image:       rr.imageID,
		Entrypoint:  []string{"nvidia-smi"},
		Cmd:         []string{},
		Labels:      rr.labels(),
		Init:        true,
		GPUs:        true,
		Timeout:     gpuCheckTimeout,
		StopGrace:   rr.opts.StopGrace,
		OutputLimit: gpuCheckLogLimit,
	})
	rr.end(StepGPU, t)
	res.Stdout, _ = capLog(res.Stdout, gpuCheckLogLimit)
	res.Stderr, _ = capLog(res.Stderr, gpuCheckLogLimit)
	if done, ok := rr.stopped(ctx, StepGPU); done {
		return ok
	}
	rr.rec.GPU.Check = "failed"
	if err != nil {
		rr.ev.gpuCheckErr = err
		return true
	}
	rr.ev.gpuCheck = &res
	if res.ExitCode == 0 && !res.TimedOut {
		rr.rec.GPU.Check = "ok"
		if m := cudaVersion.FindStringSubmatch(res.Stdout); m != nil {
			rr.rec.CUDADetected = true
			if rr.ev.hostCUDA == "" {
				rr.ev.hostCUDA = m[1]
			}
		}
	}
	return true
}

func (rr *repoRun) runContainer(ctx context.Context, mount Mount) bool {
	timeout := rr.opts.RunTimeout
	if rr.repo.RunTimeout > 0 {
		timeout = rr.repo.RunTimeout
	}
	rr.ev.runTimeout = timeout
	rr.ev.memoryLimit = rr.opts.MemoryBytes
	// The engine enforces the timeout; this bound only guards against an
	// engine that does not return.
	xctx, cancel := context.WithTimeout(ctx, timeout+rr.opts.StopGrace+time.Minute)
	defer cancel()
	t := rr.begin(StepRun)
	res, err := rr.p.Engine.Run(xctx, RunRequest{
		Image:       rr.imageID,
		Env:         runEnv(rr.facts, rr.repo),
		Mounts:      []Mount{mount},
		Labels:      rr.labels(),
		Init:        true,
		MemoryBytes: rr.opts.MemoryBytes,
		NanoCPUs:    rr.opts.NanoCPUs,
		PidsLimit:   rr.opts.PidsLimit,
		GPUs:        rr.gpuUsed(),
		Timeout:     timeout,
		StopGrace:   rr.opts.StopGrace,
		OutputLimit: rr.opts.LogLimit / 2,
	})
	rr.end(StepRun, t)
	// The engine caps what it captures to OutputLimit: what it printed
	// beyond that was cut there.
	res.Stdout, rr.stdoutCut = capLog(res.Stdout, rr.opts.LogLimit/2)
	res.Stderr, rr.stderrCut = capLog(res.Stderr, rr.opts.LogLimit/2)
	rr.stdoutCut = rr.stdoutCut || res.StdoutBytes > int64(rr.opts.LogLimit/2)
	rr.stderrCut = rr.stderrCut || res.StderrBytes > int64(rr.opts.LogLimit/2)
	res.StartError = clip(res.StartError, 4000)
	if done, ok := rr.stopped(ctx, StepRun); done {
		return ok
	}
	if res.Duration <= 0 {
		res.Duration = time.Since(t)
	}
	switch {
	case errors.Is(xctx.Err(), context.DeadlineExceeded):
		res.TimedOut = true
	case err != nil:
		rr.ev.runErr = err
		return true
	}
	rr.ev.run = &res
	rr.rec.Run = &RunOutcome{
		ExitCode:   res.ExitCode,
		TimedOut:   res.TimedOut,
		OOMKilled:  res.OOMKilled,
		TestInput:  rr.input.source,
		DurationMS: res.Duration.Milliseconds(),
	}
	return true
}

// gpuUsed says whether the test container gets the GPUs: when the host has
// them, unless the engine refused them for the nvidia-smi check (no NVIDIA
// runtime), which JW048 then reports.
func (rr *repoRun) gpuUsed() bool {
	return rr.gpu.Present && rr.ev.gpuCheckErr == nil
}

// gpuNeed says why a repository needs a GPU, or "" when it does not: an
// explicit gpu_required wins; the linter's guess counts only in auto mode.
func gpuNeed(repo Repo, facts Facts, mode GPUMode) string {
	if repo.GPURequired != nil {
		if *repo.GPURequired {
			return "gpu_required: true in repos.yaml"
		}
		return ""
	}
	if facts.GPULikely && mode == GPUAuto {
		if facts.GPUEvidence != "" {
			return "GPU likely: " + facts.GPUEvidence
		}
		return "GPU likely"
	}
	return ""
}

// begin reports a step's start.
func (rr *repoRun) begin(step Step) time.Time {
	now := time.Now()
	rr.opts.Progress(Event{Time: now, Repo: rr.name, Kind: EventStep, Step: step, Elapsed: now.Sub(rr.start)})
	return now
}

// end records a step's duration.
func (rr *repoRun) end(step Step, t time.Time) {
	rr.rec.Steps = append(rr.rec.Steps, StepTiming{Step: step, DurationMS: time.Since(t).Milliseconds()})
}

func (rr *repoRun) labels() map[string]string {
	return map[string]string{
		LabelManaged: "true",
		LabelRunID:   rr.run.ID,
		LabelRepo:    rr.name,
	}
}

var unsafeTag = regexp.MustCompile(`[^a-z0-9_.-]+`)

// safeName makes a name usable in an image tag and a file name.
func safeName(s string) string {
	s = strings.Trim(unsafeTag.ReplaceAllString(strings.ToLower(s), "-"), "-._")
	if s == "" {
		s = "repo"
	}
	return s
}

// imageTag is janitor/<org>-<name>:<run id prefix>-<position>, unique in
// the run even when a repository is listed twice with different refs.
func (rr *repoRun) imageTag() string {
	return fmt.Sprintf("janitor/%s:%s-%d", safeName(rr.repo.Org+"-"+rr.repo.Name), rr.run.ID[:8], rr.idx)
}
