package cli

import (
	"context"
	"strings"

	"github.com/runpod-workers/janitor/pkg/docker"
	"github.com/runpod-workers/janitor/pkg/gpu"
	"github.com/runpod-workers/janitor/pkg/lint"
	"github.com/runpod-workers/janitor/pkg/repo"
	"github.com/runpod-workers/janitor/pkg/validate"
)

// validateEngine lets the validate pipeline drive the Docker adapter. The
// two sides are kept apart on purpose: pkg/validate knows no Docker types.
type validateEngine struct{ e *docker.Engine }

func (a validateEngine) Build(ctx context.Context, r validate.BuildRequest) (validate.BuildResult, error) {
	res, err := a.e.Build(ctx, docker.BuildRequest{
		ContextDir: r.ContextDir, Dockerfile: r.Dockerfile, Tags: r.Tags, BuildArgs: r.BuildArgs,
		Labels: r.Labels, Platform: r.Platform, Timeout: r.Timeout, Progress: r.Progress, LogLimit: r.LogLimit,
	})
	return validate.BuildResult{
		ImageID: res.ImageID, SizeBytes: res.SizeBytes, Workdir: res.Workdir, Duration: res.Duration,
		Failed: res.Failed, TimedOut: res.TimedOut, FailedStep: res.FailedStep, Error: res.Error, Log: res.Log,
		LogBytes: res.LogBytes,
	}, err
}

func (a validateEngine) Run(ctx context.Context, r validate.RunRequest) (validate.RunResult, error) {
	mounts := make([]docker.Mount, len(r.Mounts))
	for i, m := range r.Mounts {
		// The adapter mounts read-only always, which is what validate asks for.
		mounts[i] = docker.Mount{Source: m.Source, Target: m.Target}
	}
	res, err := a.e.Run(ctx, docker.RunRequest{
		Image: r.Image, Entrypoint: r.Entrypoint, Cmd: r.Cmd, Env: r.Env, Mounts: mounts, Labels: r.Labels,
		Init: r.Init, MemoryBytes: r.MemoryBytes, NanoCPUs: r.NanoCPUs, PidsLimit: r.PidsLimit, GPUs: r.GPUs,
		Timeout: r.Timeout, StopGrace: r.StopGrace, OutputLimit: r.OutputLimit,
	})
	return validate.RunResult{
		ExitCode: res.ExitCode, TimedOut: res.TimedOut, OOMKilled: res.OOMKilled, Duration: res.Duration,
		StartError: res.StartError, Stdout: res.Stdout, Stderr: res.Stderr,
		StdoutBytes: res.StdoutBytes, StderrBytes: res.StderrBytes,
	}, err
}

func (a validateEngine) RemoveImage(ctx context.Context, id string) error {
	return a.e.RemoveImage(ctx, id)
}

func (a validateEngine) Cleanup(ctx context.Context, runID string) error {
	_, err := a.e.Cleanup(ctx, runID)
	return err
}

// hostGPU detects the host's GPU with nvidia-smi.
type hostGPU struct{}

func (hostGPU) Detect(ctx context.Context) (validate.GPUInfo, error) {
	h, err := gpu.Detect(ctx)
	if err != nil {
		return validate.GPUInfo{}, err
	}
	info := validate.GPUInfo{Present: h.Available, Driver: h.DriverVersion, CUDAVersion: h.CUDAVersion, Names: []string{}}
	for _, d := range h.Devices {
		info.Names = append(info.Names, d.Name)
	}
	return info, nil
}

// repoCheckouter clones remote repositories with go-git and uses local
// ones in place.
type repoCheckouter struct{ token, tokenHost string }

func (c repoCheckouter) Checkout(ctx context.Context, r validate.Repo, dir string) (validate.Checkout, error) {
	ref := repo.Ref{Org: r.Org, Name: r.Name, URL: r.URL, Path: r.Path, Ref: r.Ref}
	co, err := ref.Checkout(ctx, repo.CheckoutOptions{WorkDir: dir, Token: c.token, TokenHost: c.tokenHost})
	if err != nil {
		return validate.Checkout{}, err
	}
	return validate.Checkout{Dir: co.Dir, Commit: co.CommitSHA}, nil
}

// repoLinter runs the rule catalogue and hands validate the facts it needs.
type repoLinter struct{ ignore []string }

func (l repoLinter) Lint(ctx context.Context, dir string) (validate.LintReport, error) {
	rep, err := lint.Run(ctx, dir, lint.Options{Ignore: l.ignore})
	if err != nil {
		return validate.LintReport{}, err
	}
	return lintReport(rep), nil
}

func lintReport(rep *lint.Report) validate.LintReport {
	fa := rep.Facts
	out := validate.LintReport{Facts: validate.Facts{
		Dockerfile:          fa.Dockerfile,
		Workdir:             fa.Workdir,
		RunDir:              runDir(fa.RunDir, fa.Workdir),
		HandlerPath:         fa.Handler,
		HandlerKind:         validate.HandlerKind(fa.HandlerKind),
		TestInputPath:       fa.TestInput,
		TestsCase:           fa.TestsInput,
		TestsCaseName:       fa.TestsName,
		GPULikely:           fa.GPULikely,
		GPUEvidence:         strings.Join(fa.GPUEvidence, "; "),
		AllowedCUDAVersions: fa.AllowedCUDAVersions,
	}}
	if fa.HandlerKind == "unknown" {
		out.Facts.HandlerKind = validate.HandlerUnknown
	}
	if len(fa.TestsEnv) > 0 {
		out.Facts.Env = make(map[string]string, len(fa.TestsEnv))
		for _, e := range fa.TestsEnv {
			out.Facts.Env[e.Key] = e.Value
		}
	}
	for _, f := range rep.Findings {
		out.Findings = append(out.Findings, validate.Finding{
			Rule: f.RuleID, Severity: validate.Severity(f.Severity.String()), File: f.File, Line: f.Line,
			Message: f.Message, Remediation: f.Remediation,
		})
	}
	return out
}

// runDir is lint's run-time directory when a start script moves away from
// the WORKDIR, else "".
func runDir(run, workdir string) string {
	if run == "" || run == workdir {
		return ""
	}
	return run
}
