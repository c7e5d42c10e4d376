package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/runpod-workers/janitor/pkg/config"
	"github.com/runpod-workers/janitor/pkg/iostreams"
	"github.com/runpod-workers/janitor/pkg/store"
	"github.com/runpod-workers/janitor/pkg/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

var now = time.Date(2026, 1, 15, 17, 30, 22, 0, time.UTC)

// testFactory returns a Factory on a fresh database seeded with two runs,
// and its stdout and stderr.
func testFactory(t *testing.T, tty bool) (*Factory, *bytes.Buffer, *bytes.Buffer) {
	t.Helper()
	d := storetest.New(t)
	seedTwoRuns(t, d.Open(t, store.RoleAgent))
	ios, _, out, errOut := iostreams.Test()
	ios.SetStdoutTTY(tty)
	ios.SetNoColor(true)
	f := NewFactory(ios, "test")
	f.Now = func() time.Time { return now }
	cfg := &config.Config{Env: "dev", Environments: map[string]config.Environment{"dev": {Database: config.Database{
		AgentURL: d.Agent, ReaderURL: d.Reader, AdminURL: d.Admin}}}}
	f.Config = func() (*config.Config, error) { return cfg, nil }
	t.Cleanup(f.Close)
	return f, out, errOut
}

func seedTwoRuns(t *testing.T, db *store.DB) {
	t.Helper()
	ctx := t.Context()
	tru := true
	secs := 45
	r1, r2 := uuid.MustParse("aaaaaaaa-0000-4000-8000-000000000001"), uuid.MustParse("bbbbbbbb-0000-4000-8000-000000000002")
	for _, r := range []struct {
		id     uuid.UUID
		start  time.Time
		status string
	}{{r1, now.Add(-27 * time.Hour), store.RunCompleted}, {r2, now.Add(-3 * time.Hour), store.RunFailed}} {
		if err := db.RunInsert(ctx, store.RunInsertParams{RunID: r.id, Environment: "dev", StartedAt: r.start, RepositoryCount: 1}); err != nil {
			t.Fatal(err)
		}
		ok := r.status == store.RunCompleted
		at := r.start.Add(time.Minute)
		status := store.StatusFailed
		if ok {
			status = store.StatusSuccess
		}
		if _, err := db.ValidationInsert(ctx, store.ValidationInsertParams{RunID: r.id, Repository: "worker-template",
			Organization: "runpod-workers", Status: status, BuildSuccess: &tru, ContainerSuccess: &ok,
			GPUAvailable: &tru, CUDADetected: &tru, ExecutionTimeSeconds: &secs, CreatedAt: &at,
			CommitSHA: "0123456789abcdef"}); err != nil {
			t.Fatal(err)
		}
		if err := db.RunFinish(ctx, store.RunFinishParams{RunID: r.id, Status: r.status, CompletedAt: r.start.Add(2*time.Minute + 5*time.Second)}); err != nil {
			t.Fatal(err)
		}
	}
}

func TestQueryDBTerminal(t *testing.T) {
	t.Parallel()
	f, out, errOut := testFactory(t, true)
	err := runQueryDB(context.Background(), &queryDBOptions{f: f, repo: "worker-template", limit: 10, output: "table"})
	if err != nil {
		t.Fatal(err)
	}
	want := `Repository: runpod-workers/worker-template
Last Validation: 2026-01-15 14:31:22 UTC
Status: failed
Build: ✓ succeeded
Container: ✗ failed
GPU Available: ✓ CUDA detected and GPU available
Execution Time: 45 seconds
Failing Since: 2026-01-15 14:31:22 UTC
Last Success: 2026-01-14 14:31:22 UTC

Recent validations
WHEN         STATUS   BUILD  CONTAINER  GPU  TIME  ENV  COMMIT   RUN
2 hours ago  failed   yes    no         yes  45s   dev  0123456  bbbbbbbb
1 day ago    success  yes    yes        yes  45s   dev  0123456  aaaaaaaa
`
	if got := out.String(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if errOut.String() != "" {
		t.Errorf("stderr = %q", errOut.String())
	}
}

func TestQueryRunsTerminalAndPipe(t *testing.T) {
	t.Parallel()
	f, out, _ := testFactory(t, true)
	if err := runQueryRuns(context.Background(), &queryRunsOptions{f: f, limit: 20, output: "table"}); err != nil {
		t.Fatal(err)
	}
	want := `RUN ID    ENV  STARTED      DURATION  STATUS     REPOSITORIES
bbbbbbbb  dev  3 hours ago  2m05s     failed     0/1 successful
aaaaaaaa  dev  1 day ago    2m05s     completed  1/1 successful
`
	if got := out.String(); got != want {
		t.Errorf("terminal: got\n%s\nwant\n%s", got, want)
	}

	f2, out2, _ := testFactory(t, false)
	if err := runQueryRuns(context.Background(), &queryRunsOptions{f: f2, limit: 1, output: "table"}); err != nil {
		t.Fatal(err)
	}
	if got, want := out2.String(), "bbbbbbbb-0000-4000-8000-000000000002\tdev\t2026-01-15T14:30:22Z\t2m05s\tfailed\t0/1 successful\n"; got != want {
		t.Errorf("pipe: got %q want %q", got, want)
	}
}

// The JSON field names are an API: pin them.
func TestJSONFieldNames(t *testing.T) {
	t.Parallel()
	f, out, _ := testFactory(t, false)
	if err := runQueryRuns(context.Background(), &queryRunsOptions{f: f, limit: 1, output: "json"}); err != nil {
		t.Fatal(err)
	}
	var runs []map[string]any
	if err := json.Unmarshal(out.Bytes(), &runs); err != nil {
		t.Fatal(err)
	}
	assertKeys(t, runs[0], "run_id", "environment", "instance_id", "started_at", "completed_at", "status",
		"repository_count", "trigger_source", "total_repos", "successful_repos", "duration_ms")

	f2, out2, _ := testFactory(t, false)
	if err := runQueryDB(context.Background(), &queryDBOptions{f: f2, repo: "worker-template", limit: 1, output: "json"}); err != nil {
		t.Fatal(err)
	}
	var res map[string]any
	if err := json.Unmarshal(out2.Bytes(), &res); err != nil {
		t.Fatal(err)
	}
	assertKeys(t, res, "repository", "organization", "latest", "last_success", "failing_since", "history")
	assertKeys(t, res["latest"].(map[string]any), "id", "validation_uuid", "run_id", "environment", "repository_name",
		"organization", "validation_status", "validation_type", "build_success", "container_execution_success",
		"gpu_available", "cuda_detected", "error_message", "execution_time_seconds", "commit_sha",
		"image_size_bytes", "duration_ms", "created_at", "completed_at")
}

func assertKeys(t *testing.T, m map[string]any, keys ...string) {
	t.Helper()
	if len(m) != len(keys) {
		t.Errorf("object has %d keys, want %d: %v", len(m), len(keys), m)
	}
	for _, k := range keys {
		if _, ok := m[k]; !ok {
			t.Errorf("missing key %q in %v", k, m)
		}
	}
}

func TestExitCodes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		want int
	}{
		{"help", []string{"--help"}, ExitOK},
		{"version", []string{"version"}, ExitOK},
		{"unknown command", []string{"frobnicate"}, ExitUsage},
		{"unknown flag", []string{"query-runs", "--frob"}, ExitUsage},
		{"bad output", []string{"config", "show", "-o", "xml"}, ExitUsage},
		{"unknown env", []string{"query-runs", "--env", "nope", "--config", "/dev/null"}, ExitError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ios, _, _, errOut := iostreams.Test()
			got := Main(context.Background(), tt.args, ios, "test")
			if got != tt.want {
				t.Errorf("exit %d, want %d; stderr: %s", got, tt.want, errOut)
			}
		})
	}
}

func TestInterruptedExit(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	ios, _, _, _ := iostreams.Test()
	// A cancelled context while connecting is an interruption, not a failure.
	got := Main(ctx, []string{"query-runs", "--database-url", "postgres://u@127.0.0.1:1/x", "--config", "/dev/null"}, ios, "test")
	if got != ExitInterrupted {
		t.Errorf("exit %d, want %d", got, ExitInterrupted)
	}
}

func TestDurationCell(t *testing.T) {
	t.Parallel()
	for d, want := range map[time.Duration]string{
		850 * time.Millisecond: "850ms", 45 * time.Second: "45s", 192 * time.Second: "3m12s",
		64 * time.Minute: "1h04m",
	} {
		if got := durationCell(d); got != want {
			t.Errorf("durationCell(%v) = %q, want %q", d, got, want)
		}
	}
}
