package infra

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeModule is a root module directory with the files Runner checks for.
func fakeModule(t *testing.T, envs ...string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "versions.tf"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "env"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, env := range envs {
		if err := os.WriteFile(filepath.Join(dir, VarFile(env)), []byte("environment = \""+env+"\"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// standIn writes a shell script that plays terraform, for what real
// terraform cannot be made to do on demand: fail, hang, ignore signals.
func standIn(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "terraform")
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRunPassesArgsEnvAndStreams(t *testing.T) {
	t.Parallel()
	dir := fakeModule(t, "dev")
	var stdout, stderr bytes.Buffer
	rn := Runner{
		Dir:       dir,
		Terraform: standIn(t, `echo "args: $*"; echo "ws=$TF_WORKSPACE auto=$TF_IN_AUTOMATION input=$TF_INPUT extra=$EXTRA cwd=$(pwd)"; echo "progress" >&2`),
		Environ:   []string{"EXTRA=yes"},
		Stdout:    &stdout,
		Stderr:    &stderr,
	}
	if err := rn.Run(t.Context(), Request{Command: Plan, Env: "dev", Vars: map[string]string{"create_instance": "true"}}); err != nil {
		t.Fatal(err)
	}
	want := "args: plan -input=false -var-file=env/dev.tfvars -var=create_instance=true\nws=dev auto=1 input=0 extra=yes cwd=" + dir + "\n"
	if stdout.String() != want {
		t.Errorf("stdout =\n%s\nwant\n%s", stdout.String(), want)
	}
	if stderr.String() != "progress\n" {
		t.Errorf("stderr = %q, want terraform's stderr", stderr.String())
	}
}

func TestRunFailures(t *testing.T) {
	t.Parallel()
	dir := fakeModule(t, "dev", "prod")
	marker := filepath.Join(t.TempDir(), "ran")
	touch := standIn(t, "touch "+marker+"; exit 0")
	tests := []struct {
		name string
		rn   Runner
		req  Request
		want string
	}{
		{
			name: "terraform missing",
			rn:   Runner{Dir: dir, Terraform: filepath.Join(t.TempDir(), "no-terraform")},
			req:  Request{Command: Plan, Env: "dev"},
			want: "terraform not found on PATH: install Terraform >= 1.11",
		},
		{
			name: "unknown environment",
			rn:   Runner{Dir: dir, Terraform: touch},
			req:  Request{Command: Apply, Env: "staging"},
			want: `unknown environment "staging": ` + filepath.Join(dir, "env", "staging.tfvars") + " does not exist; create it (copy " + filepath.Join(dir, "env", "dev.tfvars") + ` and set environment = "staging")`,
		},
		{
			name: "not a root module",
			rn:   Runner{Dir: t.TempDir(), Terraform: touch},
			req:  Request{Command: Init, Env: "dev"},
			want: "no terraform root module in",
		},
		{
			name: "destroy prod",
			rn:   Runner{Dir: dir, Terraform: touch},
			req:  Request{Command: Destroy, Env: "prod"},
			want: "refusing to destroy production environment",
		},
		{
			name: "terraform fails",
			rn:   Runner{Dir: dir, Terraform: standIn(t, "echo 'Error: boom' >&2; exit 3")},
			req:  Request{Command: Apply, Env: "dev"},
			want: `terraform apply for "dev" failed (exit status 3): see terraform's messages above`,
		},
		{
			name: "output of a stack never applied",
			rn:   Runner{Dir: dir, Terraform: standIn(t, "echo '{}'")},
			req:  Request{Command: Output, Env: "dev"},
			want: `environment "dev": the stack has no outputs: it has not been applied yet; run janitor infra apply`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.rn.Run(t.Context(), tt.req)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Run error = %v\nwant it to contain %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error spans lines: %q", err)
			}
		})
	}
	if _, err := os.Stat(marker); err == nil {
		t.Error("terraform ran although each request should have been refused first")
	}
}

func TestRunTerraformNotOnPath(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	rn := Runner{Dir: fakeModule(t, "dev")}
	if err := rn.Run(t.Context(), Request{Command: Init, Env: "dev"}); !errors.Is(err, ErrTerraformMissing) {
		t.Errorf("Run without terraform on PATH = %v, want ErrTerraformMissing", err)
	}
}

// syncBuffer collects output from several goroutines and reports when a
// given text has been written.
type syncBuffer struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	want string
	seen chan struct{}
	once sync.Once
}

func newSyncBuffer(want string) *syncBuffer {
	return &syncBuffer{want: want, seen: make(chan struct{})}
}

func (w *syncBuffer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	if strings.Contains(w.buf.String(), w.want) {
		w.once.Do(func() { close(w.seen) })
	}
	return len(p), nil
}

func (w *syncBuffer) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// tail is the last 8000 bytes, for failure messages.
func (w *syncBuffer) tail() string {
	s := w.String()
	return s[max(0, len(s)-8000):]
}

func TestRunCancelInterruptsThenKills(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		script string
		want   string
	}{
		{
			// Terraform stops cleanly on the first interrupt.
			name:   "stops on interrupt",
			script: `trap 'echo "interrupted"; exit 1' INT; echo started; while :; do sleep 0.05; done`,
			want:   "started\ninterrupted\n",
		},
		{
			// One that does not stop is killed once the grace period is over.
			name:   "killed after the grace period",
			script: `trap 'echo "ignored"' INT; echo started; while :; do sleep 0.05; done`,
			want:   "started\nignored\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			out := newSyncBuffer("started")
			rn := Runner{Dir: fakeModule(t, "dev"), Terraform: standIn(t, tt.script), Stdout: out, Grace: 300 * time.Millisecond}
			ctx, cancel := context.WithCancel(t.Context())
			done := make(chan error, 1)
			go func() { done <- rn.Run(ctx, Request{Command: Apply, Env: "dev"}) }()
			select {
			case <-out.seen:
			case <-time.After(10 * time.Second):
				t.Fatal("the stand-in never started")
			}
			cancel()
			var err error
			select {
			case err = <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("Run did not return after the grace period")
			}
			if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), `terraform apply for "dev" interrupted`) {
				t.Errorf("Run = %v, want an interrupted error wrapping context.Canceled", err)
			}
			// The trap has run by now in both cases: the interrupt came first.
			time.Sleep(100 * time.Millisecond)
			if got := out.String(); got != tt.want {
				t.Errorf("stand-in printed %q, want %q", got, tt.want)
			}
		})
	}
}

func TestFindPluginDir(t *testing.T) {
	t.Parallel()
	mirror := func(root string, parts ...string) string {
		dir := filepath.Join(append([]string{root}, parts...)...)
		if err := os.MkdirAll(filepath.Join(dir, "registry.terraform.io", "hashicorp", "aws", "5.100.0", "linux_amd64"), 0o755); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	empty := t.TempDir()
	nested := t.TempDir()
	want := mirror(nested, "tf-plugins")
	if err := os.MkdirAll(filepath.Join(nested, "other"), 0o755); err != nil {
		t.Fatal(err)
	}
	direct := mirror(t.TempDir())

	tests := []struct {
		name  string
		roots []string
		want  string
	}{
		{"one level down", []string{empty, nested}, want},
		{"the root itself", []string{direct}, direct},
		{"none", []string{empty, filepath.Join(empty, "missing")}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := FindPluginDir(tt.roots...); got != tt.want {
				t.Errorf("FindPluginDir = %q, want %q", got, tt.want)
			}
		})
	}
}
