package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/runpod-workers/janitor/pkg/spool"
	"github.com/runpod-workers/janitor/pkg/tableprinter"
)

type dbFlushOptions struct {
	f      *Factory
	dryRun bool
	output string
}

func newDBFlushCmd(f *Factory) *cobra.Command {
	opts := &dbFlushOptions{f: f}
	cmd := &cobra.Command{
		Use:   "db-flush [--dry-run]",
		Short: "Write results kept in the local spool to the database",
		Long: `Write the validation results that janitor kept in its local spool
(<data-dir>/spool/<env>) while the results database was unreachable. Each run's
lines are sent in order; the database ignores what it already has, so running
db-flush again, or after an interrupted flush, never duplicates a result.
Files a running janitor is still writing are left alone. A damaged or torn
line is never dropped: it is kept in a .damaged file next to the spool file
and reported.

janitor validate flushes earlier spooled runs by itself once it reaches the
database; db-flush does it on demand.`,
		Example: `  janitor db-flush
  janitor db-flush --env prod --dry-run -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkOutput(opts.output); err != nil {
				return err
			}
			return runDBFlush(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.dryRun, "dry-run", false, "list what is spooled without writing it")
	addOutputFlag(cmd, &opts.output)
	return cmd
}

// flushRow is one spool file in db-flush's output. The JSON names are an
// API: a test pins them.
type flushRow struct {
	RunID    string   `json:"run_id"`
	File     string   `json:"file"`
	Status   string   `json:"status"`
	Sent     int      `json:"sent"`
	Skipped  int      `json:"skipped"`
	Bytes    int64    `json:"pending_bytes"`
	Finished bool     `json:"finished"`
	Damaged  []string `json:"damaged"`
	Error    string   `json:"error"`
}

// Flush statuses.
const (
	flushDelivered = "delivered"
	flushPending   = "pending"
	flushInUse     = "in use"
	flushFailed    = "failed"
)

func runDBFlush(ctx context.Context, opts *dbFlushOptions) error {
	sp, err := openSpool(opts.f)
	if err != nil {
		return err
	}
	io := opts.f.IO
	var rows []flushRow
	var flushErr error
	if opts.dryRun {
		pending, damaged, err := sp.Pending()
		if err != nil {
			return err
		}
		for _, p := range pending {
			row := flushRow{RunID: p.RunID, File: p.File, Status: flushPending, Bytes: p.Bytes, Damaged: []string{}}
			if p.InUse {
				row.Status = flushInUse
			}
			rows = append(rows, row)
		}
		for _, d := range damaged {
			fmt.Fprintf(io.ErrOut, "warning: damaged spool lines kept in %s\n", d)
		}
	} else {
		rep, err := sp.Replay(ctx, storeSink{db: opts.f.DB, version: opts.f.Version})
		if ctx.Err() != nil {
			return ctx.Err()
		}
		flushErr = err
		rows = flushRows(rep)
		for _, d := range rep.Damaged() {
			fmt.Fprintf(io.ErrOut, "warning: %s\n", d)
		}
	}
	if rows == nil {
		rows = []flushRow{}
	}
	if opts.output == "json" {
		if err := writeJSON(io.Out, rows); err != nil {
			return err
		}
		return flushErr
	}
	if len(rows) == 0 {
		fmt.Fprintf(io.ErrOut, "nothing to flush in %s\n", sp.Dir())
		return flushErr
	}
	tty := io.IsStdoutTTY()
	tp := tableprinter.New(io.Out, tty)
	tp.Header("run id", "status", "sent", "skipped", "damaged", "finished")
	cs := io.ColorScheme()
	for _, r := range rows {
		status := r.Status
		switch r.Status {
		case flushDelivered:
			status = cs.Green(status)
		case flushFailed:
			status = cs.Red(status)
		default:
			status = cs.Yellow(status)
		}
		finished := "no"
		if r.Finished {
			finished = "yes"
		}
		tp.Row(shortID(tty, r.RunID), status, fmt.Sprint(r.Sent), fmt.Sprint(r.Skipped), fmt.Sprint(len(r.Damaged)), finished)
	}
	if err := tp.Render(); err != nil {
		return err
	}
	if flushErr != nil {
		return fmt.Errorf("some spooled results were not written; they stay in %s: %w", sp.Dir(), flushErr)
	}
	return nil
}

func flushRows(rep spool.Report) []flushRow {
	rows := make([]flushRow, 0, len(rep.Runs))
	for _, r := range rep.Runs {
		row := flushRow{RunID: r.RunID, File: r.File, Sent: r.Sent, Skipped: r.Skipped, Finished: r.Finished, Damaged: []string{}}
		for _, d := range r.Damaged {
			row.Damaged = append(row.Damaged, d.String())
		}
		switch {
		case r.InUse:
			row.Status = flushInUse
		case r.Err != nil:
			row.Status, row.Error = flushFailed, r.Err.Error()
		case r.Done:
			row.Status = flushDelivered
		default:
			row.Status = flushPending
		}
		rows = append(rows, row)
	}
	return rows
}

// shortID shows the first block of a UUID on a terminal, all of it piped.
func shortID(tty bool, id string) string {
	if tty && len(id) > 8 {
		return id[:8]
	}
	return id
}
