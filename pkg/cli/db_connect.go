package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"

	"github.com/spf13/cobra"

	"github.com/runpod-workers/janitor/pkg/store"
)

type dbConnectOptions struct {
	f     *Factory
	admin bool
	args  []string
}

func newDBConnectCmd(f *Factory) *cobra.Command {
	opts := &dbConnectOptions{f: f}
	cmd := &cobra.Command{
		Use:   "db-connect [--admin] [-- <psql arguments>]",
		Short: "Open psql on the results database",
		Long: `Open an interactive psql session on the environment's results database as the
read-only reader role (or the admin with --admin). Credentials are resolved by
janitor and passed to psql through PG* environment variables, never on its
command line. psql's exit status becomes janitor's.`,
		Example: `  janitor db-connect
  janitor db-connect --env prod --admin
  janitor db-connect -- -c 'SELECT count(*) FROM validation_runs'`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if cmd.ArgsLenAtDash() < 0 && len(args) > 0 {
				return usageErrorf("unexpected argument %q: pass psql arguments after --", args[0])
			}
			opts.args = args
			return runDBConnect(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.admin, "admin", false, "connect as the admin role instead of the reader")
	return cmd
}

// psqlArgv is psql's argv after the program name.
func psqlArgv(extra []string) []string {
	return append([]string{"--no-password"}, extra...)
}

func runDBConnect(ctx context.Context, opts *dbConnectOptions) error {
	psql, err := exec.LookPath("psql")
	if err != nil {
		return errors.New("psql not found on PATH: install the PostgreSQL client (Debian/Ubuntu: sudo apt-get install -y postgresql-client; macOS: brew install libpq)")
	}
	role := store.RoleReader
	if opts.admin {
		role = store.RoleAdmin
	}
	r, err := opts.f.Resolver()
	if err != nil {
		return err
	}
	src, err := r.Source(ctx, role)
	if err != nil {
		return err
	}
	env, err := store.ConnEnv(ctx, src.DSN, src.Password)
	if err != nil {
		return err
	}
	cmd := exec.Command(psql, psqlArgv(opts.args)...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = opts.f.IO.In, opts.f.IO.Out, opts.f.IO.ErrOut
	// psql handles Ctrl-C itself (it cancels the running query), so janitor
	// waits for it rather than killing it on the first signal.
	err = cmd.Run()
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		return withExitCode(exitErr.ExitCode(), nil)
	}
	if err != nil {
		return fmt.Errorf("run psql: %w", err)
	}
	return nil
}
