package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/runpod-workers/janitor/pkg/config"
	"github.com/runpod-workers/janitor/pkg/iostreams"
	"github.com/runpod-workers/janitor/pkg/lint"
	"github.com/runpod-workers/janitor/pkg/store"
	"github.com/runpod-workers/janitor/pkg/store/storetest"
)

// lintRepos writes two small repositories: good (one info finding) and bad
// (an error and warnings).
func lintRepos(t *testing.T) (good, bad string) {
	t.Helper()
	root := t.TempDir()
	files := map[string]string{
		"good/Dockerfile":      "FROM python:3.11-slim@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\nRUN pip install runpod==1.7.9\nCOPY handler.py test_input.json /\nCMD [\"python\", \"-u\", \"/handler.py\"]\n",
		"good/handler.py":      "import runpod\n\ndef handler(job):\n    return job[\"input\"]\n\nrunpod.serverless.start({\"handler\": handler})\n",
		"good/test_input.json": `{"input": {"x": 1}}`,
		"bad/Dockerfile":       "FROM python:latest\nCOPY missing.txt /\nCMD python h.py\n",
		"bad/h.py":             "import runpod\nrunpod.serverless.start({\"handler\": lambda job: job})\n",
	}
	for name, body := range files {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(root, "good"), filepath.Join(root, "bad")
}

// lintFactory is a Factory without a database, for lint runs that store
// nothing.
func lintFactory(t *testing.T, tty bool) (*Factory, *bytes.Buffer, *bytes.Buffer) {
	t.Helper()
	ios, _, out, errOut := iostreams.Test()
	ios.SetStdoutTTY(tty)
	ios.SetNoColor(true)
	f := NewFactory(ios, "test")
	f.Now = func() time.Time { return now }
	cfg := &config.Config{Env: "dev", Organization: "runpod-workers", GitHubURL: "http://127.0.0.1:9", DataDir: t.TempDir()}
	f.Config = func() (*config.Config, error) { return cfg, nil }
	t.Cleanup(f.Close)
	return f, out, errOut
}

func exitCode(err error) int {
	var ee *exitError
	switch {
	case err == nil:
		return ExitOK
	case errors.As(err, &ee):
		return ee.code
	}
	return ExitError
}

func TestLintTerminal(t *testing.T) {
	t.Parallel()
	good, bad := lintRepos(t)
	f, out, errOut := lintFactory(t, true)
	err := runLint(t.Context(), &lintOptions{f: f, repos: []string{good, bad}, output: "table", failOn: lint.Error, ignore: []string{"JW016"}, showSuppressed: true})
	if code := exitCode(err); code != ExitFailed {
		t.Fatalf("exit %d (%v), want 3", code, err)
	}
	want := good + `
SEVERITY  RULE   LOCATION  MESSAGE
info      JW022  -         no .runpod/ folder: not a RunPod Hub repository, Hub rules skipped
                           fix: Nothing to do unless the worker should be on the Hub; then add .runpod/hub.json and .runpod/tests.json.
` + good + `: 0 errors, 0 warnings, 1 info, 0 suppressed: pass

` + bad + `
SEVERITY   RULE   LOCATION      MESSAGE
warning    JW018  -             no test_input.json in the repository: a plain docker run has no job to run
                                fix: Add test_input.json ({"input": {...}}) and copy it into the image's WORKDIR.
info       JW022  -             no .runpod/ folder: not a RunPod Hub repository, Hub rules skipped
                                fix: Nothing to do unless the worker should be on the Hub; then add .runpod/hub.json and .runpod/tests.json.
warning    JW004  Dockerfile:1  base image python:latest uses the latest tag
                                fix: Pin the base image to a version tag and, for reproducible builds, a digest (image:tag@sha256:...).
error      JW005  Dockerfile:2  COPY source "missing.txt" does not exist in the repository
                                fix: Correct the source path, add the missing file, or stop excluding it in .dockerignore.
warning    JW007  Dockerfile:3  CMD python h.py is in shell form: /bin/sh becomes PID 1 and the handler never gets SIGTERM
                                fix: Use the exec form: CMD ["python", "-u", "handler.py"] (in a start script, ` + "`exec`" + ` the last command).
(warning)  JW016  Dockerfile    runpod is not among the requirements the Dockerfile installs
                                fix: Pin runpod (runpod==X.Y.Z) in the requirements file the Dockerfile installs with pip install -r.
` + bad + `: 1 error, 3 warnings, 1 info, 1 suppressed: fail
`
	if got := out.String(); got != want {
		t.Errorf("terminal output:\n%s\nwant:\n%s", got, want)
	}
	if errOut.Len() != 0 {
		t.Errorf("stderr: %q", errOut.String())
	}
}

func TestLintPipe(t *testing.T) {
	t.Parallel()
	good, bad := lintRepos(t)
	f, out, errOut := lintFactory(t, false)
	err := runLint(t.Context(), &lintOptions{f: f, repos: []string{good, bad}, output: "table", failOn: lint.Error})
	if code := exitCode(err); code != ExitFailed {
		t.Fatalf("exit %d, want 3", code)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 7 {
		t.Fatalf("%d rows:\n%s", len(lines), out.String())
	}
	if want := bad + "\terror\tJW005\tDockerfile:2\tCOPY source \"missing.txt\" does not exist in the repository\tCorrect the source path, add the missing file, or stop excluding it in .dockerignore.\treported"; lines[5] != want {
		t.Errorf("row = %q\nwant %q", lines[5], want)
	}
	wantErr := good + ": 0 errors, 0 warnings, 1 info, 0 suppressed: pass\n" + bad + ": 1 error, 4 warnings, 1 info, 0 suppressed: fail\n"
	if errOut.String() != wantErr {
		t.Errorf("stderr = %q, want %q", errOut.String(), wantErr)
	}
}

func TestLintExitCodes(t *testing.T) {
	t.Parallel()
	good, bad := lintRepos(t)
	tests := []struct {
		name   string
		repos  []string
		failOn lint.Severity
		ignore []string
		want   int
	}{
		{"clean at error", []string{good}, lint.Error, nil, ExitOK},
		{"info reaches info", []string{good}, lint.Info, nil, ExitFailed},
		{"error reaches error", []string{bad}, lint.Error, nil, ExitFailed},
		{"suppressed error passes", []string{bad}, lint.Error, []string{"JW005"}, ExitOK},
		{"missing directory", []string{good, filepath.Join(good, "nope")}, lint.Error, nil, ExitError},
		{"unreachable remote", []string{"acme/worker"}, lint.Error, nil, ExitError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f, _, errOut := lintFactory(t, false)
			err := runLint(t.Context(), &lintOptions{f: f, repos: tt.repos, output: "json", failOn: tt.failOn, ignore: tt.ignore})
			if code := exitCode(err); code != tt.want {
				t.Errorf("exit %d, want %d (stderr %q)", code, tt.want, errOut.String())
			}
		})
	}
}

func TestLintJSONAndSARIF(t *testing.T) {
	t.Parallel()
	good, bad := lintRepos(t)
	f, out, errOut := lintFactory(t, false)
	_ = runLint(t.Context(), &lintOptions{f: f, repos: []string{good, bad}, output: "json", failOn: lint.Warning})
	var doc struct {
		FailOn       string `json:"fail_on"`
		Passed       bool   `json:"passed"`
		Repositories []struct {
			Repository string         `json:"repository"`
			Passed     bool           `json:"passed"`
			Findings   []lint.Finding `json:"findings"`
			Facts      lint.Facts     `json:"facts"`
		} `json:"repositories"`
	}
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, out.String())
	}
	if doc.FailOn != "warning" || doc.Passed || len(doc.Repositories) != 2 || !doc.Repositories[0].Passed || doc.Repositories[0].Facts.Handler != "handler.py" {
		t.Errorf("json = %+v", doc)
	}
	if !strings.Contains(errOut.String(), ": pass\n") {
		t.Errorf("no summary on stderr: %q", errOut.String())
	}

	f, out, _ = lintFactory(t, false)
	_ = runLint(t.Context(), &lintOptions{f: f, repos: []string{bad}, output: "sarif", failOn: lint.Error})
	var sarif map[string]any
	if err := json.Unmarshal(out.Bytes(), &sarif); err != nil || sarif["version"] != "2.1.0" {
		t.Errorf("sarif: %v %v", err, sarif["version"])
	}
}

func TestLintUsage(t *testing.T) {
	t.Parallel()
	good, _ := lintRepos(t)
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"lint"}, "name at least one repository"},
		{[]string{"lint", "-o", "yaml", good}, "--output must be table, json or sarif"},
		{[]string{"lint", "--fail-on", "fatal", good}, `--fail-on: unknown severity "fatal"`},
		{[]string{"lint", "--ignore", "JW999", good}, "--ignore JW999: unknown rule ID"},
	}
	for _, tt := range tests {
		ios, _, _, errOut := iostreams.Test()
		if code := Main(context.Background(), tt.args, ios, "test"); code != ExitUsage {
			t.Errorf("%v: exit %d, want 2", tt.args, code)
		}
		if !strings.Contains(errOut.String(), tt.want) || !strings.Contains(errOut.String(), "Usage:") {
			t.Errorf("%v: stderr %q, want %q and the usage", tt.args, errOut.String(), tt.want)
		}
	}
}

// TestLintStore records a lint-only run and reads it back: a lint
// validation per repository with its lint_findings report.
func TestLintStore(t *testing.T) {
	t.Parallel()
	good, bad := lintRepos(t)
	d := storetest.New(t)
	f, _, errOut := lintFactory(t, false)
	cfg := &config.Config{Env: "dev", DataDir: t.TempDir(), Environments: map[string]config.Environment{"dev": {Database: config.Database{
		AgentURL: d.Agent, ReaderURL: d.Reader, AdminURL: d.Admin}}}}
	f.Config = func() (*config.Config, error) { return cfg, nil }
	err := runLint(t.Context(), &lintOptions{f: f, repos: []string{good, bad}, output: "json", failOn: lint.Error, store: true})
	if code := exitCode(err); code != ExitFailed {
		t.Fatalf("exit %d (%v), want 3", code, err)
	}
	if !strings.Contains(errOut.String(), "stored lint run ") {
		t.Errorf("stderr = %q", errOut.String())
	}
	rows, err := d.Open(t, store.RoleReader).QueryStrings(t.Context(), `
SELECT rv.repository_name, rv.organization, rv.validation_type, rv.validation_status, vr.status,
       rp.report_type, rp.report_data->>'errors', rp.report_data->'findings'->0->>'rule'
FROM repository_validations rv
JOIN validation_runs vr ON vr.run_id = rv.run_id
JOIN validation_reports rp ON rp.validation_id = rv.id
ORDER BY rv.repository_name`)
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"bad", "local", "lint", "failed", "completed", "lint_findings", "1", "JW018"},
		{"good", "local", "lint", "success", "completed", "lint_findings", "0", "JW022"},
	}
	if len(rows) != len(want) {
		t.Fatalf("rows = %v", rows)
	}
	for i := range want {
		if strings.Join(rows[i], "|") != strings.Join(want[i], "|") {
			t.Errorf("row %d = %v, want %v", i, rows[i], want[i])
		}
	}
}
