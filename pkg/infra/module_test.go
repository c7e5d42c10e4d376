package infra

import (
	"bytes"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/runpod-workers/janitor/pkg/testenv"
)

// needTerraform returns terraform's path, or ends the test through testenv.
func needTerraform(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("terraform")
	if err != nil {
		testenv.Missing(t, "terraform is not on PATH: install Terraform >= 1.11 from https://developer.hashicorp.com/terraform/install")
	}
	return p
}

// copyModule copies the repository's terraform/ into a temporary directory,
// without local state or provider caches, so tests never touch the checkout.
func copyModule(t *testing.T) string {
	t.Helper()
	src, err := filepath.Abs(filepath.Join("..", "..", "terraform"))
	if err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(t.TempDir(), "terraform")
	err = filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		name := d.Name()
		if d.IsDir() && (name == ".terraform" || name == "terraform.tfstate.d") {
			return filepath.SkipDir
		}
		if strings.HasPrefix(name, "terraform.tfstate") || name == ".terraform.lock.hcl" {
			return nil
		}
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
	if err != nil {
		t.Fatalf("copy the terraform module: %v", err)
	}
	return dst
}

// terraformEnviron keeps the developer's own terraform configuration out.
func terraformEnviron(t *testing.T) []string {
	t.Helper()
	rc := filepath.Join(t.TempDir(), "terraformrc")
	if err := os.WriteFile(rc, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	return []string{"TF_CLI_CONFIG_FILE=" + rc}
}

// TestModule checks the terraform code itself: formatting, validation, and
// the terraform test files (mock_provider: no AWS account involved).
func TestModule(t *testing.T) {
	t.Parallel()
	tf := needTerraform(t)
	dir := copyModule(t)
	env := terraformEnviron(t)
	var log bytes.Buffer
	rn := Runner{Dir: dir, Environ: env, Stdout: &log, Stderr: &log}
	if err := rn.Run(t.Context(), Request{Command: Init, Env: "dev", PluginDir: FindPluginDir(PluginDirRoots...), NoColor: true}); err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	for _, args := range [][]string{
		{"fmt", "-check", "-recursive", "-diff"},
		{"validate", "-no-color"},
		{"test", "-no-color"},
	} {
		t.Run(args[0], func(t *testing.T) {
			cmd := exec.CommandContext(t.Context(), tf, args...)
			cmd.Dir = dir
			cmd.Env = append(os.Environ(), env...)
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("terraform %s: %v\n%s", strings.Join(args, " "), err, out)
			}
			if args[0] == "test" && !strings.Contains(string(out), "0 failed") {
				t.Errorf("terraform test:\n%s", out)
			}
		})
	}
}
