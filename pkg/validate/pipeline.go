// Package validate is janitor's main job: for each worker repository it
// checks out, lints, builds and runs the image with its test input, checks the
// GPU, decides a verdict from the evidence and hands a record to a Sink as
// soon as the repository finishes. Repositories run in a bounded worker
// pool; one failing repository never stops the others.
//
// The package talks to the world through small interfaces (Checkouter,
// Linter, Engine, GPUDetector, Sink) so that its logic (steps, timeouts,
// verdicts, log matching, cleanup, cancellation) is tested with fakes; the
// real adapters live in pkg/repo, pkg/lint, pkg/docker, pkg/gpu and
// pkg/store.
package validate

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/google/uuid"
)

// GPUMode says how the pipeline decides whether it has a GPU.
type GPUMode string

// GPU modes.
const (
	// GPUAuto detects the host's GPU; without one, repositories that
	// need a GPU (gpu_required, or the linter's GPU-likely evidence) are
	// skipped.
	GPUAuto GPUMode = "auto"
	// GPUOn runs every container with all GPUs, whatever detection says.
	GPUOn GPUMode = "on"
	// GPUOff runs without GPUs; only repositories with gpu_required: true
	// are skipped.
	GPUOff GPUMode = "off"
)

// ParseGPUMode checks a --gpu value.
func ParseGPUMode(s string) (GPUMode, error) {
	switch m := GPUMode(s); m {
	case GPUAuto, GPUOn, GPUOff:
		return m, nil
	case "":
		return GPUAuto, nil
	}
	return "", fmt.Errorf("invalid GPU mode %q: use auto, on or off", s)
}

// Defaults of Options.
const (
	DefaultBuildTimeout = 30 * time.Minute
	DefaultRunTimeout   = 10 * time.Minute
	DefaultStopGrace    = 10 * time.Second
	DefaultMemory       = 8 << 30
	DefaultPidsLimit    = 4096
	DefaultImageLimit   = 80 << 30
	// Platform is the only platform RunPod builds for.
	Platform = "linux/amd64"
)

// Options tune one run. Zero values take the defaults above.
type Options struct {
	Environment string
	InstanceID  string
	// ReposFile is the repos.yaml path the repositories came from, if any.
	ReposFile string
	// Concurrency is how many repositories are validated at once (1).
	Concurrency int
	// Timeout bounds the whole run (no bound when zero). BuildTimeout and
	// RunTimeout bound each build and run; a Repo may override them.
	Timeout      time.Duration
	BuildTimeout time.Duration
	RunTimeout   time.Duration
	// StopGrace is how long a timed-out container gets between SIGTERM and
	// SIGKILL.
	StopGrace time.Duration
	GPU       GPUMode
	// KeepImages keeps built images (they are removed by default).
	KeepImages bool
	// LintGate stops a repository with lint errors before the build.
	LintGate bool
	// Container limits.
	MemoryBytes int64
	NanoCPUs    int64
	PidsLimit   int64
	// LogLimit caps each log kept in a record, in bytes (DefaultLogLimit).
	LogLimit int
	// ImageSizeLimit fails images larger than this (80 GiB, RunPod's limit).
	ImageSizeLimit int64
	// WorkDir holds clones and test inputs (a temporary directory when
	// empty); the run's files are removed from it at the end.
	WorkDir string
	// Progress receives progress events, from several goroutines at once.
	Progress func(Event)
	// Logger gets warnings that do not change a verdict (slog.Default).
	Logger *slog.Logger
}

func (o *Options) setDefaults() {
	if o.Concurrency < 1 {
		o.Concurrency = 1
	}
	if o.BuildTimeout <= 0 {
		o.BuildTimeout = DefaultBuildTimeout
	}
	if o.RunTimeout <= 0 {
		o.RunTimeout = DefaultRunTimeout
	}
	if o.StopGrace <= 0 {
		o.StopGrace = DefaultStopGrace
	}
	if o.GPU == "" {
		o.GPU = GPUAuto
	}
	if o.MemoryBytes <= 0 {
		o.MemoryBytes = DefaultMemory
	}
	if o.PidsLimit <= 0 {
		o.PidsLimit = DefaultPidsLimit
	}
	if o.LogLimit <= 0 {
		o.LogLimit = DefaultLogLimit
	}
	if o.ImageSizeLimit <= 0 {
		o.ImageSizeLimit = DefaultImageLimit
	}
	if o.Progress == nil {
		o.Progress = func(Event) {}
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
}

// Pipeline validates repositories with the given adapters.
type Pipeline struct {
	Checkouter Checkouter
	Linter     Linter
	Engine     Engine
	GPU        GPUDetector
	Sink       Sink
}

// Summary is what a run did.
type Summary struct {
	Run        Run
	Status     RunStatus
	FinishedAt time.Time
	// Error says why the run failed or was cancelled.
	Error string
	GPU   GPUInfo
	// Records are the repositories' records in the order they finished.
	Records []Record
}

// ExitCode maps the run to janitor's exit codes: 130 cancelled, 1 the run
// failed (an engine or the sink could not be asked, or the run's time limit
// was reached), 3 a repository failed, 0 otherwise (success, skipped and
// inconclusive are not failures).
func (s Summary) ExitCode() int {
	switch s.Status {
	case RunCancelled:
		return 130
	case RunFailed:
		return 1
	}
	for _, r := range s.Records {
		if r.Status == StatusFailed {
			return 3
		}
	}
	return 0
}

// Rows is the final table, one row per record.
func (s Summary) Rows() []Row {
	rows := make([]Row, 0, len(s.Records))
	for _, r := range s.Records {
		rows = append(rows, r.Row())
	}
	return rows
}

// errRunTimeout is the cause of the run context when Options.Timeout ends it.
var errRunTimeout = errors.New("run time limit reached")

// finishTimeout bounds the writes and cleanup that happen after the run's
// context is cancelled.
const finishTimeout = time.Minute

// Run validates repos and returns the summary. It returns an error when the
// run could not start (the sink refused it) or did not complete: cancelled
// (wrapping ctx's error; exit 130), its time limit reached, the engine or
// the sink could not be asked. The summary holds every record written,
// whatever the error.
func (p Pipeline) Run(ctx context.Context, repos []Repo, opts Options) (Summary, error) {
	opts.setDefaults()
	names := make([]string, len(repos))
	for i, r := range repos {
		names[i] = r.FullName()
	}
	run := Run{
		ID:           uuid.NewString(),
		Environment:  opts.Environment,
		InstanceID:   opts.InstanceID,
		Repositories: names,
		ReposFile:    opts.ReposFile,
		StartedAt:    time.Now().UTC(),
		Status:       RunRunning,
	}
	sum := Summary{Run: run, Status: RunRunning, Records: []Record{}}
	if err := p.Sink.RunStart(ctx, run); err != nil {
		return sum, fmt.Errorf("record the start of run %s: %w", run.ID, err)
	}
	r := &runner{p: p, opts: opts, run: run, parent: ctx}
	r.detectGPU(ctx)
	sum.GPU = r.gpu

	scratch, err := r.makeScratch()
	var errs []error
	if err == nil {
		defer os.RemoveAll(scratch)
		r.scratch = scratch
		errs = r.all(ctx, repos, &sum)
	} else {
		errs = append(errs, err)
	}

	// Sweep what the run left behind, even when cancelled. With
	// KeepImages there is nothing to sweep: the engine removes every
	// container on every path, and the images are to stay.
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), finishTimeout)
	defer cancel()
	if !opts.KeepImages {
		if err := p.Engine.Cleanup(cctx, run.ID); err != nil {
			errs = append(errs, fmt.Errorf("remove the containers and images of run %s: %w", run.ID, err))
		}
	}

	sum.Status = RunCompleted
	var runErr error
	switch {
	case ctx.Err() != nil:
		sum.Status = RunCancelled
		runErr = fmt.Errorf("validation run %s interrupted: %w", run.ID, ctx.Err())
	case r.timedOut.Load():
		sum.Status = RunFailed
		runErr = fmt.Errorf("validation run %s reached its time limit of %s", run.ID, opts.Timeout)
	case len(errs) > 0:
		sum.Status = RunFailed
		runErr = errors.Join(errs...)
	}
	if runErr != nil {
		sum.Error = runErr.Error()
	}
	sum.FinishedAt = time.Now().UTC()
	fin := RunFinish{RunID: run.ID, Status: sum.Status, CompletedAt: sum.FinishedAt, Error: sum.Error}
	if err := p.Sink.RunFinish(cctx, fin); err != nil {
		err = fmt.Errorf("record the end of run %s: %w", run.ID, err)
		if runErr == nil {
			sum.Status = RunFailed
			sum.Error = err.Error()
		}
		runErr = errors.Join(runErr, err)
	}
	return sum, runErr
}

func (r *runner) makeScratch() (string, error) {
	if r.opts.WorkDir != "" {
		if err := os.MkdirAll(r.opts.WorkDir, 0o755); err != nil {
			return "", fmt.Errorf("create the work directory: %w", err)
		}
	}
	dir, err := os.MkdirTemp(r.opts.WorkDir, "janitor-"+r.run.ID[:8]+"-")
	if err != nil {
		return "", fmt.Errorf("create the run's work directory: %w", err)
	}
	return dir, nil
}

// detectGPU decides whether containers run with GPUs.
func (r *runner) detectGPU(ctx context.Context) {
	if r.opts.GPU == GPUOff {
		return
	}
	if r.p.GPU != nil {
		info, err := r.p.GPU.Detect(ctx)
		if err != nil {
			r.opts.Logger.Warn("GPU detection failed; continuing without GPU", "run_id", r.run.ID, "error", err)
			info = GPUInfo{}
		}
		r.gpu = info
	}
	if r.opts.GPU == GPUOn {
		r.gpu.Present = true
	}
	if r.gpu.Names == nil {
		r.gpu.Names = []string{}
	}
}

// all runs the worker pool over repos, appending records to sum as they
// finish, and returns the errors that make the run fail.
func (r *runner) all(ctx context.Context, repos []Repo, sum *Summary) []error {
	rctx, cancel := context.WithCancel(ctx)
	if r.opts.Timeout > 0 {
		rctx, cancel = context.WithTimeoutCause(ctx, r.opts.Timeout, errRunTimeout)
	}
	defer cancel()

	var (
		mu   sync.Mutex
		errs []error
		wg   sync.WaitGroup
	)
	jobs := make(chan int)
	for range min(r.opts.Concurrency, len(repos)) {
		wg.Go(func() {
			for i := range jobs {
				rec, ok := r.one(rctx, i, repos[i])
				if !ok {
					continue
				}
				err := r.emit(ctx, rec)
				mu.Lock()
				sum.Records = append(sum.Records, rec)
				if err != nil {
					errs = append(errs, err)
				}
				if rec.Infrastructure {
					errs = append(errs, fmt.Errorf("%s: %s", rec.Organization+"/"+rec.Repository, rec.ErrorMessage))
				}
				mu.Unlock()
			}
		})
	}
	for i := range repos {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	return errs
}

// emit hands one record to the sink, even when the run is being cancelled.
func (r *runner) emit(ctx context.Context, rec Record) error {
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), finishTimeout)
	defer cancel()
	if err := r.p.Sink.ValidationRecord(sctx, rec); err != nil {
		return fmt.Errorf("record the result of %s/%s: %w", rec.Organization, rec.Repository, err)
	}
	return nil
}
