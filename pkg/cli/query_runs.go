package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/runpod-workers/janitor/pkg/store"
	"github.com/runpod-workers/janitor/pkg/tableprinter"
)

type queryRunsOptions struct {
	f      *Factory
	limit  int
	status string
	output string
}

func newQueryRunsCmd(f *Factory) *cobra.Command {
	opts := &queryRunsOptions{f: f}
	cmd := &cobra.Command{
		Use:   "query-runs [--limit N] [--status S]",
		Short: "List recent validation runs",
		Long: `List recent validation runs, newest first: run ID, environment, start, duration,
status, and how many of its repositories passed.`,
		Example: `  janitor query-runs
  janitor query-runs --env prod --status failed --limit 5
  janitor query-runs -o json | jq '.[0].run_id'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkOutput(opts.output); err != nil {
				return err
			}
			switch opts.status {
			case "", store.RunRunning, store.RunCompleted, store.RunFailed, store.RunCancelled:
			default:
				return usageErrorf("--status must be running, completed, failed or cancelled, not %q", opts.status)
			}
			if opts.limit < 1 {
				return usageErrorf("--limit must be at least 1")
			}
			return runQueryRuns(cmd.Context(), opts)
		},
	}
	cmd.Flags().IntVarP(&opts.limit, "limit", "L", 20, "how many runs to list")
	cmd.Flags().StringVarP(&opts.status, "status", "s", "", "only runs with this status: running, completed, failed, cancelled")
	addOutputFlag(cmd, &opts.output)
	return cmd
}

// runRow is query-runs' JSON output; its field names are an API.
type runRow struct {
	store.RunSummary
	DurationMs *int64 `json:"duration_ms"`
}

func runQueryRuns(ctx context.Context, opts *queryRunsOptions) error {
	db, err := opts.f.DB(ctx, store.RoleReader)
	if err != nil {
		return err
	}
	runs, err := db.RunList(ctx, store.RunListParams{Status: opts.status, Limit: opts.limit})
	if err != nil {
		return err
	}
	io := opts.f.IO
	if opts.output == "json" {
		rows := make([]runRow, len(runs))
		for i, r := range runs {
			rows[i].RunSummary = r
			if r.CompletedAt != nil {
				ms := r.CompletedAt.Sub(r.StartedAt).Milliseconds()
				rows[i].DurationMs = &ms
			}
		}
		return writeJSON(io.Out, rows)
	}
	if len(runs) == 0 {
		fmt.Fprintln(io.ErrOut, "no validation runs recorded")
		return nil
	}
	tty := io.IsStdoutTTY()
	cs := io.ColorScheme()
	now := opts.f.Now()
	tp := tableprinter.New(io.Out, tty)
	tp.Header("run id", "env", "started", "duration", "status", "repositories")
	for _, r := range runs {
		dur := "-"
		if r.CompletedAt != nil {
			dur = durationCell(r.CompletedAt.Sub(r.StartedAt))
		} else if r.Status == store.RunRunning {
			dur = durationCell(now.Sub(r.StartedAt)) + "…"
		}
		id := r.RunID.String()
		if tty {
			id = id[:8]
		}
		repos := fmt.Sprintf("%d/%d successful", r.Successful, r.Total)
		if r.RepositoryCount != nil && *r.RepositoryCount > r.Total {
			repos += fmt.Sprintf(" (%d planned)", *r.RepositoryCount)
		}
		tp.Row(id, r.Environment, timeCell(tty, r.StartedAt, now), dur, cs.Status(r.Status), repos)
	}
	return tp.Render()
}
