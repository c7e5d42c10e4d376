package cli

import (
	"context"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"

	"github.com/spf13/cobra"

	"github.com/runpod-workers/janitor/pkg/config"
	"github.com/runpod-workers/janitor/pkg/infra"
	"github.com/runpod-workers/janitor/pkg/tableprinter"
)

type infraOptions struct {
	f              *Factory
	command        infra.Command
	dir            string
	pluginDir      string
	yesDestroyProd bool
	output         string
	// environ is added to terraform's environment (tests: the emulator).
	environ []string
	// vars are extra -var settings (tests: an AMI the emulator knows).
	vars map[string]string
}

func newInfraCmd(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "infra <command>",
		Short: "Create, change and destroy an environment's AWS resources (terraform)",
		Long: `Drive terraform on the root module in terraform/ for one environment: its own
workspace and its variable file terraform/env/<env>.tfvars. apply stores what
janitor needs (database endpoint, secret ARNs, launch template, region, ...) in
janitor's config file for the environment. See docs/aws.md.`,
	}
	for _, c := range infra.Commands {
		cmd.AddCommand(newInfraSubCmd(f, c))
	}
	return cmd
}

var infraShort = map[infra.Command]string{
	infra.Init:    "Prepare terraform (providers, modules, the environment's workspace)",
	infra.Plan:    "Show what apply would change",
	infra.Apply:   "Create or update the environment and store its outputs in the config",
	infra.Destroy: "Destroy the environment (prod needs --yes-destroy-prod)",
	infra.Output:  "Print the outputs janitor uses",
}

func newInfraSubCmd(f *Factory, c infra.Command) *cobra.Command {
	opts := &infraOptions{f: f, command: c}
	cmd := &cobra.Command{
		Use:     string(c),
		Short:   infraShort[c],
		Example: fmt.Sprintf("  janitor infra %s --env dev", c),
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkOutput(opts.output); err != nil {
				return err
			}
			return runInfra(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.dir, "terraform-dir", "terraform", "the root module (janitor's terraform/ folder)")
	switch c {
	case infra.Init:
		cmd.Flags().StringVar(&opts.pluginDir, "plugin-dir", "", "provider mirror for terraform init (default: one found under /opt, else download)")
	case infra.Destroy:
		cmd.Flags().BoolVar(&opts.yesDestroyProd, "yes-destroy-prod", false, "really destroy a production environment")
		cmd.Example += "\n  janitor infra destroy --env prod --yes-destroy-prod"
	case infra.Output:
		addOutputFlag(cmd, &opts.output)
		cmd.Example += "\n  janitor infra output --env prod -o json | jq -r .db_endpoint"
	}
	if opts.output == "" {
		opts.output = "table"
	}
	return cmd
}

func runInfra(ctx context.Context, opts *infraOptions) error {
	cfg, err := opts.f.Config()
	if err != nil {
		return err
	}
	io := opts.f.IO
	runner := &infra.Runner{
		Dir:       opts.dir,
		Terraform: opts.f.Terraform,
		Environ:   opts.environ,
		Stdout:    io.Out,
		Stderr:    io.ErrOut,
	}
	if p := cfg.Environments[cfg.Env].AWS.Profile; p != "" {
		runner.Environ = append(runner.Environ, "AWS_PROFILE="+p)
	}
	if abs, err := filepath.Abs(opts.dir); err == nil {
		runner.Dir = abs
	}
	req := infra.Request{
		Command:          opts.command,
		Env:              cfg.Env,
		Vars:             opts.vars,
		AllowDestroyProd: opts.yesDestroyProd,
		NoColor:          !io.ColorEnabled(),
		PluginDir:        opts.pluginDir,
	}
	if req.Command == infra.Init && req.PluginDir == "" {
		req.PluginDir = infra.FindPluginDir(infra.PluginDirRoots...)
	}
	switch opts.command {
	case infra.Output:
		out, err := runner.Outputs(ctx, req)
		if err != nil {
			return err
		}
		return printOutputs(opts, out)
	case infra.Apply:
		if err := runner.Run(ctx, req); err != nil {
			return err
		}
		out, err := runner.Outputs(ctx, req)
		if err != nil {
			return fmt.Errorf("terraform applied, but its outputs could not be read (the config is unchanged): %w", err)
		}
		return saveOutputs(opts.f, cfg, out)
	default:
		return runner.Run(ctx, req)
	}
}

// saveOutputs stores what janitor needs from the stack in the environment's
// section of the config file, in one atomic write.
func saveOutputs(f *Factory, cfg *config.Config, o infra.Outputs) error {
	prefix := "environments." + cfg.Env + "."
	values := map[string]any{
		prefix + "database.endpoint":       o.DBEndpoint,
		prefix + "database.port":           o.DBPort,
		prefix + "database.name":           o.DBName,
		prefix + "database.secrets.admin":  o.AdminSecretARN,
		prefix + "database.secrets.agent":  o.AgentSecretARN,
		prefix + "database.secrets.reader": o.ReaderSecretARN,
		prefix + "aws.region":              o.Region,
		prefix + "aws.cluster_id":          o.DBClusterIdentifier,
		prefix + "aws.reader_endpoint":     o.DBReaderEndpoint,
		prefix + "aws.launch_template_id":  o.LaunchTemplateID,
		prefix + "aws.log_group":           o.LogGroupName,
		prefix + "aws.api_port":            o.APIPort,
	}
	if o.InstanceID != "" {
		values[prefix+"aws.instance_id"] = o.InstanceID
	}
	if err := config.Set(cfg.File, values); err != nil {
		return err
	}
	fmt.Fprintf(f.IO.ErrOut, "saved the outputs of %s to %s\n", cfg.Env, cfg.File)
	d := cfg.Environments[cfg.Env].Database
	if d.URL != "" || d.AgentURL != "" || d.ReaderURL != "" || d.AdminURL != "" {
		fmt.Fprintf(f.IO.ErrOut, "note: environments.%s.database has URLs, which take precedence over the secrets; remove them to use the AWS database\n", cfg.Env)
	}
	return nil
}

func printOutputs(opts *infraOptions, o infra.Outputs) error {
	io := opts.f.IO
	if opts.output == "json" {
		return writeJSON(io.Out, o)
	}
	tp := tableprinter.New(io.Out, io.IsStdoutTTY())
	tp.Header("output", "value")
	v := reflect.ValueOf(o)
	for i := range v.NumField() {
		name, _, _ := strings.Cut(v.Type().Field(i).Tag.Get("json"), ",")
		tp.Row(name, fmt.Sprint(v.Field(i).Interface()))
	}
	return tp.Render()
}
