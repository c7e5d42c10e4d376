// Package docker is janitor's adapter to the Docker Engine, and the only
// package that imports the Docker client. It offers task-sized methods:
//
//   - New connects (negotiating the API version) and Info describes the engine.
//   - Build builds an image with BuildKit from a local directory, streaming
//     plain progress lines, and returns the image or the failing step.
//   - Run runs a container to completion under a time limit (SIGTERM, then
//     SIGKILL) with bounded output capture, and always removes it.
//   - RemoveImage and Cleanup remove what janitor created, found by label.
//
// A failed build, a non-zero exit or a timeout is a result, with its
// evidence; an error means the engine could not be asked (unreachable, or it
// refused the request). Errors for an unreachable engine match ErrUnavailable,
// and Hint says what to do about them.
//
// Everything janitor creates carries LabelManaged, and callers add LabelRunID
// so that Cleanup can remove what a crashed or cancelled run left behind.
//
// Dockerfile features: Build speaks to the engine's built-in BuildKit
// frontend. On dockerd 20.10 that frontend handles multi-stage builds, build
// args, RUN --mount (cache, secret, bind) and COPY --chmod, but not COPY
// --link or heredocs, which need a newer frontend named by a `# syntax=`
// line. Such a line makes the engine pull the frontend image; where no
// registry answers, the build fails at a step named "resolve image config
// for docker.io/docker/dockerfile:1", with the registry error in
// BuildResult.Error.
package docker

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/moby/moby/client"
)

// Labels janitor puts on the containers and images it creates.
const (
	// LabelManaged marks every container and image janitor creates, with
	// the value "true". Build and Run add it themselves.
	LabelManaged = "org.janitor.managed"
	// LabelRunID holds the ID of the validation run that created the object.
	LabelRunID = "org.janitor.run-id"
	// LabelRepository holds the repository (owner/name) the object is for.
	LabelRepository = "org.janitor.repository"
)

// ErrUnavailable matches errors for an engine that does not answer.
var ErrUnavailable = errors.New("the Docker engine does not answer")

// StartHint tells a user how to get an engine running.
const StartHint = "is the Docker daemon running? start it with: sudo systemctl start docker " +
	"(no systemd: sudo dockerd &; in a janitor checkout: sudo .ci/dockerd), or point DOCKER_HOST at a running engine"

// Hint returns a line of advice for errors with a known cause, or "".
func Hint(err error) string {
	if errors.Is(err, ErrUnavailable) {
		return StartHint
	}
	return ""
}

// Options configures New.
type Options struct {
	// Host is the engine's address, such as "unix:///var/run/docker.sock"
	// or "tcp://127.0.0.1:2375". Empty means DOCKER_HOST, else the default
	// socket. DOCKER_API_VERSION, DOCKER_CERT_PATH and DOCKER_TLS_VERIFY
	// are honoured as the docker CLI does.
	Host string
	// PingTimeout bounds New's first contact with the engine; 0 means 10s.
	PingTimeout time.Duration
}

// Engine is a connection to a Docker engine. It is safe for concurrent use.
type Engine struct {
	cli            *client.Client
	apiVersion     string
	builderVersion string
}

// New connects to the engine, negotiating the API version (dockerd 20.10
// speaks 1.41). It fails with an error matching ErrUnavailable when no
// engine answers.
func New(ctx context.Context, opts Options) (*Engine, error) {
	clientOpts := []client.Opt{client.FromEnv} // the client negotiates the API version
	if opts.Host != "" {
		clientOpts = append(clientOpts, client.WithHost(opts.Host))
	}
	cli, err := client.New(clientOpts...)
	if err != nil {
		return nil, fmt.Errorf("set up the Docker client: %w", err)
	}
	timeout := opts.PingTimeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	pctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	ping, err := cli.Ping(pctx, client.PingOptions{NegotiateAPIVersion: true})
	if err != nil {
		_ = cli.Close()
		if ctx.Err() != nil {
			return nil, fmt.Errorf("connect to the Docker engine: %w", context.Cause(ctx))
		}
		return nil, fmt.Errorf("connect to the Docker engine at %s: %w: %v", cli.DaemonHost(), ErrUnavailable, err)
	}
	return &Engine{cli: cli, apiVersion: cli.ClientVersion(), builderVersion: string(ping.BuilderVersion)}, nil
}

// Close releases the connection.
func (e *Engine) Close() error {
	return e.cli.Close()
}

// Ping checks that the engine still answers.
func (e *Engine) Ping(ctx context.Context) error {
	if _, err := e.cli.Ping(ctx, client.PingOptions{}); err != nil {
		return e.wrap("ping the Docker engine", err)
	}
	return nil
}

// Info describes the engine.
type Info struct {
	// ServerVersion is the engine's version, such as "20.10.24+dfsg1".
	ServerVersion string
	// APIVersion is the API version janitor speaks with it, after negotiation.
	APIVersion string
	// BuilderVersion is the engine's default builder: "2" is BuildKit, "1"
	// the legacy builder. Build always asks for BuildKit.
	BuilderVersion string
	OS             string
	Architecture   string
	KernelVersion  string
	StorageDriver  string
	CPUs           int
	MemoryBytes    int64
	// Runtimes lists the container runtimes the engine knows, sorted.
	Runtimes       []string
	DefaultRuntime string
	// NvidiaRuntime is true when the engine has the "nvidia" runtime
	// (nvidia-container-toolkit configured for Docker). Run's GPU request
	// also works with the toolkit's hook alone, so false is a strong hint,
	// not proof, that GPUs cannot be passed in.
	NvidiaRuntime bool
}

// Info asks the engine to describe itself.
func (e *Engine) Info(ctx context.Context) (Info, error) {
	res, err := e.cli.Info(ctx, client.InfoOptions{})
	if err != nil {
		return Info{}, e.wrap("describe the Docker engine", err)
	}
	in := res.Info
	info := Info{
		ServerVersion:  in.ServerVersion,
		APIVersion:     e.apiVersion,
		BuilderVersion: e.builderVersion,
		OS:             in.OSType,
		Architecture:   in.Architecture,
		KernelVersion:  in.KernelVersion,
		StorageDriver:  in.Driver,
		CPUs:           in.NCPU,
		MemoryBytes:    in.MemTotal,
		Runtimes:       []string{},
		DefaultRuntime: in.DefaultRuntime,
	}
	for name := range in.Runtimes {
		info.Runtimes = append(info.Runtimes, name)
	}
	slices.Sort(info.Runtimes)
	info.NvidiaRuntime = slices.Contains(info.Runtimes, "nvidia")
	return info, nil
}

// wrap says what was being done, and marks a lost connection as
// ErrUnavailable.
func (e *Engine) wrap(doing string, err error) error {
	if client.IsErrConnectionFailed(err) {
		return fmt.Errorf("%s: %w: %v", doing, ErrUnavailable, err)
	}
	return fmt.Errorf("%s: %w", doing, err)
}

// managedLabels returns labels plus LabelManaged=true, in a new map.
func managedLabels(labels map[string]string) map[string]string {
	out := make(map[string]string, len(labels)+1)
	maps.Copy(out, labels)
	out[LabelManaged] = "true"
	return out
}
