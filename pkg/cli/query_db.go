package cli

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/runpod-workers/janitor/pkg/iostreams"
	"github.com/runpod-workers/janitor/pkg/store"
	"github.com/runpod-workers/janitor/pkg/tableprinter"
)

type queryDBOptions struct {
	f      *Factory
	repo   string
	limit  int
	output string
}

func newQueryDBCmd(f *Factory) *cobra.Command {
	opts := &queryDBOptions{f: f}
	cmd := &cobra.Command{
		Use:   "query-db --repo <name|org/name> [--limit N]",
		Short: "Show a repository's latest validation and its history",
		Long: `Show whether a repository is still working: its latest validation in a readable
form, since when it has been failing, then its recent history as a table.`,
		Example: `  janitor query-db --repo worker-template
  janitor query-db --repo runpod-workers/worker-basic --env prod --limit 20
  janitor query-db --repo worker-basic -o json | jq .latest.validation_status`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkOutput(opts.output); err != nil {
				return err
			}
			if opts.repo == "" {
				return usageErrorf("--repo is required")
			}
			if opts.limit < 1 {
				return usageErrorf("--limit must be at least 1")
			}
			return runQueryDB(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVarP(&opts.repo, "repo", "r", "", "repository: name or org/name")
	cmd.Flags().IntVarP(&opts.limit, "limit", "L", 10, "how many recent validations to list")
	addOutputFlag(cmd, &opts.output)
	return cmd
}

// splitRepo parses "name" or "org/name".
func splitRepo(s string) (org, name string, err error) {
	s = strings.TrimSuffix(strings.TrimSpace(s), "/")
	parts := strings.Split(s, "/")
	switch {
	case len(parts) == 1 && parts[0] != "":
		return "", parts[0], nil
	case len(parts) == 2 && parts[0] != "" && parts[1] != "":
		return parts[0], parts[1], nil
	}
	return "", "", usageErrorf("repository %q is not name or org/name", s)
}

// queryDBResult is query-db's JSON output; its field names are an API.
type queryDBResult struct {
	Repository   string             `json:"repository"`
	Organization string             `json:"organization"`
	Latest       *store.Validation  `json:"latest"`
	LastSuccess  *time.Time         `json:"last_success"`
	FailingSince *time.Time         `json:"failing_since"`
	History      []store.Validation `json:"history"`
}

func runQueryDB(ctx context.Context, opts *queryDBOptions) error {
	org, name, err := splitRepo(opts.repo)
	if err != nil {
		return err
	}
	db, err := opts.f.DB(ctx, store.RoleReader)
	if err != nil {
		return err
	}
	params := store.ValidationListParams{Repository: name, Organization: org, Limit: opts.limit}
	hist, err := db.ValidationList(ctx, params)
	if err != nil {
		return err
	}
	res := queryDBResult{Repository: name, Organization: org, History: hist}
	if res.History == nil {
		res.History = []store.Validation{}
	}
	if len(hist) > 0 {
		streak, err := db.ValidationStreak(ctx, params)
		if err != nil {
			return err
		}
		res.Latest, res.Organization = &hist[0], hist[0].Organization
		res.LastSuccess, res.FailingSince = streak.LastSuccess, streak.FailingSince
	}
	io := opts.f.IO
	if len(hist) == 0 {
		fmt.Fprintf(io.ErrOut, "no validations recorded for %s\n", opts.repo)
	}
	if opts.output == "json" {
		return writeJSON(io.Out, res)
	}
	if len(hist) == 0 {
		return nil
	}
	printLatest(io, res)
	if len(hist) < 2 {
		return nil
	}
	fmt.Fprintln(io.Out)
	if io.IsStdoutTTY() {
		fmt.Fprintln(io.Out, io.ColorScheme().Bold("Recent validations"))
	}
	return historyTable(io, hist, opts.f.Now())
}

const utcLayout = "2006-01-02 15:04:05 UTC"

func printLatest(io *iostreams.IOStreams, res queryDBResult) {
	v := res.Latest
	cs := io.ColorScheme()
	w := io.Out
	fmt.Fprintf(w, "Repository: %s/%s\n", v.Organization, v.Repository)
	fmt.Fprintf(w, "Last Validation: %s\n", v.CreatedAt.UTC().Format(utcLayout))
	fmt.Fprintf(w, "Status: %s\n", cs.Status(v.Status))
	fmt.Fprintf(w, "Build: %s\n", check(cs, v.BuildSuccess, "succeeded", "failed", "not run"))
	fmt.Fprintf(w, "Container: %s\n", check(cs, v.ContainerSuccess, "executed successfully", "failed", "not run"))
	fmt.Fprintf(w, "GPU Available: %s\n", gpuText(cs, v))
	switch {
	case v.ExecutionTimeSeconds == nil:
	case *v.ExecutionTimeSeconds == 0:
		fmt.Fprintln(w, "Execution Time: less than a second")
	default:
		fmt.Fprintf(w, "Execution Time: %s\n", plural(*v.ExecutionTimeSeconds, "second"))
	}
	if v.ErrorMessage != "" {
		fmt.Fprintf(w, "Error: %s\n", firstLine(v.ErrorMessage))
	}
	switch {
	case res.FailingSince != nil:
		fmt.Fprintf(w, "Failing Since: %s\n", res.FailingSince.UTC().Format(utcLayout))
		if res.LastSuccess != nil {
			fmt.Fprintf(w, "Last Success: %s\n", res.LastSuccess.UTC().Format(utcLayout))
		} else {
			fmt.Fprintln(w, "Last Success: never")
		}
	case res.LastSuccess != nil && v.Status != store.StatusSuccess:
		fmt.Fprintf(w, "Last Success: %s\n", res.LastSuccess.UTC().Format(utcLayout))
	}
}

func check(cs iostreams.ColorScheme, b *bool, yes, no, unknown string) string {
	switch {
	case b == nil:
		return "– " + unknown
	case *b:
		return cs.Green("✓") + " " + yes
	default:
		return cs.Red("✗") + " " + no
	}
}

func gpuText(cs iostreams.ColorScheme, v *store.Validation) string {
	switch {
	case v.GPUAvailable == nil:
		return "– not checked"
	case *v.GPUAvailable && v.CUDADetected != nil && *v.CUDADetected:
		return cs.Green("✓") + " CUDA detected and GPU available"
	case *v.GPUAvailable:
		return cs.Yellow("✓") + " GPU available, CUDA not detected"
	default:
		return cs.Red("✗") + " no GPU available"
	}
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i] + " …"
	}
	return s
}

func yesNo(b *bool) string {
	switch {
	case b == nil:
		return "-"
	case *b:
		return "yes"
	default:
		return "no"
	}
}

func historyTable(io *iostreams.IOStreams, hist []store.Validation, now time.Time) error {
	tty := io.IsStdoutTTY()
	cs := io.ColorScheme()
	tp := tableprinter.New(io.Out, tty)
	tp.Header("when", "status", "build", "container", "gpu", "time", "env", "commit", "run")
	for _, v := range hist {
		secs := "-"
		switch {
		case v.ExecutionTimeSeconds == nil:
		case *v.ExecutionTimeSeconds == 0:
			secs = "<1s"
		default:
			secs = durationCell(time.Duration(*v.ExecutionTimeSeconds) * time.Second)
		}
		run, commit := v.RunID.String(), v.CommitSHA
		if tty {
			run = run[:8]
			if len(commit) > 7 {
				commit = commit[:7]
			}
		}
		if commit == "" {
			commit = "-"
		}
		tp.Row(timeCell(tty, v.CreatedAt, now), cs.Status(v.Status), yesNo(v.BuildSuccess),
			yesNo(v.ContainerSuccess), yesNo(v.GPUAvailable), secs, v.Environment, commit, run)
	}
	return tp.Render()
}
