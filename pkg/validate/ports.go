package validate

import (
	"context"
	"encoding/json"
	"io"
	"time"
)

// Checkouter makes a repository's files available in a local directory.
//
// For a repository with a URL, Checkout clones it into dir, an empty
// directory the pipeline created for this repository and removes when the
// repository is done. For a local repository (Repo.Path) it returns the path
// in place and leaves dir alone.
type Checkouter interface {
	Checkout(ctx context.Context, repo Repo, dir string) (Checkout, error)
}

// Checkout is a repository ready on disk.
type Checkout struct {
	// Dir is the repository root: the build context and the base of every
	// repository-relative path.
	Dir string
	// Commit is the commit SHA checked out; empty when unknown (a local
	// directory that is not a git work tree).
	Commit string
}

// Linter runs the static rules on a repository and reports the facts the
// pipeline needs to build and run it.
type Linter interface {
	Lint(ctx context.Context, dir string) (LintReport, error)
}

// LintReport is what the linter found in one repository.
type LintReport struct {
	Findings []Finding
	Facts    Facts
}

// Facts are what the linter learned about a repository. Paths are relative
// to the repository root, with forward slashes.
type Facts struct {
	// Dockerfile is the Dockerfile to build ("Dockerfile" or
	// ".runpod/Dockerfile"); empty when there is none.
	Dockerfile string
	// Workdir is the final stage's WORKDIR as the Dockerfile declares it;
	// empty when it declares none. The built image's WORKDIR, when the
	// engine reports it, wins.
	Workdir string
	// RunDir is where the handler process runs when a start script changes
	// directory first; empty when it runs in the WORKDIR. The test input
	// is mounted there.
	RunDir string
	// HandlerPath is the handler file; empty when none was found.
	HandlerPath string
	// HandlerKind is how the handler is written.
	HandlerKind HandlerKind
	// TestInputPath is test_input.json at the root or next to the handler;
	// empty when there is none.
	TestInputPath string
	// TestsCase is the input of the first .runpod/tests.json case as written
	// there (not wrapped in {"input": ...}); nil when there is none.
	TestsCase json.RawMessage
	// TestsCaseName is that case's name.
	TestsCaseName string
	// Env is .runpod/tests.json config.env as key/value pairs.
	Env map[string]string
	// GPULikely is set when the repository probably needs a GPU (JW033);
	// GPUEvidence says why.
	GPULikely   bool
	GPUEvidence string
	// AllowedCUDAVersions is allowedCudaVersions from tests.json or hub.json
	// ("12.4", ...); empty when unrestricted.
	AllowedCUDAVersions []string
}

// HandlerKind is how a handler function is written.
type HandlerKind string

// Handler kinds. The SDK's local test mode does not execute generators.
const (
	HandlerUnknown        HandlerKind = ""
	HandlerPlain          HandlerKind = "plain"
	HandlerAsync          HandlerKind = "async"
	HandlerGenerator      HandlerKind = "generator"
	HandlerAsyncGenerator HandlerKind = "async_generator"
)

// IsGenerator reports whether the local test mode cannot run this handler.
func (k HandlerKind) IsGenerator() bool {
	return k == HandlerGenerator || k == HandlerAsyncGenerator
}

// Engine builds and runs containers. A failed build, a non-zero exit or a
// timeout is a result; an error means the engine could not be asked.
// When ctx ends, Build and Run return promptly with what they have and the
// context's error; the container of a Run is removed on every path.
type Engine interface {
	Build(ctx context.Context, req BuildRequest) (BuildResult, error)
	Run(ctx context.Context, req RunRequest) (RunResult, error)
	// RemoveImage removes one image (forcefully, with its untagged parents);
	// an image already gone is not an error.
	RemoveImage(ctx context.Context, imageID string) error
	// Cleanup removes every container and image labelled
	// org.janitor.run-id=runID. The pipeline calls it at the end of every
	// run (cancelled ones included) unless images are kept.
	Cleanup(ctx context.Context, runID string) error
}

// BuildRequest is one image build.
type BuildRequest struct {
	// ContextDir is the build context; Dockerfile is relative to it.
	ContextDir string
	Dockerfile string
	Tags       []string
	BuildArgs  map[string]string
	// Platform is always "linux/amd64" (RunPod's build platform).
	Platform string
	Labels   map[string]string
	// Timeout bounds the build: at the limit the engine stops it and
	// returns a failed result with TimedOut set (the pipeline's context
	// deadline, a little later, is only a guard).
	Timeout time.Duration
	// Progress receives plain build output as it arrives; the pipeline
	// splits it into lines for progress events. It may be written from
	// another goroutine than Build's caller, but not after Build returns.
	Progress io.Writer
	// LogLimit caps BuildResult.Log in bytes (head and tail kept).
	LogLimit int
}

// BuildResult is what a build produced.
type BuildResult struct {
	ImageID   string
	SizeBytes int64
	// Workdir is the image's configured working directory; empty when the
	// engine does not tell (the linter's WORKDIR is used then).
	Workdir  string
	Duration time.Duration
	// Failed is set when the build ran and failed or timed out; TimedOut
	// when it was stopped at the time limit. FailedStep names the step
	// ("[3/7] RUN pip install ...") when the builder tells it, Error is the
	// engine's message for the failure.
	Failed     bool
	TimedOut   bool
	FailedStep string
	Error      string
	// Log is the build output, capped by the engine; LogBytes counts the
	// output in all, so that a log the engine cut is known to be cut.
	Log      string
	LogBytes int64
}

// RunRequest is one container run.
type RunRequest struct {
	Image string
	// Entrypoint and Cmd override the image's: nil keeps the image's, an
	// empty slice clears it (the GPU check sets Entrypoint nvidia-smi and
	// an empty Cmd).
	Entrypoint []string
	Cmd        []string
	// Env is sorted KEY=value pairs.
	Env    []string
	Mounts []Mount
	Labels map[string]string
	// Init runs an init process as PID 1 (docker run --init).
	Init        bool
	MemoryBytes int64
	NanoCPUs    int64
	PidsLimit   int64
	// GPUs requests every GPU of the host (docker run --gpus all).
	GPUs bool
	// Timeout stops the container with SIGTERM, then SIGKILL after
	// StopGrace; never SIGINT. The result then has TimedOut set.
	Timeout   time.Duration
	StopGrace time.Duration
	// OutputLimit caps each of stdout and stderr in bytes (head and tail
	// kept), so memory stays bounded whatever the container prints.
	OutputLimit int
}

// Mount is a bind mount of a host file or directory into the container.
type Mount struct {
	Source   string
	Target   string
	ReadOnly bool
}

// RunResult is how a container ended.
type RunResult struct {
	ExitCode  int
	TimedOut  bool
	OOMKilled bool
	Duration  time.Duration
	// StartError is the engine's message when it could not start the
	// container (exit codes 125-127: bad CMD or ENTRYPOINT, say).
	StartError string
	// Stdout and Stderr are the container's output, capped by the engine;
	// StdoutBytes and StderrBytes count what it printed in all.
	Stdout      string
	Stderr      string
	StdoutBytes int64
	StderrBytes int64
}

// GPUDetector tells whether the host has an NVIDIA GPU.
type GPUDetector interface {
	Detect(ctx context.Context) (GPUInfo, error)
}

// GPUInfo is the host's GPU as nvidia-smi reports it.
type GPUInfo struct {
	Present bool     `json:"present"`
	Names   []string `json:"names"`
	// Driver is the driver version; CUDAVersion the highest CUDA version
	// the driver supports ("12.4").
	Driver      string `json:"driver"`
	CUDAVersion string `json:"cuda_version"`
}

// Sink receives a run's results as they happen. Calls come from several
// goroutines at once; ValidationRecord is called once per repository as soon
// as it finishes. Implementations must be idempotent on Run.ID and Record.ID
// so that a replay never duplicates.
type Sink interface {
	RunStart(ctx context.Context, run Run) error
	ValidationRecord(ctx context.Context, rec Record) error
	RunFinish(ctx context.Context, fin RunFinish) error
}
