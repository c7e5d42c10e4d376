package lint

import (
	"encoding/json"
	"fmt"
	"io"
)

// Result is one repository's lint outcome as the renderers show it.
type Result struct {
	// Repository names the repository as the user gave it (a directory,
	// owner/name or a URL).
	Repository string
	// CommitSHA is the commit linted, "" when not a git checkout.
	CommitSHA string
	// Err is set when janitor could not lint the repository at all
	// (clone failed, directory missing); Report is nil then.
	Err    error
	Report *Report
}

// Failed reports whether the repository fails at the threshold: it could
// not be linted, or a finding reaches the threshold.
func (r Result) Failed(threshold Severity) bool {
	return r.Err != nil || (r.Report != nil && r.Report.Fails(threshold))
}

// SummaryLine is the one-line verdict printed for each repository, e.g.
// "worker-a: 1 error, 2 warnings, 0 info, 1 suppressed: fail".
func (r Result) SummaryLine(threshold Severity) string {
	if r.Err != nil {
		return fmt.Sprintf("%s: not linted: %v", r.Repository, r.Err)
	}
	s := r.Report.Summary()
	verdict := "pass"
	if r.Report.Fails(threshold) {
		verdict = "fail"
	}
	return fmt.Sprintf("%s: %s, %s, %d info, %d suppressed: %s", r.Repository,
		plural(s.Errors, "error"), plural(s.Warnings, "warning"), s.Infos, s.Suppressed, verdict)
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// JSON output: the field names are an API, pinned by a test.
type jsonOutput struct {
	FailOn       Severity     `json:"fail_on"`
	Passed       bool         `json:"passed"`
	Repositories []jsonResult `json:"repositories"`
}

type jsonResult struct {
	Repository string    `json:"repository"`
	CommitSHA  string    `json:"commit_sha"`
	Error      string    `json:"error"`
	Passed     bool      `json:"passed"`
	Summary    Summary   `json:"summary"`
	Findings   []Finding `json:"findings"`
	Suppressed []Finding `json:"suppressed"`
	Facts      *Facts    `json:"facts"`
}

// WriteJSON writes the results as one JSON document: lists are [] when
// empty, never null; facts is null for a repository that was not linted.
func WriteJSON(w io.Writer, results []Result, failOn Severity) error {
	out := jsonOutput{FailOn: failOn, Passed: true, Repositories: []jsonResult{}}
	for _, r := range results {
		jr := jsonResult{Repository: r.Repository, CommitSHA: r.CommitSHA, Passed: !r.Failed(failOn), Findings: []Finding{}, Suppressed: []Finding{}}
		if r.Err != nil {
			jr.Error = r.Err.Error()
		}
		if r.Report != nil {
			jr.Summary = r.Report.Summary()
			jr.Findings = append(jr.Findings, r.Report.Findings...)
			jr.Suppressed = append(jr.Suppressed, r.Report.Suppressed...)
			facts := r.Report.Facts
			facts.normalize()
			jr.Facts = &facts
		}
		out.Passed = out.Passed && jr.Passed
		out.Repositories = append(out.Repositories, jr)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		return fmt.Errorf("write JSON: %w", err)
	}
	return nil
}
