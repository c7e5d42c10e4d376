package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/pflag"
)

func writeFile(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func flags(t *testing.T, args ...string) *pflag.FlagSet {
	t.Helper()
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	fs.String("env", "dev", "")
	fs.String("database-url", "", "")
	fs.String("organization", "runpod-workers", "")
	fs.String("log-level", "info", "")
	fs.String("data-dir", "", "")
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	return fs
}

func TestPrecedence(t *testing.T) {
	file := writeFile(t, `
organization: from-file
log_level: warn
environments:
  prod:
    database:
      url: postgres://admin:pw@db.example:5432/janitor
`)
	t.Setenv("JANITOR_CONFIG", "")
	t.Setenv("JANITOR_ORGANIZATION", "")
	t.Setenv("JANITOR_LOG_LEVEL", "")

	cfg, err := Load(flags(t), file)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Organization != "from-file" || cfg.LogLevel != "warn" || cfg.Env != "dev" || !cfg.FileFound {
		t.Fatalf("file values not applied: %+v", cfg)
	}
	if cfg.ConnectTimeout.String() != "10s" {
		t.Errorf("default connect timeout = %v", cfg.ConnectTimeout)
	}

	t.Setenv("JANITOR_ORGANIZATION", "from-env")
	t.Setenv("JANITOR_ENV", "prod")
	cfg, err = Load(flags(t), file)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Organization != "from-env" || cfg.Env != "prod" {
		t.Fatalf("environment does not beat the file: org=%q env=%q", cfg.Organization, cfg.Env)
	}
	env, err := cfg.Current()
	if err != nil || env.Database.URL == "" || cfg.UsesLocalDB() {
		t.Fatalf("prod environment = %+v, %v", env, err)
	}

	cfg, err = Load(flags(t, "--organization", "from-flag", "--env", "dev"), file)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Organization != "from-flag" || cfg.Env != "dev" {
		t.Fatalf("flags do not beat the environment: org=%q env=%q", cfg.Organization, cfg.Env)
	}
	if !cfg.UsesLocalDB() {
		t.Error("dev without a database should use the local database")
	}
}

func TestDatabaseURLOverride(t *testing.T) {
	t.Setenv("JANITOR_DATABASE_URL", "postgres://u:pw@h/db")
	cfg, err := Load(flags(t, "--env", "staging"), writeFile(t, ""))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.DatabaseURL != "postgres://u:pw@h/db" || cfg.UsesLocalDB() {
		t.Fatalf("override not applied: %+v", cfg)
	}
	if _, err := cfg.Current(); err != nil {
		t.Errorf("an environment not in the file is fine with a URL override: %v", err)
	}
}

func TestUnknownEnvironment(t *testing.T) {
	t.Setenv("JANITOR_DATABASE_URL", "")
	cfg, err := Load(flags(t, "--env", "prdo"), writeFile(t, "environments:\n  prod: {}\n  staging: {}\n"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = cfg.Current()
	if err == nil || !strings.Contains(err.Error(), `unknown environment "prdo"`) || !strings.Contains(err.Error(), "known environments: prod, staging") {
		t.Fatalf("Current() = %v", err)
	}
}

func TestBadFiles(t *testing.T) {
	t.Setenv("JANITOR_CONFIG", "")
	if _, err := Load(nil, filepath.Join(t.TempDir(), "missing.yaml")); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("explicit missing file: %v", err)
	}
	if _, err := Load(nil, writeFile(t, "environments: [unclosed")); err == nil || !strings.Contains(err.Error(), "fix the YAML") {
		t.Errorf("bad YAML: %v", err)
	}
	if _, err := Load(nil, writeFile(t, "log_format: xml")); err == nil || !strings.Contains(err.Error(), "text or json") {
		t.Errorf("bad log format: %v", err)
	}
}

func TestRedaction(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"postgres://agent:s3cret@db:5432/x?sslmode=require": "postgres://agent:xxxxx@db:5432/x?sslmode=require",
		"postgres://db/x?password=s3cret":                   "postgres://db/x?password=xxxxx",
		"host=db user=u password=s3cret dbname=x":           "host=db user=u password=xxxxx dbname=x",
		"postgres://nopassword@db/x":                        "postgres://nopassword@db/x",
	} {
		if got := RedactURL(in); got != want {
			t.Errorf("RedactURL(%q) = %q, want %q", in, got, want)
		}
	}
	cfg := &Config{DatabaseURL: "postgres://a:s3cret@h/d", Environments: map[string]Environment{
		"prod": {Database: Database{URL: "postgres://a:s3cret@h/d", AgentURL: "host=h password=s3cret"}},
	}}
	red := cfg.Redacted()
	if strings.Contains(red.DatabaseURL+red.Environments["prod"].Database.URL+red.Environments["prod"].Database.AgentURL, "s3cret") {
		t.Fatalf("Redacted leaks a password: %+v", red)
	}
	if !strings.Contains(cfg.DatabaseURL, "s3cret") {
		t.Fatal("Redacted changed the original")
	}
}
