package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/runpod-workers/janitor/pkg/config"
	"github.com/runpod-workers/janitor/pkg/dbconn"
	"github.com/runpod-workers/janitor/pkg/localdb"
)

type localDBOptions struct {
	f      *Factory
	yes    bool
	output string
}

func newLocalDBCmd(f *Factory) *cobra.Command {
	opts := &localDBOptions{f: f}
	cmd := &cobra.Command{
		Use:   "local-db <status|stop|destroy>",
		Short: "Manage janitor's local PostgreSQL database",
		Long: `With no database configured for an environment, janitor keeps results in a
PostgreSQL cluster of its own under its data directory, listening on a unix
socket only. It is created and started on first use; these commands inspect,
stop or remove it.`,
	}
	status := &cobra.Command{
		Use:     "status",
		Short:   "Show where the local database is and whether it runs",
		Example: "  janitor local-db status",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkOutput(opts.output); err != nil {
				return err
			}
			return runLocalDBStatus(cmd.Context(), opts)
		},
	}
	addOutputFlag(status, &opts.output)
	stop := &cobra.Command{
		Use:     "stop",
		Short:   "Stop the local database server (it starts again when needed)",
		Example: "  janitor local-db stop",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runLocalDBStop(cmd.Context(), opts)
		},
	}
	destroy := &cobra.Command{
		Use:     "destroy --yes",
		Short:   "Stop the local database and delete it with every result in it",
		Example: "  janitor local-db destroy --yes",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runLocalDBDestroy(cmd.Context(), opts)
		},
	}
	destroy.Flags().BoolVar(&opts.yes, "yes", false, "confirm deleting every locally stored result")
	cmd.AddCommand(status, stop, destroy)
	return cmd
}

// cluster is janitor's local cluster for the loaded configuration.
func (opts *localDBOptions) cluster() (*config.Config, *localdb.Cluster, error) {
	cfg, err := opts.f.Config()
	if err != nil {
		return nil, nil, err
	}
	c, err := dbconn.LocalCluster(cfg)
	return cfg, c, err
}

func runLocalDBStatus(ctx context.Context, opts *localDBOptions) error {
	cfg, c, err := opts.cluster()
	if err != nil {
		return err
	}
	st := c.Status(ctx)
	if opts.output == "json" {
		return writeJSON(opts.f.IO.Out, st)
	}
	w := opts.f.IO.Out
	state := "not created (it is created on first use)"
	switch {
	case st.Running:
		state = fmt.Sprintf("running (pid %d)", st.PID)
	case st.Initialized:
		state = "stopped (it starts on first use)"
	}
	fmt.Fprintf(w, "Local database: %s\n", state)
	fmt.Fprintf(w, "Folder: %s\n", st.Dir)
	fmt.Fprintf(w, "Socket: %s\n", st.Socket)
	if st.Version != "" {
		fmt.Fprintf(w, "PostgreSQL: %s (%s)\n", st.Version, st.BinDir)
	}
	fmt.Fprintf(w, "Database for %s: %s\n", cfg.Env, dbconn.LocalDatabaseName(cfg.Env))
	if !cfg.UsesLocalDB() {
		fmt.Fprintf(w, "Note: environment %s is configured with its own database; the local one is not used.\n", cfg.Env)
	}
	return nil
}

func runLocalDBStop(ctx context.Context, opts *localDBOptions) error {
	_, c, err := opts.cluster()
	if err != nil {
		return err
	}
	if err := c.Stop(ctx); err != nil {
		return err
	}
	fmt.Fprintf(opts.f.IO.ErrOut, "local database in %s stopped\n", c.Dir())
	return nil
}

func runLocalDBDestroy(ctx context.Context, opts *localDBOptions) error {
	_, c, err := opts.cluster()
	if err != nil {
		return err
	}
	if !opts.yes {
		return usageErrorf("this deletes %s and every result stored in it; run again with --yes", c.Dir())
	}
	if err := c.Destroy(ctx); err != nil {
		return err
	}
	fmt.Fprintf(opts.f.IO.ErrOut, "local database in %s deleted\n", c.Dir())
	return nil
}
