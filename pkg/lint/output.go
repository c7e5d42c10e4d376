package lint

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
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

// TableOptions configure WriteTable.
type TableOptions struct {
	FailOn Severity
	// ShowSuppressed lists suppressed findings after the others.
	ShowSuppressed bool
	// Color marks severities with ANSI colours (for a terminal).
	Color bool
}

// WriteTable writes, per repository, a table of findings (severity, rule,
// location, message, and the fix below each) and the summary line.
func WriteTable(w io.Writer, results []Result, opts TableOptions) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for i, r := range results {
		if i > 0 {
			fmt.Fprintln(tw)
		}
		header := r.Repository
		if r.CommitSHA != "" {
			header += " @ " + r.CommitSHA[:min(12, len(r.CommitSHA))]
		}
		fmt.Fprintln(tw, header)
		if r.Report != nil {
			rows := r.Report.Findings
			if opts.ShowSuppressed {
				rows = append(append([]Finding{}, rows...), r.Report.Suppressed...)
			}
			if len(rows) > 0 {
				fmt.Fprintf(tw, "%s\tRULE\tLOCATION\tMESSAGE\n", paint("SEVERITY", 0, opts.Color))
			}
			for j, f := range rows {
				sev := f.Severity.String()
				if j >= len(r.Report.Findings) {
					sev = "(" + sev + ")" // suppressed
				}
				loc := f.Location()
				if loc == "" {
					loc = "-"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", paint(sev, f.Severity, opts.Color), f.RuleID, cell(loc), cell(f.Message))
				if f.Remediation != "" {
					fmt.Fprintf(tw, "%s\t\t\tfix: %s\n", paint("", 0, opts.Color), cell(f.Remediation))
				}
			}
		}
		fmt.Fprintln(tw, r.SummaryLine(opts.FailOn))
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write table: %w", err)
	}
	return nil
}

// cell keeps a value on one line and out of tabwriter's way.
func cell(s string) string { return strings.NewReplacer("\t", " ", "\n", " ", "\r", " ").Replace(s) }

// paint colours a severity cell. tabwriter counts escape codes as width,
// so every cell of the column (header and blank ones included) gets codes
// of the same length; sev 0 uses the default colour.
func paint(s string, sev Severity, color bool) string {
	if !color {
		return s
	}
	code := "39"
	switch sev {
	case Error:
		code = "31"
	case Warning:
		code = "33"
	case Info:
		code = "36"
	}
	return "\x1b[" + code + "m" + s + "\x1b[0m"
}
