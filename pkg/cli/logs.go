package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/runpod-workers/janitor/pkg/cloud"
)

type logsOptions struct {
	f      *Factory
	follow bool
	since  time.Duration
}

func newLogsCmd(f *Factory) *cobra.Command {
	opts := &logsOptions{f: f}
	cmd := &cobra.Command{
		Use:   "logs [--follow] [--since <duration>]",
		Short: "Print the GPU instance's logs from CloudWatch",
		Long: `Print the environment's CloudWatch log group: the instance's bootstrap and the
janitor.service journal (JSON lines with --log-format json). --follow keeps
printing new lines until interrupted.`,
		Example: `  janitor logs --env dev --since 1h
  janitor logs --env prod --follow`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if opts.since < 0 {
				return usageErrorf("--since must not be negative")
			}
			return runLogs(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVarP(&opts.follow, "follow", "f", false, "keep printing new lines")
	cmd.Flags().DurationVar(&opts.since, "since", time.Hour, "how far back to start (0: from the beginning)")
	return cmd
}

func runLogs(ctx context.Context, opts *logsOptions) error {
	envName, c, err := envClient(ctx, opts.f)
	if err != nil {
		return err
	}
	_, env, _ := awsEnv(opts.f)
	group := env.AWS.LogGroup
	if group == "" {
		group = "/janitor/" + envName
	}
	p := cloud.LogsParams{Group: group, Follow: opts.follow}
	if opts.since > 0 {
		p.Since = opts.f.Now().Add(-opts.since)
	}
	out := opts.f.IO.Out
	return c.Logs(ctx, p, func(e cloud.LogEvent) error {
		_, err := fmt.Fprintf(out, "%s %s %s\n", e.Time.Format(time.RFC3339), e.Stream, e.Message)
		return err
	})
}
