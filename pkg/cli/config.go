package cli

import (
	"fmt"

	"github.com/spf13/cobra"
	"go.yaml.in/yaml/v3"

	"github.com/runpod-workers/janitor/pkg/dbconn"
)

func newConfigCmd(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "config",
		Short: "Show janitor's configuration",
	}
	cmd.AddCommand(newConfigShowCmd(f))
	return cmd
}

type configShowOptions struct {
	f      *Factory
	output string
}

func newConfigShowCmd(f *Factory) *cobra.Command {
	opts := &configShowOptions{f: f}
	cmd := &cobra.Command{
		Use:   "show",
		Short: "Print the effective configuration, secrets redacted",
		Long: `Print the configuration janitor would use, after flags, JANITOR_* environment
variables, the config file and defaults are combined. Passwords are redacted.`,
		Example: `  janitor config show
  janitor config show --env prod -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkOutput(opts.output); err != nil {
				return err
			}
			return runConfigShow(opts)
		},
	}
	addOutputFlag(cmd, &opts.output)
	return cmd
}

func runConfigShow(opts *configShowOptions) error {
	cfg, err := opts.f.Config()
	if err != nil {
		return err
	}
	red := cfg.Redacted()
	if opts.output == "json" {
		return writeJSON(opts.f.IO.Out, red)
	}
	w := opts.f.IO.Out
	found := "found"
	if !cfg.FileFound {
		found = "not found"
	}
	fmt.Fprintf(w, "# config file: %s (%s)\n", cfg.File, found)
	if _, err := cfg.Current(); err != nil {
		fmt.Fprintf(w, "# environment: %v\n", err)
	} else if cfg.UsesLocalDB() {
		fmt.Fprintf(w, "# database: local PostgreSQL in %s/postgres, database %s\n", cfg.DataDir, dbconn.LocalDatabaseName(cfg.Env))
	}
	b, err := yaml.Marshal(red)
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

// addOutputFlag adds -o/--output table|json.
func addOutputFlag(cmd *cobra.Command, v *string) {
	cmd.Flags().StringVarP(v, "output", "o", "table", "output format: table or json")
}

func checkOutput(v string) error {
	if v != "table" && v != "json" {
		return usageErrorf("--output must be table or json, not %q", v)
	}
	return nil
}

type versionOptions struct{ f *Factory }

func newVersionCmd(f *Factory) *cobra.Command {
	opts := &versionOptions{f: f}
	return &cobra.Command{
		Use:     "version",
		Short:   "Print janitor's version",
		Example: "  janitor version",
		Args:    cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			_, err := fmt.Fprintf(opts.f.IO.Out, "janitor %s\n", opts.f.Version)
			return err
		},
	}
}
