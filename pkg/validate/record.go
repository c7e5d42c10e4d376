package validate

import (
	"encoding/json"
	"fmt"
	"time"
)

// RunStatus is the state of a validation run (validation_runs.status).
type RunStatus string

// Run states.
const (
	RunRunning   RunStatus = "running"
	RunCompleted RunStatus = "completed"
	RunFailed    RunStatus = "failed"
	RunCancelled RunStatus = "cancelled"
)

// Run is one invocation of the pipeline (a validation_runs row).
type Run struct {
	// ID is a client-generated UUID, the idempotency key of the run.
	ID          string `json:"run_id"`
	Environment string `json:"environment"`
	InstanceID  string `json:"instance_id"`
	// Repositories lists the repositories in the order given.
	Repositories []string  `json:"repositories"`
	ReposFile    string    `json:"repos_file_path"`
	StartedAt    time.Time `json:"started_at"`
	Status       RunStatus `json:"status"`
}

// RunFinish ends a run.
type RunFinish struct {
	RunID       string    `json:"run_id"`
	Status      RunStatus `json:"status"`
	CompletedAt time.Time `json:"completed_at"`
	// Error says why a run failed or was cancelled; empty otherwise.
	Error string `json:"error"`
}

// Status is the verdict on one repository
// (repository_validations.validation_status).
type Status string

// Verdicts.
const (
	StatusSuccess      Status = "success"
	StatusFailed       Status = "failed"
	StatusSkipped      Status = "skipped"
	StatusInconclusive Status = "inconclusive"
)

// ValidationType is the only validation_type the pipeline writes.
const ValidationType = "docker_validation"

// Record is the whole story of one repository in a run: a
// repository_validations row plus its validation_reports.
type Record struct {
	// ID is a client-generated UUID, the idempotency key of the record.
	ID           string `json:"id"`
	RunID        string `json:"run_id"`
	Repository   string `json:"repository_name"`
	Organization string `json:"organization"`
	// Source is the clone URL or the local path.
	Source         string `json:"source"`
	Ref            string `json:"ref"`
	Commit         string `json:"commit"`
	Status         Status `json:"validation_status"`
	ValidationType string `json:"validation_type"`

	BuildSuccess              bool `json:"build_success"`
	ContainerExecutionSuccess bool `json:"container_execution_success"`
	GPUAvailable              bool `json:"gpu_available"`
	CUDADetected              bool `json:"cuda_detected"`

	// Rule is the rule ID that decided the verdict ("" for success).
	Rule         string `json:"rule"`
	ErrorMessage string `json:"error_message"`
	Remediation  string `json:"remediation"`
	// Infrastructure is set when janitor could not do its job for this
	// repository (the engine could not be asked), as opposed to the
	// repository failing.
	Infrastructure bool `json:"infrastructure_error"`

	StartedAt  time.Time `json:"started_at"`
	FinishedAt time.Time `json:"finished_at"`
	DurationMS int64     `json:"duration_ms"`

	// Build and Run are nil when the step was not attempted.
	Build *BuildOutcome `json:"build"`
	Run   *RunOutcome   `json:"run"`
	GPU   GPUOutcome    `json:"gpu"`
	// Steps are the timed steps in the order they ran.
	Steps []StepTiming `json:"steps"`
	// LintFindings are the static findings; Findings the dynamic ones
	// (JW040-JW049) this run produced.
	LintFindings []Finding `json:"lint_findings"`
	Findings     []Finding `json:"findings"`
	Reports      []Report  `json:"reports"`
}

// ExecutionTimeSeconds is the duration rounded to whole seconds
// (repository_validations.execution_time_seconds).
func (r Record) ExecutionTimeSeconds() int {
	return int((r.DurationMS + 500) / 1000)
}

// BuildOutcome is the build step's evidence.
type BuildOutcome struct {
	Success        bool   `json:"success"`
	TimedOut       bool   `json:"timed_out"`
	ImageID        string `json:"image_id"`
	ImageSizeBytes int64  `json:"image_size_bytes"`
	FailedStep     string `json:"failed_step"`
	DurationMS     int64  `json:"duration_ms"`
}

// RunOutcome is the run step's evidence.
type RunOutcome struct {
	ExitCode  int  `json:"exit_code"`
	TimedOut  bool `json:"timed_out"`
	OOMKilled bool `json:"oom_killed"`
	// TestInput says where the test input came from
	// ("test_input.json", ".runpod/tests.json#<case>", a repos.yaml file).
	TestInput  string `json:"test_input"`
	DurationMS int64  `json:"duration_ms"`
}

// GPUOutcome is the GPU step's evidence.
type GPUOutcome struct {
	// Available is whether the host has a GPU (or --gpu on says so).
	Available bool `json:"available"`
	// Used is whether the container ran with the GPUs.
	Used bool `json:"used"`
	// Required is why the repository needs a GPU; empty when it does not.
	Required string `json:"required"`
	// Check is the nvidia-smi check inside the container: "ok", "failed"
	// or "" when it did not run.
	Check       string   `json:"check"`
	HostCUDA    string   `json:"host_cuda"`
	AllowedCUDA []string `json:"allowed_cuda"`
}

// StepTiming is how long one step took.
type StepTiming struct {
	Step       Step  `json:"step"`
	DurationMS int64 `json:"duration_ms"`
}

// Severity is a finding's weight.
type Severity string

// Severities.
const (
	SeverityError   Severity = "error"
	SeverityWarning Severity = "warning"
	SeverityInfo    Severity = "info"
)

// Finding is one rule's result, static (from the linter) or dynamic (from
// the pipeline).
type Finding struct {
	Rule        string   `json:"rule"`
	Severity    Severity `json:"severity"`
	File        string   `json:"file"`
	Line        int      `json:"line"`
	Message     string   `json:"message"`
	Remediation string   `json:"remediation"`
}

// ReportType is validation_reports.report_type.
type ReportType string

// Report types.
const (
	ReportBuildLog     ReportType = "build_log"
	ReportContainerLog ReportType = "container_log"
	ReportLintFindings ReportType = "lint_findings"
	ReportPerformance  ReportType = "performance_metrics"
	ReportErrorDetails ReportType = "error_details"
	ReportRemediation  ReportType = "remediation"
)

// Report is one validation_reports row; Data is a JSON object, safe for
// JSONB (no NUL, valid UTF-8, bounded by Options.LogLimit).
type Report struct {
	Type ReportType      `json:"report_type"`
	Data json.RawMessage `json:"report_data"`
}

// Row is one line of the final table, formatted for people.
type Row struct {
	Repo     string
	Verdict  string
	Build    string
	Run      string
	GPU      string
	Duration string
}

// Row formats the record for the final table.
func (r Record) Row() Row {
	row := Row{
		Repo:     r.Organization + "/" + r.Repository,
		Verdict:  string(r.Status),
		Build:    "-",
		Run:      "-",
		GPU:      "-",
		Duration: ms(r.DurationMS).String(),
	}
	if b := r.Build; b != nil {
		switch {
		case b.Success:
			row.Build = "ok " + ms(b.DurationMS).String()
		case b.TimedOut:
			row.Build = "timeout " + ms(b.DurationMS).String()
		default:
			row.Build = "failed " + ms(b.DurationMS).String()
		}
	}
	if x := r.Run; x != nil {
		switch {
		case x.TimedOut:
			row.Run = "timeout " + ms(x.DurationMS).String()
		case x.OOMKilled:
			row.Run = "oom " + ms(x.DurationMS).String()
		default:
			row.Run = fmt.Sprintf("exit %d %s", x.ExitCode, ms(x.DurationMS))
		}
	}
	switch {
	case !r.GPU.Available:
		row.GPU = "none"
	case r.GPU.Check == "failed":
		row.GPU = "not visible"
	case r.GPU.Check == "ok" && r.GPU.HostCUDA != "":
		row.GPU = "ok CUDA " + r.GPU.HostCUDA
	case r.GPU.Check == "ok":
		row.GPU = "ok"
	}
	return row
}

// ms turns milliseconds into a duration rounded for display.
func ms(n int64) time.Duration {
	d := time.Duration(n) * time.Millisecond
	if d >= time.Second {
		return d.Round(100 * time.Millisecond)
	}
	return d
}
