package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/runpod-workers/janitor/pkg/docker"
)

type cleanupOptions struct {
	f      *Factory
	runID  string
	output string
}

func newCleanupCmd(f *Factory) *cobra.Command {
	opts := &cleanupOptions{f: f}
	cmd := &cobra.Command{
		Use:   "cleanup [--run-id <id>]",
		Short: "Remove containers and images left behind by janitor runs",
		Long: `Remove every container and image janitor created (they carry the label
org.janitor.managed=true), or only those of one run with --run-id. validate
cleans up after itself, including when interrupted; this is for runs whose
janitor process was killed.`,
		Example: `  janitor cleanup
  janitor cleanup --run-id 3f2a9c1e-8d4b-4f6a-9e2d-1c5b7a8e9f00`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkOutput(opts.output); err != nil {
				return err
			}
			return runCleanup(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.runID, "run-id", "", "only this run's containers and images")
	addOutputFlag(cmd, &opts.output)
	return cmd
}

type cleanupResult struct {
	Containers []string `json:"containers"`
	Images     []string `json:"images"`
}

func runCleanup(ctx context.Context, opts *cleanupOptions) error {
	e, err := opts.f.Docker(ctx)
	if err != nil {
		return err
	}
	removed, err := e.Cleanup(ctx, opts.runID)
	res := cleanupResult{Containers: nonNil(removed.Containers), Images: nonNil(removed.Images)}
	if err != nil {
		return err
	}
	if opts.output == "json" {
		return writeJSON(opts.f.IO.Out, res)
	}
	fmt.Fprintf(opts.f.IO.Out, "removed %d containers and %d images\n", len(res.Containers), len(res.Images))
	return nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// dockerEngine connects to the Docker engine once per invocation.
func (f *Factory) dockerEngine(ctx context.Context) (*docker.Engine, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.engine != nil {
		return f.engine, nil
	}
	e, err := docker.New(ctx, docker.Options{})
	if err != nil {
		return nil, err
	}
	f.engine = e
	f.closers = append(f.closers, func() { _ = e.Close() })
	return e, nil
}
