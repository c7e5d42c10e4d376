// Package infra drives terraform for janitor's AWS stack (the root module in
// terraform/): init, plan, apply, destroy and output for one environment at a
// time, each environment in its own terraform workspace with its own variable
// file (terraform/env/<env>.tfvars).
//
// Terraform runs as a subprocess: its argv is built by Args alone, its output
// streams to the caller's writers, and on cancellation it gets one SIGINT, time
// to finish what it is doing, and only then a kill.
package infra

import (
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
)

// Command is a terraform operation janitor runs.
type Command string

// The commands janitor runs.
const (
	Init    Command = "init"
	Plan    Command = "plan"
	Apply   Command = "apply"
	Destroy Command = "destroy"
	Output  Command = "output"
)

// Commands lists every Command in the order a user meets them.
var Commands = []Command{Init, Plan, Apply, Destroy, Output}

// ParseCommand returns the Command named s.
func ParseCommand(s string) (Command, error) {
	c := Command(s)
	if !slices.Contains(Commands, c) {
		return "", fmt.Errorf("unknown infra command %q: use one of init, plan, apply, destroy, output", s)
	}
	return c, nil
}

// Request is one terraform invocation for one environment.
type Request struct {
	Command Command
	// Env names the environment: the workspace and env/<Env>.tfvars.
	Env string
	// PluginDir is a provider mirror passed to init as -plugin-dir; empty lets
	// terraform download providers.
	PluginDir string
	// Vars are extra -var settings, after the environment's variable file.
	Vars map[string]string
	// AllowDestroyProd must be set to destroy a production environment.
	AllowDestroyProd bool
	// NoColor turns off terraform's colours (output not on a terminal).
	NoColor bool
}

var envPattern = regexp.MustCompile(`^[a-z][a-z0-9-]{0,15}$`)

// VarFile is the environment's variable file, relative to the root module.
func VarFile(env string) string {
	return filepath.Join("env", env+".tfvars")
}

// IsProduction reports whether env is a production environment, which
// destroy refuses without an explicit override: prod and prod-*.
func IsProduction(env string) bool {
	return env == "prod" || env == "production" || strings.HasPrefix(env, "prod-")
}

// Args returns terraform's arguments (without the program name) for r. It is
// the only place janitor decides what terraform is told: the caller runs it in
// the root module's directory with TF_WORKSPACE set to r.Env.
func Args(r Request) ([]string, error) {
	if !envPattern.MatchString(r.Env) {
		return nil, fmt.Errorf("invalid environment name %q: use 1-16 lowercase letters, digits or dashes, starting with a letter", r.Env)
	}
	args := []string{string(r.Command)}
	switch r.Command {
	case Init:
		args = append(args, "-input=false")
		if r.PluginDir != "" {
			args = append(args, "-plugin-dir="+r.PluginDir)
		}
	case Plan:
		args = append(args, "-input=false", "-var-file="+VarFile(r.Env))
		args = append(args, varArgs(r.Vars)...)
	case Apply:
		args = append(args, "-input=false", "-auto-approve", "-var-file="+VarFile(r.Env))
		args = append(args, varArgs(r.Vars)...)
	case Destroy:
		if IsProduction(r.Env) && !r.AllowDestroyProd {
			return nil, fmt.Errorf("refusing to destroy production environment %q: pass --yes-destroy-prod if you really mean it (the database keeps a final snapshot)", r.Env)
		}
		args = append(args, "-input=false", "-auto-approve", "-var-file="+VarFile(r.Env))
		args = append(args, varArgs(r.Vars)...)
	case Output:
		args = append(args, "-json")
	default:
		return nil, fmt.Errorf("unknown infra command %q: use one of init, plan, apply, destroy, output", r.Command)
	}
	if r.NoColor && r.Command != Output {
		args = append(args, "-no-color")
	}
	return args, nil
}

// varArgs renders vars as -var flags in a stable order.
func varArgs(vars map[string]string) []string {
	keys := make([]string, 0, len(vars))
	for k := range vars {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	out := make([]string, 0, len(keys))
	for _, k := range keys {
		out = append(out, "-var="+k+"="+vars[k])
	}
	return out
}
