package docker

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/moby/buildkit/session"
	"github.com/moby/buildkit/session/filesync"
	"github.com/moby/moby/api/types/build"
	"github.com/moby/moby/client"
	"github.com/moby/patternmatcher/ignorefile"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/tonistiigi/fsutil"
	fstypes "github.com/tonistiigi/fsutil/types"
)

// BuildRequest says what to build.
type BuildRequest struct {
	// ContextDir is the build context, a local directory.
	ContextDir string
	// Dockerfile is the Dockerfile's path relative to ContextDir (it may
	// also be absolute); empty means "Dockerfile".
	Dockerfile string
	// Tags name the image, such as "janitor/worker-basic:3f2a1c".
	Tags []string
	// BuildArgs are the Dockerfile's ARG values.
	BuildArgs map[string]string
	// Labels go on the image; LabelManaged is always added.
	Labels map[string]string
	// Target is the stage to build; empty means the last one.
	Target string
	// Platform is "os/arch[/variant]", such as "linux/amd64" (RunPod's);
	// empty means the engine's own.
	Platform string
	// NoCache builds every step again instead of reusing the layer cache.
	NoCache bool
	// Timeout bounds the build; 0 means no limit. A build that runs out of
	// time is a failed result with TimedOut set.
	Timeout time.Duration
	// Progress receives plain progress lines as they come (as
	// `docker buildx build --progress=plain` prints them); it may be nil.
	// Write errors are ignored.
	Progress io.Writer
	// LogLimit caps BuildResult.Log in bytes; 0 means logtext.DefaultLimit.
	LogLimit int
}

// BuildResult is what a build produced, or how it failed.
type BuildResult struct {
	// ImageID is the built image ("sha256:..."); empty when Failed.
	ImageID string
	// SizeBytes is the image's size; 0 when Failed.
	SizeBytes int64
	// Workdir is the image's working directory ("/" when it sets none):
	// where the SDK's local test mode looks for test_input.json.
	Workdir string
	// Duration is how long the build took, session set-up included.
	Duration time.Duration
	// Failed is true when the engine did not produce an image: the
	// Dockerfile is wrong, a step failed, or the time limit was reached.
	Failed bool
	// TimedOut is true when the build was stopped at BuildRequest.Timeout.
	TimedOut bool
	// FailedStep names the step that failed, as BuildKit does:
	// "[stage-1 2/3] COPY missing.txt /"; after a timeout, the step that
	// was still running. Empty when the build failed outside any step (a
	// Dockerfile syntax error, say).
	FailedStep string
	// Error is the engine's message for the failure.
	Error string
	// LogTail is the failing step's last lines and the error, or the last
	// lines of the build.
	LogTail string
	// Log is the whole progress output, head and tail kept within
	// BuildRequest.LogLimit, safe to store.
	Log string
	// LogBytes counts the progress output in all, kept in Log or not.
	LogBytes int64
	// Steps counts the Dockerfile instructions that ran, CachedSteps those
	// taken from the layer cache.
	Steps       int
	CachedSteps int
}

// Build builds an image from a local directory with BuildKit, which worker
// repositories need (RUN --mount, COPY --chmod, heredocs). Like the docker
// CLI, it opens a BuildKit session with the engine and serves the build
// context and the Dockerfile's directory from it; files that .dockerignore
// excludes never leave the machine. The engine's layer cache is used unless
// NoCache is set.
//
// A build that fails or runs out of time is a result with Failed set; an
// error means the engine could not be asked, the context directory is
// missing, or ctx ended.
//
// A Dockerfile that starts with a "# syntax=" line makes the engine pull
// that frontend image first; where no registry can be reached the build
// fails (Failed, with the engine's resolve error in Error) before any step.
func (e *Engine) Build(ctx context.Context, req BuildRequest) (BuildResult, error) {
	start := time.Now()
	contextDir, dockerfileDir, dockerfileName, err := buildPaths(req.ContextDir, req.Dockerfile)
	if err != nil {
		return BuildResult{}, err
	}
	opts, err := buildOptions(req)
	if err != nil {
		return BuildResult{}, err
	}
	buildCtx, cancel := ctx, context.CancelFunc(func() {})
	if req.Timeout > 0 {
		buildCtx, cancel = context.WithTimeout(ctx, req.Timeout)
	}
	defer cancel()
	sessionID, stopSession, err := e.startSession(buildCtx, contextDir, dockerfileDir)
	if err != nil {
		return BuildResult{}, err
	}
	opts.SessionID = sessionID
	opts.Dockerfile = dockerfileName
	stream := newBuildStream(req.Progress, req.LogLimit)
	buildErr := e.runBuild(buildCtx, opts, stream)
	sessionErr := stopSession()
	res := BuildResult{
		Duration: time.Since(start),
		Log:      stream.log.String(),
		LogBytes: stream.log.Len(),
		LogTail:  stream.logTail(),
		Error:    stream.errMsg,
	}
	res.Steps, res.CachedSteps = stream.steps()
	if f := stream.failed(); f != nil {
		res.FailedStep = f.name
	}
	switch {
	case ctx.Err() != nil:
		e.cancelBuild(ctx, opts.BuildID)
		return res, fmt.Errorf("build %s: %w", contextDir, context.Cause(ctx))
	case buildCtx.Err() != nil:
		e.cancelBuild(ctx, opts.BuildID)
		res.Failed, res.TimedOut = true, true
		res.Error = fmt.Sprintf("the build did not finish within %s", req.Timeout)
		if r := stream.running(); r != nil {
			res.FailedStep = r.name
		}
		return res, nil
	case buildErr != nil:
		return res, e.wrap("build "+contextDir, buildErr)
	case sessionErr != nil && stream.errMsg != "":
		// The engine could not reach the files, so the build proves nothing.
		return res, e.wrap("build "+contextDir, fmt.Errorf("%w (the engine said: %s)", sessionErr, stream.errMsg))
	case stream.errMsg != "":
		res.Failed = true
		return res, nil
	case stream.imageID == "":
		// The engine went away mid-build.
		return res, e.wrap("build "+contextDir, errors.New("the engine's build output ended without an image ID or an error"))
	}
	res.ImageID = stream.imageID
	img, err := e.cli.ImageInspect(ctx, stream.imageID)
	if err != nil {
		return res, e.wrap("inspect built image "+stream.imageID, err)
	}
	res.SizeBytes = img.Size
	res.Workdir = "/"
	if img.Config != nil && img.Config.WorkingDir != "" {
		res.Workdir = img.Config.WorkingDir
	}
	return res, nil
}

// startSession opens a BuildKit session with the engine, as the docker CLI
// does, that serves the build context (filtered by its .dockerignore) and
// the Dockerfile's directory. It returns the session's ID for the build
// request, and stop, which ends the session and returns the error that
// kept it from connecting, if any.
func (e *Engine) startSession(ctx context.Context, contextDir, dockerfileDir string) (id string, stop func() error, err error) {
	excludes, err := readDockerignore(contextDir)
	if err != nil {
		return "", nil, err
	}
	contextFS, err := fsutil.NewFS(contextDir)
	if err != nil {
		return "", nil, fmt.Errorf("open build context %s: %w", contextDir, err)
	}
	dockerfileFS, err := fsutil.NewFS(dockerfileDir)
	if err != nil {
		return "", nil, fmt.Errorf("open Dockerfile directory %s: %w", dockerfileDir, err)
	}
	// The shared key lets the engine reuse what it already has of this
	// directory from earlier builds and send only the changes.
	sum := sha256.Sum256([]byte(contextDir))
	sess, err := session.NewSession(ctx, hex.EncodeToString(sum[:]))
	if err != nil {
		return "", nil, fmt.Errorf("start a BuildKit session: %w", err)
	}
	sess.Allow(filesync.NewFSSyncProvider(filesync.StaticDirSource{
		"context":    contextFS,
		"dockerfile": dockerfileFS,
	}, contextFilter(excludes)))
	done := make(chan error, 1)
	go func() {
		done <- sess.Run(ctx, func(ctx context.Context, proto string, meta map[string][]string) (net.Conn, error) {
			return e.cli.DialHijack(ctx, "/session", proto, meta)
		})
	}()
	return sess.ID(), func() error {
		_ = sess.Close()
		if err := <-done; err != nil {
			return fmt.Errorf("open a BuildKit session with the engine: %w", err)
		}
		return nil
	}, nil
}

// runBuild sends the build request and reads the whole response.
func (e *Engine) runBuild(ctx context.Context, opts client.ImageBuildOptions, stream *buildStream) error {
	resp, err := e.cli.ImageBuild(ctx, nil, opts)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	return stream.decode(resp.Body)
}

// cancelBuild asks the engine to stop a build whose client went away. The
// engine also stops it when the connection closes; this is belt and braces,
// so its error is ignored.
func (e *Engine) cancelBuild(ctx context.Context, buildID string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	_, _ = e.cli.BuildCancel(ctx, buildID, client.BuildCancelOptions{})
}

// buildPaths resolves the context directory and splits the Dockerfile's path
// into the directory served to the engine and the file name.
func buildPaths(contextDir, dockerfile string) (absContext, dfDir, dfName string, err error) {
	if contextDir == "" {
		return "", "", "", errors.New("build: no context directory given")
	}
	absContext, err = filepath.Abs(contextDir)
	if err != nil {
		return "", "", "", fmt.Errorf("build context %q: %w", contextDir, err)
	}
	if fi, err := os.Stat(absContext); err != nil {
		return "", "", "", fmt.Errorf("build context: %w", err)
	} else if !fi.IsDir() {
		return "", "", "", fmt.Errorf("build context %s is not a directory", absContext)
	}
	if dockerfile == "" {
		dockerfile = "Dockerfile"
	}
	if !filepath.IsAbs(dockerfile) {
		dockerfile = filepath.Join(absContext, dockerfile)
	}
	return absContext, filepath.Dir(dockerfile), filepath.Base(dockerfile), nil
}

// buildOptions turns a request into the engine's build options, all but the
// session and the Dockerfile name.
func buildOptions(req BuildRequest) (client.ImageBuildOptions, error) {
	opts := client.ImageBuildOptions{
		Version:       build.BuilderBuildKit,
		RemoteContext: "client-session", // the context comes through the session
		Tags:          req.Tags,
		Labels:        managedLabels(req.Labels),
		Target:        req.Target,
		NoCache:       req.NoCache,
		Remove:        true,
		BuildID:       rand.Text(),
	}
	if len(req.BuildArgs) > 0 {
		opts.BuildArgs = make(map[string]*string, len(req.BuildArgs))
		for k, v := range req.BuildArgs {
			opts.BuildArgs[k] = &v
		}
	}
	if req.Platform != "" {
		p, err := parsePlatform(req.Platform)
		if err != nil {
			return opts, err
		}
		opts.Platforms = []ocispec.Platform{p}
	}
	return opts, nil
}

// parsePlatform reads "os/arch[/variant]".
func parsePlatform(s string) (ocispec.Platform, error) {
	parts := strings.Split(s, "/")
	if len(parts) < 2 || len(parts) > 3 || slices.Contains(parts, "") {
		return ocispec.Platform{}, fmt.Errorf("build platform %q: want os/arch[/variant], such as linux/amd64", s)
	}
	p := ocispec.Platform{OS: parts[0], Architecture: parts[1]}
	if len(parts) == 3 {
		p.Variant = parts[2]
	}
	return p, nil
}

// readDockerignore returns the patterns of the context's .dockerignore, or
// none when there is no such file.
func readDockerignore(contextDir string) ([]string, error) {
	f, err := os.Open(filepath.Join(contextDir, ".dockerignore"))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read .dockerignore: %w", err)
	}
	defer f.Close()
	patterns, err := ignorefile.ReadAll(f)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", f.Name(), err)
	}
	return patterns, nil
}

// contextFilter applies .dockerignore on this side too, so excluded files
// are never sent whatever the engine's frontend does with them, and gives
// the files to root as `docker build` does (COPY without --chown makes
// root-owned files whoever checked the repository out).
func contextFilter(excludes []string) filesync.FilterOptFunc {
	return func(dir string, opt *fsutil.FilterOpt) error {
		if dir != "context" {
			return nil
		}
		opt.ExcludePatterns = append(opt.ExcludePatterns, excludes...)
		opt.Map = func(_ string, st *fstypes.Stat) fsutil.MapResult {
			st.Uid, st.Gid = 0, 0
			return fsutil.MapResultKeep
		}
		return nil
	}
}
