package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/spf13/cobra"

	"github.com/runpod-workers/janitor/pkg/iostreams"
	"github.com/runpod-workers/janitor/pkg/lint"
	"github.com/runpod-workers/janitor/pkg/repo"
	"github.com/runpod-workers/janitor/pkg/spool"
	"github.com/runpod-workers/janitor/pkg/store"
	"github.com/runpod-workers/janitor/pkg/tableprinter"
	"github.com/runpod-workers/janitor/pkg/validate"
)

type lintOptions struct {
	f              *Factory
	repos          []string
	output         string
	failOn         lint.Severity
	ignore         []string
	showSuppressed bool
	store          bool
}

func newLintCmd(f *Factory) *cobra.Command {
	opts := &lintOptions{f: f}
	var failOn string
	cmd := &cobra.Command{
		Use:   "lint <path|owner/name|git-url> ...",
		Short: "Check worker repositories statically, before anything is built",
		Long: `Check worker repositories against janitor's rule catalogue (JW001-JW037, see
docs/rules.md) in milliseconds, without building or running anything: the
Dockerfile, the handler it starts, test_input.json and the RunPod Hub files.

Local directories are read in place; owner/name, bare names (in --organization)
and git URLs are cloned shallow first (GITHUB_TOKEN authenticates).

Findings are suppressed by the repository's .janitor.yaml (ignore: [JW007]) or
--ignore. Exit status: 0 when no finding reaches --fail-on, 3 when one does,
1 when a repository could not be linted at all.`,
		Example: `  janitor lint .
  janitor lint runpod-workers/worker-basic worker-vllm@v2.1.0 --fail-on warning
  janitor lint ./my-worker --ignore JW007 --show-suppressed
  janitor lint ./my-worker -o sarif > lint.sarif`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usageErrorf("name at least one repository: a directory, owner/name or a git URL")
			}
			switch opts.output {
			case "table", "json", "sarif":
			default:
				return usageErrorf("--output must be table, json or sarif, not %q", opts.output)
			}
			sev, err := lint.ParseSeverity(failOn)
			if err != nil {
				return usageErrorf("--fail-on: %v", err)
			}
			opts.failOn = sev
			for _, id := range opts.ignore {
				if !lint.KnownID(strings.ToUpper(strings.TrimSpace(id))) {
					return usageErrorf("--ignore %s: unknown rule ID (rule IDs are JW001-JW037, see docs/rules.md)", id)
				}
			}
			opts.repos = args
			return runLint(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&opts.output, "output", "o", "table", "output format: table, json or sarif")
	fl.StringVar(&failOn, "fail-on", "error", "lowest severity that fails: error, warning or info")
	fl.StringSliceVar(&opts.ignore, "ignore", nil, "rule IDs to suppress, e.g. JW007 (repeatable)")
	fl.BoolVar(&opts.showSuppressed, "show-suppressed", false, "list suppressed findings too")
	fl.BoolVar(&opts.store, "store", false, "record the findings in the results database (a lint run)")
	return cmd
}

func runLint(ctx context.Context, opts *lintOptions) error {
	f := opts.f
	cfg, err := f.Config()
	if err != nil {
		return err
	}
	started := f.Now()
	co := repo.CheckoutOptions{
		WorkDir:   filepath.Join(cfg.DataDir, "work", "lint"),
		Token:     os.Getenv("GITHUB_TOKEN"),
		TokenHost: hostOf(cfg.GitHubURL),
	}
	results := make([]lint.Result, 0, len(opts.repos))
	refs := make([]repo.Ref, 0, len(opts.repos))
	for _, arg := range opts.repos {
		res, ref := lintOne(ctx, arg, repo.ParseOptions{DefaultOrg: cfg.Organization, BaseURL: cfg.GitHubURL}, co, opts.ignore)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		results = append(results, res)
		refs = append(refs, ref)
	}
	if err := printLint(f, results, opts); err != nil {
		return err
	}
	if opts.store {
		if err := storeLint(ctx, f, results, refs, opts.failOn, started); err != nil {
			return err
		}
	}
	for _, r := range results {
		if r.Err != nil {
			return withExitCode(ExitError, nil)
		}
	}
	for _, r := range results {
		if r.Failed(opts.failOn) {
			return withExitCode(ExitFailed, nil)
		}
	}
	return nil
}

// lintOne checks out and lints one repository argument; what goes wrong
// is kept in the result, so the other repositories are still linted.
func lintOne(ctx context.Context, arg string, po repo.ParseOptions, co repo.CheckoutOptions, ignore []string) (lint.Result, repo.Ref) {
	res := lint.Result{Repository: arg}
	ref, err := repo.Parse(arg, po)
	if err != nil {
		res.Err = err
		return res, ref
	}
	if ref.IsRemote() {
		res.Repository = ref.String()
	}
	out, err := ref.Checkout(ctx, co)
	if err != nil {
		res.Err = err
		return res, ref
	}
	res.CommitSHA = out.CommitSHA
	res.Report, res.Err = lint.Run(ctx, out.Dir, lint.Options{Ignore: ignore})
	return res, ref
}

// hostOf returns the host of the configured git base URL, the only host
// GITHUB_TOKEN is sent to.
func hostOf(base string) string {
	u, err := url.Parse(base)
	if err != nil || u.Host == "" {
		return "github.com"
	}
	return u.Host
}

// printLint writes the results in the chosen format. Summary lines go to
// stdout with a table on a terminal and to stderr otherwise, so that piped
// rows and JSON stay clean.
func printLint(f *Factory, results []lint.Result, opts *lintOptions) error {
	io := f.IO
	summaries := io.ErrOut
	switch opts.output {
	case "json":
		if err := lint.WriteJSON(io.Out, results, opts.failOn); err != nil {
			return err
		}
	case "sarif":
		if err := lint.WriteSARIF(io.Out, results, f.Version); err != nil {
			return err
		}
	default:
		if !io.IsStdoutTTY() {
			if err := lintRows(f, results, opts.showSuppressed); err != nil {
				return err
			}
			break
		}
		for i, r := range results {
			if i > 0 {
				fmt.Fprintln(io.Out)
			}
			if err := lintTable(f, r, opts); err != nil {
				return err
			}
		}
		return nil
	}
	for _, r := range results {
		fmt.Fprintln(summaries, r.SummaryLine(opts.failOn))
	}
	return nil
}

// lintTable shows one repository on a terminal: a title, the findings with
// the fix under each, and the summary line.
func lintTable(f *Factory, r lint.Result, opts *lintOptions) error {
	io := f.IO
	cs := io.ColorScheme()
	title := r.Repository
	if r.CommitSHA != "" {
		title += " @ " + r.CommitSHA[:min(12, len(r.CommitSHA))]
	}
	fmt.Fprintln(io.Out, cs.Bold(title))
	if r.Report != nil {
		rows := r.Report.Findings
		if opts.showSuppressed {
			rows = append(append([]lint.Finding{}, rows...), r.Report.Suppressed...)
		}
		if len(rows) > 0 {
			tp := tableprinter.New(io.Out, true)
			tp.Header("severity", "rule", "location", "message")
			for i, fd := range rows {
				sev := severityCell(cs, fd.Severity)
				if i >= len(r.Report.Findings) {
					sev = cs.Gray("(" + fd.Severity.String() + ")")
				}
				tp.Row(sev, fd.RuleID, orDash(fd.Location()), fd.Message)
				if fd.Remediation != "" {
					tp.Row("", "", "", cs.Gray("fix: "+fd.Remediation))
				}
			}
			if err := tp.Render(); err != nil {
				return err
			}
		}
	}
	line := r.SummaryLine(opts.failOn)
	if r.Failed(opts.failOn) {
		line = cs.Red(line)
	} else {
		line = cs.Green(line)
	}
	_, err := fmt.Fprintln(io.Out, line)
	return err
}

// lintRows writes one tab-separated row per finding for scripts:
// repository, severity, rule, location, message, remediation, and
// "reported" or "suppressed".
func lintRows(f *Factory, results []lint.Result, showSuppressed bool) error {
	tp := tableprinter.New(f.IO.Out, false)
	for _, r := range results {
		if r.Report == nil {
			continue
		}
		for _, fd := range r.Report.Findings {
			tp.Row(r.Repository, fd.Severity.String(), fd.RuleID, fd.Location(), fd.Message, fd.Remediation, "reported")
		}
		if showSuppressed {
			for _, fd := range r.Report.Suppressed {
				tp.Row(r.Repository, fd.Severity.String(), fd.RuleID, fd.Location(), fd.Message, fd.Remediation, "suppressed")
			}
		}
	}
	return tp.Render()
}

func severityCell(cs iostreams.ColorScheme, s lint.Severity) string {
	switch s {
	case lint.Error:
		return cs.Red(s.String())
	case lint.Warning:
		return cs.Yellow(s.String())
	}
	return s.String()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// lintFindingsReport is the lint_findings report a lint run stores, the
// same shape validate stores for its lint step, plus the suppressed count.
type lintFindingsReport struct {
	Findings   []validate.Finding `json:"findings"`
	Errors     int                `json:"errors"`
	Warnings   int                `json:"warnings"`
	Suppressed int                `json:"suppressed"`
	LintError  string             `json:"lint_error,omitempty"`
}

// storeLint records the results as one run of lint validations
// (validation_type lint) through the same spooled sink validate uses, so a
// database that is down keeps them until janitor db-flush.
func storeLint(ctx context.Context, f *Factory, results []lint.Result, refs []repo.Ref, failOn lint.Severity, started time.Time) error {
	cfg, err := f.Config()
	if err != nil {
		return err
	}
	sp, err := openSpool(f)
	if err != nil {
		return err
	}
	sink := sp.Wrap(storeSink{db: f.DB, version: f.Version}, spool.Options{Logger: f.Logger()})
	defer sink.Close()
	run := validate.Run{ID: uuid.NewString(), Environment: cfg.Env, InstanceID: f.InstanceID(ctx), StartedAt: started, Status: validate.RunRunning}
	for _, r := range results {
		run.Repositories = append(run.Repositories, r.Repository)
	}
	if err := sink.RunStart(ctx, run); err != nil {
		return fmt.Errorf("record lint run: %w", err)
	}
	for i, r := range results {
		rec, err := lintRecord(run, r, refs[i], failOn, f.Now())
		if err != nil {
			return err
		}
		if err := sink.ValidationRecord(ctx, rec); err != nil {
			return fmt.Errorf("record lint result of %s: %w", r.Repository, err)
		}
	}
	if err := sink.RunFinish(ctx, validate.RunFinish{RunID: run.ID, Status: validate.RunCompleted, CompletedAt: f.Now()}); err != nil {
		return fmt.Errorf("finish lint run: %w", err)
	}
	if err := sink.Close(); err != nil {
		return fmt.Errorf("close the result spool: %w", err)
	}
	if pending, _, err := sp.Pending(); err == nil && len(pending) > 0 {
		fmt.Fprintf(f.IO.ErrOut, "the results database was unreachable: results are kept in %s; `janitor db-flush` writes them\n", sp.Dir())
		return nil
	}
	fmt.Fprintf(f.IO.ErrOut, "stored lint run %s\n", run.ID)
	return nil
}

// lintRecord maps one repository's lint result onto a validation record:
// success unless a finding reaches failOn, skipped when it could not be
// linted.
func lintRecord(run validate.Run, r lint.Result, ref repo.Ref, failOn lint.Severity, now time.Time) (validate.Record, error) {
	org, name := ref.Org, ref.Name
	if org == "" {
		org = validate.LocalOrg
	}
	if name == "" {
		name = r.Repository
	}
	rec := validate.Record{
		ID: uuid.NewString(), RunID: run.ID, Repository: name, Organization: org, Source: ref.URL + ref.Path,
		Ref: ref.Ref, Commit: r.CommitSHA, Status: validate.StatusSuccess, ValidationType: store.TypeLint,
		StartedAt: run.StartedAt, FinishedAt: now, DurationMS: now.Sub(run.StartedAt).Milliseconds(),
	}
	report := lintFindingsReport{Findings: []validate.Finding{}}
	switch {
	case r.Err != nil:
		rec.Status, rec.Infrastructure = validate.StatusSkipped, true
		rec.ErrorMessage = r.Err.Error()
		report.LintError = r.Err.Error()
	default:
		var worst *lint.Finding
		for i, fd := range r.Report.Findings {
			report.Findings = append(report.Findings, validate.Finding{Rule: fd.RuleID, Severity: validate.Severity(fd.Severity.String()),
				File: fd.File, Line: fd.Line, Message: fd.Message, Remediation: fd.Remediation})
			if worst == nil || fd.Severity > worst.Severity {
				worst = &r.Report.Findings[i]
			}
		}
		if worst != nil && worst.Severity >= failOn {
			rec.Status, rec.Rule, rec.ErrorMessage, rec.Remediation = validate.StatusFailed, worst.RuleID, worst.Message, worst.Remediation
		}
		s := r.Report.Summary()
		report.Errors, report.Warnings, report.Suppressed = s.Errors, s.Warnings, s.Suppressed
		rec.LintFindings = report.Findings
	}
	data, err := json.Marshal(report)
	if err != nil {
		return rec, fmt.Errorf("encode the lint_findings report: %w", err)
	}
	rec.Reports = []validate.Report{{Type: validate.ReportLintFindings, Data: data}}
	return rec, nil
}
