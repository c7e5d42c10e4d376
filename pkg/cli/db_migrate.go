package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/runpod-workers/janitor/pkg/store"
	"github.com/runpod-workers/janitor/pkg/tableprinter"
)

type dbMigrateOptions struct {
	f      *Factory
	status bool
	output string
}

func newDBMigrateCmd(f *Factory) *cobra.Command {
	opts := &dbMigrateOptions{f: f}
	cmd := &cobra.Command{
		Use:   "db-migrate [--status]",
		Short: "Apply the results database's migrations",
		Long: `Apply janitor's embedded migrations to the environment's database, in order,
as the admin role, under an advisory lock. Applied migrations are recorded with
checksums; running it again does nothing. Migrations never drop data.

For an environment whose agent and reader credentials are Secrets Manager
secrets, it then sets those roles' passwords from the secrets (run it again
after rotating them).`,
		Example: `  janitor db-migrate
  janitor db-migrate --env prod --status`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkOutput(opts.output); err != nil {
				return err
			}
			return runDBMigrate(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.status, "status", false, "list applied and pending migrations instead of applying")
	addOutputFlag(cmd, &opts.output)
	return cmd
}

// migrationRow is one line of db-migrate's JSON output.
type migrationRow struct {
	Version   int     `json:"version"`
	Name      string  `json:"name"`
	Status    string  `json:"status"`
	AppliedAt *string `json:"applied_at"`
}

func runDBMigrate(ctx context.Context, opts *dbMigrateOptions) error {
	db, err := opts.f.DB(ctx, store.RoleAdmin)
	if err != nil {
		return err
	}
	io := opts.f.IO
	if !opts.status {
		applied, err := db.Migrate(ctx)
		if err != nil {
			return err
		}
		for _, m := range applied {
			fmt.Fprintf(io.ErrOut, "applied %04d_%s\n", m.Version, m.Name)
		}
		if err := setRolePasswords(ctx, opts.f, db); err != nil {
			return err
		}
	}
	states, err := db.MigrationStatus(ctx)
	if err != nil {
		return err
	}
	rows := make([]migrationRow, len(states))
	pending := 0
	for i, s := range states {
		rows[i] = migrationRow{Version: s.Version, Name: s.Name, Status: "pending"}
		if s.AppliedAt != nil {
			at := s.AppliedAt.UTC().Format("2006-01-02T15:04:05Z07:00")
			rows[i].Status, rows[i].AppliedAt = "applied", &at
		} else {
			pending++
		}
	}
	if opts.output == "json" {
		return writeJSON(io.Out, rows)
	}
	if opts.status {
		tp := tableprinter.New(io.Out, io.IsStdoutTTY())
		tp.Header("version", "name", "status", "applied")
		cs := io.ColorScheme()
		for i, r := range rows {
			applied := "-"
			if states[i].AppliedAt != nil {
				applied = timeCell(io.IsStdoutTTY(), *states[i].AppliedAt, opts.f.Now())
			}
			status := cs.Green(r.Status)
			if r.AppliedAt == nil {
				status = cs.Yellow(r.Status)
			}
			tp.Row(fmt.Sprintf("%04d", r.Version), r.Name, status, applied)
		}
		return tp.Render()
	}
	if pending == 0 {
		fmt.Fprintf(io.Out, "%s is up to date (%d migrations)\n", db.Where(), len(rows))
	}
	return nil
}

// setRolePasswords gives janitor_agent and janitor_reader the passwords in
// their secrets, when the environment keeps them in Secrets Manager. With one
// URL or one secret for every role there is nothing to set.
func setRolePasswords(ctx context.Context, f *Factory, admin *store.DB) error {
	cfg, err := f.Config()
	if err != nil {
		return err
	}
	if cfg.DatabaseURL != "" || cfg.DatabaseSecretID != "" {
		return nil
	}
	d := cfg.Environments[cfg.Env].Database
	for _, s := range []struct {
		role       store.Role
		secret     string
		overridden bool
	}{
		{store.RoleAgent, d.Secrets.Agent, d.AgentURL != "" || d.URL != ""},
		{store.RoleReader, d.Secrets.Reader, d.ReaderURL != "" || d.URL != ""},
	} {
		if s.secret == "" || s.overridden {
			continue
		}
		creds, err := f.secrets.Credentials(ctx, s.secret, d)
		if err != nil {
			return fmt.Errorf("set the %s role's password: %w", s.role, err)
		}
		if err := admin.RolePasswordSet(ctx, creds.Username, creds.Password); err != nil {
			return err
		}
		fmt.Fprintf(f.IO.ErrOut, "set the password of %s from secret %s\n", creds.Username, s.secret)
	}
	return nil
}
