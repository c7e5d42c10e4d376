package validate

import (
	"context"
	"encoding/json"
	"slices"
	"time"
)

// Report payloads. Their JSON field names are an API (dashboards read
// validation_reports.report_data): a test pins them.
type (
	lintReport struct {
		Findings  []Finding `json:"findings"`
		Errors    int       `json:"errors"`
		Warnings  int       `json:"warnings"`
		LintError string    `json:"lint_error,omitempty"`
	}
	buildLogReport struct {
		Log            string `json:"log"`
		Truncated      bool   `json:"truncated"`
		LogBytes       int64  `json:"log_bytes"`
		ImageID        string `json:"image_id"`
		ImageSizeBytes int64  `json:"image_size_bytes"`
		FailedStep     string `json:"failed_step"`
		TimedOut       bool   `json:"timed_out"`
		DurationMS     int64  `json:"duration_ms"`
	}
	containerLogReport struct {
		Stdout          string `json:"stdout"`
		Stderr          string `json:"stderr"`
		StdoutTruncated bool   `json:"stdout_truncated"`
		StderrTruncated bool   `json:"stderr_truncated"`
		// StdoutBytes and StderrBytes count what the container printed
		// in all (0 when the engine does not tell).
		StdoutBytes    int64  `json:"stdout_bytes"`
		StderrBytes    int64  `json:"stderr_bytes"`
		ExitCode       int    `json:"exit_code"`
		TimedOut       bool   `json:"timed_out"`
		OOMKilled      bool   `json:"oom_killed"`
		DurationMS     int64  `json:"duration_ms"`
		TestInput      string `json:"test_input"`
		GPUCheckOutput string `json:"gpu_check_output,omitempty"`
	}
	performanceReport struct {
		StepsMS        map[Step]int64 `json:"steps_ms"`
		TotalMS        int64          `json:"total_ms"`
		ImageSizeBytes int64          `json:"image_size_bytes"`
	}
	errorReport struct {
		Status         Status    `json:"status"`
		Rule           string    `json:"rule"`
		Message        string    `json:"message"`
		Evidence       []string  `json:"evidence"`
		Findings       []Finding `json:"findings"`
		Infrastructure bool      `json:"infrastructure_error"`
		CleanupError   string    `json:"cleanup_error,omitempty"`
	}
	remediationReport struct {
		Rule string `json:"rule"`
		Text string `json:"text"`
	}
)

// finish removes the image (unless KeepImages), decides the verdict and
// builds the record with its reports.
func (rr *repoRun) finish() Record {
	rr.removeImage()
	v := decide(rr.ev)
	rec := rr.rec
	rec.Status = v.status
	rec.Rule = v.rule
	rec.ErrorMessage = clip(v.message, 2000)
	rec.Remediation = cleanText(v.remediation)
	rec.Infrastructure = v.infra
	rec.BuildSuccess = rec.Build != nil && rec.Build.Success
	rec.ContainerExecutionSuccess = rr.ev.run != nil && !rr.ev.run.TimedOut && rr.ev.run.ExitCode == 0
	rec.GPU.Available = rr.gpu.Present
	rec.GPU.Used = rr.gpuUsed() && rr.ev.run != nil
	rec.GPU.Required = rr.ev.gpuNeed
	rec.GPU.HostCUDA = rr.ev.hostCUDA
	rec.GPU.AllowedCUDA = nonNil(rr.ev.allowedCUDA)
	rec.LintFindings = cleanFindings(rec.LintFindings)
	rec.Findings = cleanFindings(v.findings)
	finished := time.Now()
	rec.FinishedAt = finished.UTC()
	rec.DurationMS = finished.Sub(rr.start).Milliseconds()
	rec.Reports = rr.reports(rec, v)
	rr.opts.Progress(Event{Time: finished, Repo: rr.name, Kind: EventDone, Status: rec.Status,
		Elapsed: finished.Sub(rr.start), Message: clip(v.message, 200)})
	return rec
}

// removeImage removes the repository's image unless KeepImages, even when
// the run is being cancelled.
func (rr *repoRun) removeImage() {
	if rr.imageID == "" || rr.opts.KeepImages {
		return
	}
	t := rr.begin(StepCleanup)
	cctx, cancel := context.WithTimeout(context.WithoutCancel(rr.parent), finishTimeout)
	rr.cleanup = rr.p.Engine.RemoveImage(cctx, rr.imageID)
	cancel()
	rr.end(StepCleanup, t)
	if rr.cleanup != nil {
		rr.opts.Logger.Warn("remove image", "run_id", rr.run.ID, "repo", rr.name, "image", rr.imageID, "error", rr.cleanup)
	}
}

func (rr *repoRun) reports(rec Record, v verdict) []Report {
	var out []Report
	add := func(t ReportType, data any) {
		b, err := json.Marshal(data)
		if err != nil {
			rr.opts.Logger.Error("encode report", "run_id", rr.run.ID, "repo", rr.name, "report", t, "error", err)
			return
		}
		out = append(out, Report{Type: t, Data: b})
	}
	if slices.ContainsFunc(rec.Steps, func(t StepTiming) bool { return t.Step == StepLint }) {
		lr := lintReport{Findings: rec.LintFindings}
		for _, f := range rec.LintFindings {
			switch f.Severity {
			case SeverityError:
				lr.Errors++
			case SeverityWarning:
				lr.Warnings++
			}
		}
		if rr.lintErr != nil {
			lr.LintError = clip(rr.lintErr.Error(), 2000)
		}
		add(ReportLintFindings, lr)
	}
	if b := rr.ev.build; b != nil {
		add(ReportBuildLog, buildLogReport{
			Log: b.Log, Truncated: rr.buildCut, LogBytes: b.LogBytes, ImageID: b.ImageID, ImageSizeBytes: b.SizeBytes,
			FailedStep: cleanText(b.FailedStep), TimedOut: rr.ev.buildTimedOut, DurationMS: b.Duration.Milliseconds(),
		})
	}
	if x := rr.ev.run; x != nil {
		cl := containerLogReport{
			Stdout: x.Stdout, Stderr: x.Stderr, StdoutTruncated: rr.stdoutCut, StderrTruncated: rr.stderrCut,
			StdoutBytes: x.StdoutBytes, StderrBytes: x.StderrBytes,
			ExitCode: x.ExitCode, TimedOut: x.TimedOut, OOMKilled: x.OOMKilled,
			DurationMS: x.Duration.Milliseconds(), TestInput: rr.input.source,
		}
		if g := rr.ev.gpuCheck; g != nil {
			cl.GPUCheckOutput = g.Stdout + g.Stderr
		}
		add(ReportContainerLog, cl)
	}
	perf := performanceReport{StepsMS: map[Step]int64{}, TotalMS: rec.DurationMS}
	for _, s := range rec.Steps {
		perf.StepsMS[s.Step] += s.DurationMS
	}
	if b := rec.Build; b != nil {
		perf.ImageSizeBytes = b.ImageSizeBytes
	}
	add(ReportPerformance, perf)
	if rec.Status != StatusSuccess || rr.cleanup != nil {
		er := errorReport{Status: rec.Status, Rule: rec.Rule, Message: rec.ErrorMessage,
			Evidence: make([]string, 0, len(v.evidence)), Findings: rec.Findings, Infrastructure: v.infra}
		for _, e := range v.evidence {
			er.Evidence = append(er.Evidence, clip(e, 1000))
		}
		if rr.cleanup != nil {
			er.CleanupError = clip(rr.cleanup.Error(), 1000)
		}
		add(ReportErrorDetails, er)
	}
	if rec.Remediation != "" {
		add(ReportRemediation, remediationReport{Rule: rec.Rule, Text: rec.Remediation})
	}
	return out
}

func cleanFindings(fs []Finding) []Finding {
	out := make([]Finding, len(fs))
	for i, f := range fs {
		f.File = cleanText(f.File)
		f.Message = clip(f.Message, 2000)
		f.Remediation = cleanText(f.Remediation)
		out[i] = f
	}
	return out
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
