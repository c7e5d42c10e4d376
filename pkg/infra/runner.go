package infra

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"
)

// DefaultGrace is how long terraform may take to stop after an interrupt
// before it is killed: long enough to record what it created in the state.
const DefaultGrace = 60 * time.Second

// ErrTerraformMissing means no terraform executable was found.
var ErrTerraformMissing = errors.New("terraform not found on PATH: install Terraform >= 1.11 (https://developer.hashicorp.com/terraform/install) and put it on PATH")

// Runner runs terraform in the root module directory.
type Runner struct {
	// Dir is the root module directory (the repository's terraform/).
	Dir string
	// Terraform is the terraform executable; empty looks it up on PATH.
	Terraform string
	// Environ is added to janitor's own environment for terraform, e.g.
	// AWS_PROFILE or AWS_ENDPOINT_URL.
	Environ []string
	// Stdout and Stderr receive terraform's output as it comes; nil discards.
	Stdout, Stderr io.Writer
	// Grace is the time between the interrupt and the kill on cancellation;
	// zero means DefaultGrace.
	Grace time.Duration
}

// Run runs r.Command for r.Env and streams terraform's output.
func (rn *Runner) Run(ctx context.Context, r Request) error {
	if r.Command == Output {
		_, err := rn.Outputs(ctx, r)
		return err
	}
	return rn.run(ctx, r, rn.Stdout)
}

// Outputs runs terraform output -json for r.Env and returns what janitor needs.
func (rn *Runner) Outputs(ctx context.Context, r Request) (Outputs, error) {
	r.Command = Output
	var out bytes.Buffer
	if err := rn.run(ctx, r, &out); err != nil {
		return Outputs{}, err
	}
	o, err := ParseOutputs(out.Bytes())
	if err != nil {
		return Outputs{}, fmt.Errorf("environment %q: %w", r.Env, err)
	}
	return o, nil
}

func (rn *Runner) run(ctx context.Context, r Request, stdout io.Writer) error {
	args, err := Args(r)
	if err != nil {
		return err
	}
	if err := rn.checkEnv(r.Env); err != nil {
		return err
	}
	bin, err := rn.terraform()
	if err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = rn.Dir
	cmd.Env = append(os.Environ(), "TF_IN_AUTOMATION=1", "TF_INPUT=0", "TF_WORKSPACE="+r.Env)
	cmd.Env = append(cmd.Env, rn.Environ...)
	cmd.Stdout = orDiscard(stdout)
	cmd.Stderr = orDiscard(rn.Stderr)
	// Its own process group: a Ctrl-C on the terminal reaches janitor only,
	// which then interrupts terraform exactly once. A second interrupt would
	// make terraform exit at once and risk losing state.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = rn.Grace
	if cmd.WaitDelay <= 0 {
		cmd.WaitDelay = DefaultGrace
	}
	err = cmd.Run()
	if err != nil && ctx.Err() != nil {
		return fmt.Errorf("terraform %s for %q interrupted: %w", r.Command, r.Env, context.Cause(ctx))
	}
	if err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return fmt.Errorf("terraform %s for %q failed (exit status %d): see terraform's messages above", r.Command, r.Env, exit.ExitCode())
		}
		return fmt.Errorf("run terraform %s for %q: %w", r.Command, r.Env, err)
	}
	return nil
}

// checkEnv makes sure the root module and the environment's variable file exist.
func (rn *Runner) checkEnv(env string) error {
	if st, err := os.Stat(filepath.Join(rn.Dir, "versions.tf")); err != nil || st.IsDir() {
		return fmt.Errorf("no terraform root module in %q: run janitor from the repository checkout or point it at the terraform directory", rn.Dir)
	}
	vf := filepath.Join(rn.Dir, VarFile(env))
	if _, err := os.Stat(vf); errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("unknown environment %q: %s does not exist; create it (copy %s and set environment = %q)", env, vf, filepath.Join(rn.Dir, VarFile("dev")), env)
	} else if err != nil {
		return fmt.Errorf("read variable file of environment %q: %w", env, err)
	}
	return nil
}

func (rn *Runner) terraform() (string, error) {
	name := rn.Terraform
	if name == "" {
		name = "terraform"
	}
	p, err := exec.LookPath(name)
	if err != nil {
		return "", ErrTerraformMissing
	}
	return p, nil
}

func orDiscard(w io.Writer) io.Writer {
	if w == nil {
		return io.Discard
	}
	return w
}

// PluginDirRoots are where FindPluginDir looks for a provider mirror.
var PluginDirRoots = []string{"/opt", "/usr/local/share/terraform", "/usr/share/terraform"}

// FindPluginDir returns the first provider mirror that holds the AWS provider
// (a folder with registry.terraform.io/hashicorp/aws inside), looking at each
// root and the folders directly under it; "" when there is none, and terraform
// downloads providers itself.
func FindPluginDir(roots ...string) string {
	has := func(dir string) bool {
		st, err := os.Stat(filepath.Join(dir, "registry.terraform.io", "hashicorp", "aws"))
		return err == nil && st.IsDir()
	}
	for _, root := range roots {
		if has(root) {
			return root
		}
		entries, err := os.ReadDir(root)
		if err != nil {
			continue
		}
		for _, e := range entries {
			if e.IsDir() && has(filepath.Join(root, e.Name())) {
				return filepath.Join(root, e.Name())
			}
		}
	}
	return ""
}
