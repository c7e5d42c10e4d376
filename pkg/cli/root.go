package cli

import (
	"github.com/spf13/cobra"
)

// NewRootCmd builds the janitor command tree.
func NewRootCmd(f *Factory) *cobra.Command {
	root := &cobra.Command{
		Use:   "janitor <command> [flags]",
		Short: "Keep RunPod serverless worker repositories healthy",
		Long: `janitor lints RunPod serverless worker repositories, builds and runs them for real,
and records every result in PostgreSQL, so that "is worker-basic still working,
and since when not?" has an answer.

With no database configured, janitor keeps results in a local PostgreSQL
cluster that it manages itself.`,
		Example: `  janitor lint ./my-worker
  janitor validate worker-basic
  janitor query-db --repo worker-basic
  janitor query-runs --env prod -o json`,
		Version:       f.Version,
		SilenceErrors: true,
		SilenceUsage:  true,
	}
	root.Flags().Bool("version", false, "print janitor's version")
	root.SetVersionTemplate("janitor {{.Version}}\n")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &usageError{err: err} })
	root.CompletionOptions.DisableDefaultCmd = true

	pf := root.PersistentFlags()
	pf.StringVar(&f.configFile, "config", "", "config file (default ~/.config/janitor/config.yaml)")
	pf.String("env", "dev", "environment whose database and resources to use")
	pf.String("database-url", "", "PostgreSQL URL used for every role, overriding the environment")
	pf.String("database-secret-id", "", "AWS Secrets Manager secret used for every role, overriding the environment")
	pf.String("organization", "runpod-workers", "GitHub organisation for repositories given by bare name")
	pf.String("data-dir", "", "where janitor keeps its local database, spool and work directories")
	pf.String("log-level", "info", "log level: debug, info, warn, error")
	pf.String("log-format", "text", "log format on stderr: text or json")
	f.flags = pf

	root.AddGroup(
		&cobra.Group{ID: "validation", Title: "Validation"},
		&cobra.Group{ID: "results", Title: "Results"},
		&cobra.Group{ID: "database", Title: "Database"},
		&cobra.Group{ID: "aws", Title: "AWS"},
		&cobra.Group{ID: "setup", Title: "Set-up"},
	)
	add := func(group string, cmds ...*cobra.Command) {
		for _, c := range cmds {
			c.GroupID = group
			root.AddCommand(c)
		}
	}
	add("validation", newValidateCmd(f), newLintCmd(f))
	add("results", newQueryDBCmd(f), newQueryRunsCmd(f))
	add("database", newDBMigrateCmd(f), newDBConnectCmd(f), newDBFlushCmd(f), newLocalDBCmd(f))
	add("aws", newInfraCmd(f), newLaunchInstanceCmd(f), newStartInstanceCmd(f), newStopInstanceCmd(f),
		newInstanceStatusCmd(f), newLogsCmd(f))
	add("setup", newConfigCmd(f), newVersionCmd(f), newCleanupCmd(f))
	return root
}
