package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSetKeepsTheRestOfTheFile(t *testing.T) {
	file := writeFile(t, `# janitor configuration
organization: my-org # our fork
environments:
  dev:
    database:
      url: postgres://localhost/janitor
  prod:
    aws:
      region: eu-west-1 # moved in 2025
`)
	t.Setenv("JANITOR_CONFIG", "")
	err := Set(file, map[string]any{
		"environments.prod.database.endpoint":      "janitor-prod.cluster-abc.eu-west-1.rds.amazonaws.com",
		"environments.prod.database.port":          5432,
		"environments.prod.database.secrets.agent": "arn:aws:secretsmanager:eu-west-1:1:secret:janitor-prod/agent-x",
		"environments.prod.aws.region":             "eu-central-1",
		"environments.staging.aws.api_port":        8080,
	})
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(file)
	for _, keep := range []string{"# janitor configuration", "organization: my-org # our fork", "url: postgres://localhost/janitor", "region: eu-central-1 # moved in 2025"} {
		if !strings.Contains(string(raw), keep) {
			t.Errorf("lost %q:\n%s", keep, raw)
		}
	}
	cfg, err := Load(nil, file)
	if err != nil {
		t.Fatal(err)
	}
	prod := cfg.Environments["prod"]
	if prod.Database.Endpoint != "janitor-prod.cluster-abc.eu-west-1.rds.amazonaws.com" || prod.Database.Port != 5432 ||
		prod.Database.Secrets.Agent != "arn:aws:secretsmanager:eu-west-1:1:secret:janitor-prod/agent-x" || prod.AWS.Region != "eu-central-1" {
		t.Errorf("prod = %+v", prod)
	}
	if cfg.Environments["staging"].AWS.APIPort != 8080 || cfg.Environments["dev"].Database.URL != "postgres://localhost/janitor" {
		t.Errorf("environments = %+v", cfg.Environments)
	}
	if st, _ := os.Stat(file); st.Mode().Perm() != 0o600 {
		t.Errorf("mode = %v, want the file's 0600 kept", st.Mode().Perm())
	}
}

func TestSetCreatesTheFile(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "janitor", "config.yaml")
	if err := Set(file, map[string]any{"environments.dev.aws.region": "us-east-1", "environments.dev.aws.api_port": 8080}); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	want := "environments:\n  dev:\n    aws:\n      api_port: 8080\n      region: us-east-1\n"
	if string(raw) != want {
		t.Errorf("new file =\n%s\nwant\n%s", raw, want)
	}
	if st, _ := os.Stat(file); st.Mode().Perm() != 0o600 {
		t.Errorf("mode = %v, want 0600", st.Mode().Perm())
	}
}

func TestSetFailureLeavesTheFileAlone(t *testing.T) {
	t.Parallel()
	for name, body := range map[string]string{
		"a value where a mapping is needed": "environments:\n  prod: just-a-string\n",
		"not a mapping":                     "- one\n- two\n",
		"not YAML":                          "environments: [unclosed\n",
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			file := filepath.Join(t.TempDir(), "config.yaml")
			if err := os.WriteFile(file, []byte(body), 0o600); err != nil {
				t.Fatal(err)
			}
			err := Set(file, map[string]any{"environments.prod.aws.region": "us-east-1", "environments.prod.aws.api_port": 8080})
			if err == nil {
				t.Fatal("Set succeeded")
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error spans lines: %q", err)
			}
			raw, _ := os.ReadFile(file)
			if string(raw) != body {
				t.Errorf("file changed to\n%s", raw)
			}
			entries, _ := os.ReadDir(filepath.Dir(file))
			if len(entries) != 1 {
				t.Errorf("left files behind: %v", entries)
			}
		})
	}
}

func TestSetRejectsOtherTypes(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "config.yaml")
	if err := Set(file, map[string]any{"environments.dev.aws.region": 1.5}); err == nil {
		t.Error("a float was written")
	}
	if _, err := os.Stat(file); err == nil {
		t.Error("a failed Set created the file")
	}
}
