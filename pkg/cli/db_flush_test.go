package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/runpod-workers/janitor/pkg/spool"
	"github.com/runpod-workers/janitor/pkg/store"
	"github.com/runpod-workers/janitor/pkg/validate"
)

// spoolRun writes a whole run to the spool as if the database had been
// unreachable throughout, and returns its ID.
func spoolRun(t *testing.T, f *Factory) string {
	t.Helper()
	cfg, err := f.Config()
	if err != nil {
		t.Fatal(err)
	}
	cfg.DataDir = t.TempDir()
	sp, err := spool.Open(spoolDir(cfg))
	if err != nil {
		t.Fatal(err)
	}
	k := sp.Wrap(nil, spool.Options{Logger: slog.New(slog.DiscardHandler)})
	ctx := t.Context()
	runID := uuid.NewString()
	start := now.Add(-time.Hour)
	if err := k.RunStart(ctx, validate.Run{ID: runID, Environment: "dev", InstanceID: "i-0abc", StartedAt: start,
		Repositories: []string{"runpod-workers/worker-ok", "runpod-workers/worker-gpu"}, ReposFile: "repos.yaml", Status: validate.RunRunning}); err != nil {
		t.Fatal(err)
	}
	recs := []validate.Record{
		{ID: uuid.NewString(), RunID: runID, Repository: "worker-ok", Organization: "runpod-workers", Status: validate.StatusSuccess,
			ValidationType: validate.ValidationType, BuildSuccess: true, ContainerExecutionSuccess: true, Commit: "abc123", Ref: "main",
			StartedAt: start, FinishedAt: start.Add(90 * time.Second), DurationMS: 90_400,
			Build: &validate.BuildOutcome{Success: true, ImageID: "sha256:1", ImageSizeBytes: 1234},
			Run:   &validate.RunOutcome{ExitCode: 0},
			Reports: []validate.Report{{Type: validate.ReportPerformance, Data: json.RawMessage(`{"total_ms":90400}`)},
				{Type: validate.ReportContainerLog, Data: json.RawMessage(`{"stdout":"Job completed successfully."}`)}}},
		{ID: uuid.NewString(), RunID: runID, Repository: "worker-gpu", Organization: "runpod-workers", Status: validate.StatusSkipped,
			ValidationType: validate.ValidationType, ErrorMessage: "needs a GPU", StartedAt: start, FinishedAt: start.Add(time.Second),
			Reports: []validate.Report{{Type: validate.ReportRemediation, Data: json.RawMessage(`{"rule":"JW047","text":"Run on a GPU host."}`)}}},
	}
	for _, r := range recs {
		if err := k.ValidationRecord(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	if err := k.RunFinish(ctx, validate.RunFinish{RunID: runID, Status: validate.RunCompleted, CompletedAt: start.Add(2 * time.Minute)}); err != nil {
		t.Fatal(err)
	}
	return runID
}

func TestDBFlush(t *testing.T) {
	t.Parallel()
	f, out, errOut := testFactory(t, false)
	runID := spoolRun(t, f)
	cfg, _ := f.Config()
	file := filepath.Join(spoolDir(cfg), runID+".jsonl")
	saved, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}

	if err := runDBFlush(t.Context(), &dbFlushOptions{f: f, dryRun: true, output: "table"}); err != nil {
		t.Fatal(err)
	}
	if got, want := out.String(), runID+"\tpending\t0\t0\t0\tno\n"; got != want {
		t.Errorf("dry run: got %q want %q", got, want)
	}
	out.Reset()

	if err := runDBFlush(t.Context(), &dbFlushOptions{f: f, output: "table"}); err != nil {
		t.Fatalf("flush: %v (stderr %s)", err, errOut)
	}
	if got, want := out.String(), runID+"\tdelivered\t4\t0\t0\tyes\n"; got != want {
		t.Errorf("flush: got %q want %q", got, want)
	}
	want := [][]string{
		{"worker-gpu", "skipped", "NULL", "NULL", "0", "needs a GPU", "NULL", "1"},
		{"worker-ok", "success", "true", "true", "90", "NULL", "abc123", "2"},
	}
	checkFlushed(t, f, runID, want)

	// Again: nothing left.
	out.Reset()
	errOut.Reset()
	if err := runDBFlush(t.Context(), &dbFlushOptions{f: f, output: "table"}); err != nil {
		t.Fatal(err)
	}
	if out.String() != "" || !strings.Contains(errOut.String(), "nothing to flush") {
		t.Errorf("second flush: stdout %q stderr %q", out, errOut)
	}

	// The same lines once more, as after a crash before the progress
	// mark: the database keeps one copy.
	if err := os.WriteFile(file, saved, 0o600); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := runDBFlush(t.Context(), &dbFlushOptions{f: f, output: "json"}); err != nil {
		t.Fatal(err)
	}
	var rows []map[string]any
	if err := json.Unmarshal(out.Bytes(), &rows); err != nil {
		t.Fatalf("json: %v: %s", err, out)
	}
	if len(rows) != 1 || rows[0]["status"] != "delivered" || rows[0]["sent"] != 4.0 {
		t.Errorf("json rows = %v", rows)
	}
	assertKeys(t, rows[0], "run_id", "file", "status", "sent", "skipped", "pending_bytes", "finished", "damaged", "error")
	checkFlushed(t, f, runID, want)
}

func checkFlushed(t *testing.T, f *Factory, runID string, want [][]string) {
	t.Helper()
	db, err := f.DB(t.Context(), store.RoleReader)
	if err != nil {
		t.Fatal(err)
	}
	run, err := db.QueryStrings(t.Context(), `SELECT status, repository_count, instance_id, repos_file_path FROM validation_runs WHERE run_id = $1`, runID)
	if err != nil {
		t.Fatal(err)
	}
	if len(run) != 1 || strings.Join(run[0], " ") != "completed 2 i-0abc repos.yaml" {
		t.Errorf("run rows = %v", run)
	}
	got, err := db.QueryStrings(t.Context(), `
SELECT rv.repository_name, rv.validation_status, rv.build_success, rv.container_execution_success,
       rv.execution_time_seconds, rv.error_message, rv.commit_sha, count(r.id)
FROM repository_validations rv LEFT JOIN validation_reports r ON r.validation_id = rv.id
WHERE rv.run_id = $1
GROUP BY rv.id ORDER BY rv.repository_name`, runID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("validations = %v, want %v", got, want)
	}
	for i := range want {
		if strings.Join(got[i], "|") != strings.Join(want[i], "|") {
			t.Errorf("validation %d = %q, want %q", i, got[i], want[i])
		}
	}
}

// TestDBFlushDatabaseDown: the spool stays when the database cannot be
// reached, and the error says so.
func TestDBFlushDatabaseDown(t *testing.T) {
	t.Parallel()
	f, out, _ := testFactory(t, false)
	runID := spoolRun(t, f)
	f.DB = func(ctx context.Context, role store.Role) (*store.DB, error) {
		return nil, fmt.Errorf("connect to 127.0.0.1:1: %w", store.ErrUnreachable)
	}
	err := runDBFlush(t.Context(), &dbFlushOptions{f: f, output: "table"})
	if err == nil || !errors.Is(err, store.ErrUnreachable) || !strings.Contains(err.Error(), "they stay in") {
		t.Errorf("error = %v", err)
	}
	if !strings.HasPrefix(out.String(), runID+"\tfailed\t0\t") {
		t.Errorf("stdout = %q", out)
	}
	cfg, _ := f.Config()
	if _, err := os.Stat(filepath.Join(spoolDir(cfg), runID+".jsonl")); err != nil {
		t.Errorf("spool file gone: %v", err)
	}
}

func TestValidationParamsLeaveUnrunStepsNull(t *testing.T) {
	t.Parallel()
	rec := validate.Record{ID: uuid.NewString(), RunID: uuid.NewString(), Status: validate.StatusSkipped, DurationMS: 1_600}
	p, err := validationParams(rec)
	if err != nil {
		t.Fatal(err)
	}
	if p.BuildSuccess != nil || p.ContainerSuccess != nil || p.ImageSizeBytes != nil || *p.ExecutionTimeSeconds != 2 || *p.GPUAvailable {
		t.Errorf("params = %+v", p)
	}
	if _, err := validationParams(validate.Record{ID: "x"}); err == nil {
		t.Error("no error for a bad UUID")
	}
}
