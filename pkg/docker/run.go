package docker

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/mount"
	"github.com/moby/moby/client"
	"github.com/runpod-workers/janitor/pkg/logtext"
)

// DefaultStopGrace is how long Run waits after SIGTERM before SIGKILL.
const DefaultStopGrace = 10 * time.Second

// Bounds on the clean-up work Run does after the container stopped.
const (
	removeTimeout = 30 * time.Second // removing a container, even after ctx ended
	killWait      = 30 * time.Second // for the exit after SIGKILL
	drainWait     = 10 * time.Second // for the output to arrive after the exit
)

// Mount puts a host file or directory into the container, read-only.
type Mount struct {
	// Source is the host path; it must exist. A relative path is taken
	// from the current directory.
	Source string
	// Target is the absolute path inside the container.
	Target string
}

// RunRequest says what container to run and within which limits.
type RunRequest struct {
	// Image is the image ID or tag to run.
	Image string
	// Cmd replaces the image's CMD; nil keeps it.
	Cmd []string
	// Entrypoint replaces the image's ENTRYPOINT; nil keeps it.
	Entrypoint []string
	// Env holds "KEY=value" entries added to the image's environment.
	Env []string
	// Mounts are bind-mounted read-only.
	Mounts []Mount
	// WorkDir replaces the image's WORKDIR; empty keeps it.
	WorkDir string
	// GPUs passes every NVIDIA GPU in (driver "nvidia", all devices,
	// capability "gpu", as `docker run --gpus all`).
	GPUs bool
	// MemoryBytes is a hard memory limit, swap included; 0 means none.
	MemoryBytes int64
	// NanoCPUs limits CPU time in billionths of a CPU; 0 means none.
	NanoCPUs int64
	// PidsLimit limits the number of processes; 0 means none.
	PidsLimit int64
	// Network is the network mode ("none", "host", a network name); empty
	// means the engine's default bridge.
	Network string
	// Timeout bounds the run; 0 means no limit. At the limit the container
	// gets SIGTERM, then SIGKILL after StopGrace. Never SIGINT: the RunPod
	// SDK exits 0 on SIGINT, which would read as a pass.
	Timeout time.Duration
	// StopGrace is the time between SIGTERM and SIGKILL; 0 means
	// DefaultStopGrace.
	StopGrace time.Duration
	// Labels go on the container; LabelManaged is always added.
	Labels map[string]string
	// Init runs an init process as PID 1 (`docker run --init`) that forwards
	// signals and reaps zombies. Validation always sets it.
	Init bool
	// OutputLimit caps each of stdout and stderr in bytes, head and tail
	// kept; 0 means logtext.DefaultLimit. Memory use is bounded by it
	// whatever the container prints.
	OutputLimit int
}

// RunResult is how a container ended, and what it printed.
type RunResult struct {
	// ContainerID identifies the container, now removed.
	ContainerID string
	// ExitCode is the container's exit status; after a timeout it is
	// 143 (SIGTERM) or 137 (SIGKILL). When the engine could not start the
	// container it is 127 (command not found), 126 (not executable) or 125
	// (anything else), as `docker run` reports, and StartError says why.
	ExitCode int
	// StartError is the engine's message when it could not start the
	// container (bad CMD or ENTRYPOINT, for instance).
	StartError string
	// TimedOut is true when Run stopped the container at RunRequest.Timeout.
	TimedOut bool
	// Killed is true when the container had to be stopped with SIGKILL
	// because it outlived StopGrace after SIGTERM.
	Killed bool
	// OOMKilled is true when the kernel killed a process for exceeding the
	// memory limit.
	OOMKilled bool
	// Duration is how long the container ran.
	Duration time.Duration
	// Stdout and Stderr are the container's output, cleaned (no NUL bytes,
	// valid UTF-8) and capped to OutputLimit with head and tail kept.
	Stdout string
	Stderr string
	// StdoutBytes and StderrBytes count what the container printed in all.
	StdoutBytes int64
	StderrBytes int64
}

// Run creates a container, starts it, waits for it to exit or for the time
// limit, and removes it. The container is removed on every path, including
// errors and ctx ending (cancelled runs then return ctx's error).
//
// A non-zero exit, a timeout or a container the engine cannot start is a
// result; an error means the engine could not be asked, the image does not
// exist, a mount source is missing, GPUs were asked for on an engine without
// NVIDIA support, or ctx ended.
func (e *Engine) Run(ctx context.Context, req RunRequest) (res RunResult, err error) {
	if req.Image == "" {
		return res, errors.New("run: no image given")
	}
	cfg, hostCfg, err := containerConfig(req)
	if err != nil {
		return res, err
	}
	name := "janitor-" + strings.ToLower(rand.Text()[:16])
	created, err := e.cli.ContainerCreate(ctx, client.ContainerCreateOptions{Config: cfg, HostConfig: hostCfg, Name: name})
	if err != nil {
		if ctx.Err() != nil {
			// The engine may have created it before the request was cut.
			return res, errors.Join(e.wrap("create container from "+req.Image, err), e.removeContainer(ctx, name))
		}
		return res, e.wrap("create container from "+req.Image, err)
	}
	res.ContainerID = created.ID
	defer func() {
		err = errors.Join(err, e.removeContainer(ctx, created.ID))
	}()

	stdout, stderr := logtext.NewBuffer(req.OutputLimit), logtext.NewBuffer(req.OutputLimit)
	defer func() {
		res.Stdout, res.Stderr = stdout.String(), stderr.String()
		res.StdoutBytes, res.StderrBytes = stdout.Len(), stderr.Len()
	}()
	attach, err := e.cli.ContainerAttach(ctx, created.ID, client.ContainerAttachOptions{Stream: true, Stdout: true, Stderr: true})
	if err != nil {
		return res, e.wrap("attach to container "+name, err)
	}
	defer attach.Close()
	drained := make(chan struct{})
	go func() {
		defer close(drained)
		_, _ = stdcopy.StdCopy(stdout, stderr, attach.Reader)
	}()

	waitCtx, stopWaiting := context.WithCancel(ctx)
	defer stopWaiting()
	wait := e.cli.ContainerWait(waitCtx, created.ID, client.ContainerWaitOptions{Condition: container.WaitConditionNextExit})
	oom := e.watchOOM(waitCtx, created.ID)

	started := time.Now()
	if _, err := e.cli.ContainerStart(ctx, created.ID, client.ContainerStartOptions{}); err != nil {
		if ctx.Err() != nil || client.IsErrConnectionFailed(err) {
			return res, e.wrap("start container "+name, err)
		}
		if req.GPUs && strings.Contains(err.Error(), "could not select device driver") {
			return res, fmt.Errorf("start container %s with GPUs: %w (install nvidia-container-toolkit and configure Docker for it: nvidia-ctk runtime configure --runtime=docker)", name, err)
		}
		res.StartError = logtext.Clean([]byte(err.Error()))
		res.ExitCode = startExitCode(res.StartError)
		return res, nil
	}

	var timeout <-chan time.Time
	if req.Timeout > 0 {
		t := time.NewTimer(req.Timeout)
		defer t.Stop()
		timeout = t.C
	}
	var status container.WaitResponse
	select {
	case status = <-wait.Result:
	case err := <-wait.Error:
		if ctx.Err() != nil {
			return res, fmt.Errorf("run container %s: %w", name, context.Cause(ctx))
		}
		return res, e.wrap("wait for container "+name, err)
	case <-ctx.Done():
		return res, fmt.Errorf("run container %s: %w", name, context.Cause(ctx))
	case <-timeout:
		res.TimedOut = true
		status, res.Killed, err = e.stop(ctx, created.ID, wait, orDefault(req.StopGrace, DefaultStopGrace))
		if err != nil {
			return res, fmt.Errorf("stop container %s after %s: %w", name, req.Timeout, err)
		}
	}
	res.Duration = time.Since(started)
	if status.Error != nil && status.Error.Message != "" {
		return res, fmt.Errorf("wait for container %s: %s", name, status.Error.Message)
	}
	res.ExitCode = int(status.StatusCode)

	select {
	case <-drained:
	case <-time.After(drainWait):
	case <-ctx.Done():
		return res, fmt.Errorf("read output of container %s: %w", name, context.Cause(ctx))
	}
	info, err := e.cli.ContainerInspect(ctx, created.ID, client.ContainerInspectOptions{})
	if err != nil {
		return res, e.wrap("inspect container "+name, err)
	}
	res.OOMKilled = info.Container.State.OOMKilled || oom.seen(res.ExitCode == 137 && !res.Killed)
	if d, ok := ranFor(info.Container.State); ok {
		res.Duration = d
	}
	return res, nil
}

// oomWatch learns of the engine's "oom" events for one container. The
// engine's OOMKilled flag alone is not reliable: dockerd 20.10 was seen to
// report false for a container the kernel OOM-killed (its OOM and exit
// events race), while the "oom" event is always sent.
type oomWatch struct {
	ch <-chan struct{} // closed at the first event
}

// oomEventWait is how long a SIGKILLed container's OOM event may trail its exit.
const oomEventWait = 2 * time.Second

// watchOOM subscribes to the container's OOM events until ctx ends. Where
// the engine will not stream events, it watches nothing.
func (e *Engine) watchOOM(ctx context.Context, id string) oomWatch {
	events := e.cli.Events(ctx, client.EventsListOptions{
		Filters: client.Filters{}.Add("type", "container").Add("container", id).Add("event", "oom"),
	})
	ch := make(chan struct{})
	go func() {
		for {
			select {
			case <-events.Messages:
				close(ch)
				return
			case <-events.Err:
				return
			case <-ctx.Done():
				return
			}
		}
	}()
	return oomWatch{ch: ch}
}

// seen reports whether an OOM event came. When one is likely (a SIGKILL
// janitor did not send), it waits a little for a late one.
func (w oomWatch) seen(likely bool) bool {
	select {
	case <-w.ch:
		return true
	default:
	}
	if !likely {
		return false
	}
	t := time.NewTimer(oomEventWait)
	defer t.Stop()
	select {
	case <-w.ch:
		return true
	case <-t.C:
		return false
	}
}

// stop sends SIGTERM, waits grace, then SIGKILL, and returns the exit
// status and whether SIGKILL was needed. Never SIGINT (see
// RunRequest.Timeout).
func (e *Engine) stop(ctx context.Context, id string, wait client.ContainerWaitResult, grace time.Duration) (container.WaitResponse, bool, error) {
	st, exited, err := e.signalAndWait(ctx, id, "SIGTERM", wait, grace)
	if err != nil || exited {
		return st, false, err
	}
	st, exited, err = e.signalAndWait(ctx, id, "SIGKILL", wait, killWait)
	if err == nil && !exited {
		err = fmt.Errorf("still running %s after SIGKILL", killWait)
	}
	return st, true, err
}

// signalAndWait sends a signal and waits up to limit for the container to
// exit; exited is false when it still runs at the limit.
func (e *Engine) signalAndWait(ctx context.Context, id, signal string, wait client.ContainerWaitResult, limit time.Duration) (st container.WaitResponse, exited bool, err error) {
	if err := e.kill(ctx, id, signal); err != nil {
		return st, false, err
	}
	t := time.NewTimer(limit)
	defer t.Stop()
	select {
	case st = <-wait.Result:
		return st, true, nil
	case err := <-wait.Error:
		return st, false, e.wrap("wait for the container", err)
	case <-ctx.Done():
		return st, false, context.Cause(ctx)
	case <-t.C:
		return st, false, nil
	}
}

// kill sends a signal; a container that already stopped is not an error.
func (e *Engine) kill(ctx context.Context, id, signal string) error {
	_, err := e.cli.ContainerKill(ctx, id, client.ContainerKillOptions{Signal: signal})
	if err != nil && !cerrdefs.IsConflict(err) && !cerrdefs.IsNotFound(err) {
		return e.wrap("send "+signal, err)
	}
	return nil
}

// removeContainer removes a container and its anonymous volumes, killing it
// if it runs. It works after ctx ended, within removeTimeout.
func (e *Engine) removeContainer(ctx context.Context, id string) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), removeTimeout)
	defer cancel()
	_, err := e.cli.ContainerRemove(ctx, id, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true})
	if err != nil && !cerrdefs.IsNotFound(err) {
		return e.wrap("remove container "+id, err)
	}
	return nil
}

// containerConfig turns a request into the engine's container configuration.
func containerConfig(req RunRequest) (*container.Config, *container.HostConfig, error) {
	cfg := &container.Config{
		Image:        req.Image,
		Cmd:          req.Cmd,
		Entrypoint:   req.Entrypoint,
		Env:          req.Env,
		WorkingDir:   req.WorkDir,
		Labels:       managedLabels(req.Labels),
		AttachStdout: true,
		AttachStderr: true,
	}
	initProcess := req.Init
	host := &container.HostConfig{
		Init:        &initProcess,
		NetworkMode: container.NetworkMode(req.Network),
		// Output reaches janitor through the attach stream; a log driver
		// would keep a second copy on the engine's disk.
		LogConfig: container.LogConfig{Type: "none"},
		Resources: container.Resources{
			Memory:   req.MemoryBytes,
			NanoCPUs: req.NanoCPUs,
		},
	}
	if req.MemoryBytes > 0 {
		host.Resources.MemorySwap = req.MemoryBytes // no swap on top
	}
	if req.PidsLimit > 0 {
		limit := req.PidsLimit
		host.Resources.PidsLimit = &limit
	}
	if req.GPUs {
		host.Resources.DeviceRequests = []container.DeviceRequest{{
			Driver:       "nvidia",
			Count:        -1,
			Capabilities: [][]string{{"gpu"}},
		}}
	}
	for _, m := range req.Mounts {
		src, err := filepath.Abs(m.Source)
		if err != nil {
			return nil, nil, fmt.Errorf("mount %q: %w", m.Source, err)
		}
		if _, err := os.Stat(src); err != nil {
			return nil, nil, fmt.Errorf("mount into the container: %w", err)
		}
		if !strings.HasPrefix(m.Target, "/") {
			return nil, nil, fmt.Errorf("mount %s: target %q is not an absolute path", src, m.Target)
		}
		host.Mounts = append(host.Mounts, mount.Mount{Type: mount.TypeBind, Source: src, Target: m.Target, ReadOnly: true})
	}
	return cfg, host, nil
}

// startExitCode maps the engine's refusal to start a container to the exit
// code `docker run` gives it.
func startExitCode(msg string) int {
	switch {
	case strings.Contains(msg, "executable file not found"), strings.Contains(msg, "no such file or directory"):
		return 127
	case strings.Contains(msg, "permission denied"):
		return 126
	default:
		return 125
	}
}

// ranFor returns how long the container ran, from the engine's own clock.
func ranFor(st *container.State) (time.Duration, bool) {
	if st == nil {
		return 0, false
	}
	start, err1 := time.Parse(time.RFC3339Nano, st.StartedAt)
	end, err2 := time.Parse(time.RFC3339Nano, st.FinishedAt)
	if err1 != nil || err2 != nil || end.Before(start) || start.Year() < 2000 {
		return 0, false
	}
	return end.Sub(start), true
}

// orDefault returns d, or fallback when d is not positive.
func orDefault(d, fallback time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return fallback
}
