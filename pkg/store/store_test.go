package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/runpod-workers/janitor/pkg/store"
	"github.com/runpod-workers/janitor/pkg/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

func ptr[T any](v T) *T { return &v }

func TestMigrateEmptyDatabaseThenIdempotent(t *testing.T) {
	t.Parallel()
	d := storetest.NewEmpty(t)
	db := d.Open(t, store.RoleAdmin)
	ctx := t.Context()

	st, err := db.MigrationStatus(ctx)
	if err != nil {
		t.Fatal(err)
	}
	all, _ := store.Migrations()
	if len(st) != len(all) || len(all) < 2 {
		t.Fatalf("status lists %d migrations, embedded %d", len(st), len(all))
	}
	for _, s := range st {
		if s.AppliedAt != nil {
			t.Errorf("migration %d applied on an empty database", s.Version)
		}
	}
	applied, err := db.Migrate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(applied) != len(all) {
		t.Fatalf("applied %d of %d migrations", len(applied), len(all))
	}
	again, err := db.Migrate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(again) != 0 {
		t.Fatalf("second migrate applied %d migrations, want 0", len(again))
	}
	st, err = db.MigrationStatus(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range st {
		if s.AppliedAt == nil {
			t.Errorf("migration %d still pending", s.Version)
		}
	}
	// The contract's tables, view and columns exist.
	for _, q := range []string{
		`SELECT id, run_id, environment, instance_id, started_at, completed_at, status, repository_count, repos_file_path, created_at FROM validation_runs`,
		`SELECT id, run_id, repository_name, organization, validation_status, validation_type, build_success, container_execution_success, gpu_available, cuda_detected, error_message, execution_time_seconds, created_at FROM repository_validations`,
		`SELECT id, validation_id, report_type, report_data, created_at FROM validation_reports`,
		`SELECT run_id, repository_name, organization, validation_status, results_json, created_at FROM validation_results`,
	} {
		if err := db.Exec(ctx, q); err != nil {
			t.Errorf("%s: %v", q, err)
		}
	}
}

func TestMigrateConcurrentCallersWait(t *testing.T) {
	t.Parallel()
	d := storetest.NewEmpty(t)
	ctx := t.Context()
	errs := make(chan error, 3)
	counts := make(chan int, 3)
	for range 3 {
		go func() {
			db, err := store.Open(ctx, d.Admin, store.Options{})
			if err != nil {
				errs <- err
				return
			}
			defer db.Close()
			m, err := db.Migrate(ctx)
			counts <- len(m)
			errs <- err
		}()
	}
	total := 0
	for range 3 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
		total += <-counts
	}
	all, _ := store.Migrations()
	if total != len(all) {
		t.Fatalf("three concurrent migrations applied %d in total, want %d (each once)", total, len(all))
	}
}

func TestMigrateRefusesEditedMigration(t *testing.T) {
	t.Parallel()
	d := storetest.New(t)
	db := d.Open(t, store.RoleAdmin)
	if err := db.Exec(t.Context(), `UPDATE janitor_schema_migrations SET checksum = 'deadbeef' WHERE version = 1`); err != nil {
		t.Fatal(err)
	}
	_, err := db.Migrate(t.Context())
	if err == nil || !strings.Contains(err.Error(), "must never be edited") {
		t.Fatalf("Migrate after an edit = %v, want an error about edited migrations", err)
	}
}

func TestMigrationsNeverDropData(t *testing.T) {
	t.Parallel()
	all, err := store.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range all {
		up := strings.ToUpper(m.SQL)
		for _, bad := range []string{"DROP TABLE", "DROP COLUMN", "TRUNCATE", "DELETE FROM", "DROP SCHEMA"} {
			if strings.Contains(up, bad) {
				t.Errorf("migration %04d_%s contains %s: migrations never drop data", m.Version, m.Name, bad)
			}
		}
	}
}

// seed writes runs and validations through the store as the agent role.
func seed(t *testing.T, agent *store.DB) (run1, run2 uuid.UUID) {
	t.Helper()
	ctx := t.Context()
	base := time.Date(2026, 1, 15, 14, 0, 0, 0, time.UTC)
	run1, run2 = uuid.New(), uuid.New()
	for i, r := range []uuid.UUID{run1, run2} {
		if err := agent.RunInsert(ctx, store.RunInsertParams{RunID: r, Environment: "dev", InstanceID: "i-0abc",
			StartedAt: base.Add(time.Duration(i) * time.Hour), RepositoryCount: 2}); err != nil {
			t.Fatal(err)
		}
	}
	mk := func(run uuid.UUID, repo, status string, at time.Time) store.ValidationInsertParams {
		ok := status == store.StatusSuccess
		return store.ValidationInsertParams{RunID: run, Repository: repo, Organization: "runpod-workers",
			Status: status, BuildSuccess: ptr(true), ContainerSuccess: ptr(ok), GPUAvailable: ptr(false),
			CUDADetected: ptr(false), ExecutionTimeSeconds: ptr(45), CompletedAt: &at,
			Reports: []store.ReportInsert{{Type: store.ReportBuildLog, Data: json.RawMessage(`{"tail":"ok"}`)}}}
	}
	if _, err := agent.ValidationInsert(ctx,
		mk(run1, "worker-template", store.StatusSuccess, base),
		mk(run1, "worker-basic", store.StatusSuccess, base),
		mk(run2, "worker-template", store.StatusFailed, base.Add(time.Hour)),
		mk(run2, "worker-basic", store.StatusSuccess, base.Add(time.Hour)),
	); err != nil {
		t.Fatal(err)
	}
	if err := agent.RunFinish(ctx, store.RunFinishParams{RunID: run1, Status: store.RunCompleted}); err != nil {
		t.Fatal(err)
	}
	return run1, run2
}

func TestContractQueries(t *testing.T) {
	t.Parallel()
	d := storetest.New(t)
	agent := d.Open(t, store.RoleAgent)
	reader := d.Open(t, store.RoleReader)
	ctx := t.Context()
	run1, run2 := seed(t, agent)
	// created_at is the insert time; spread the rows so order is defined.
	admin := d.Open(t, store.RoleAdmin)
	if err := admin.Exec(ctx, `UPDATE repository_validations rv SET created_at = vr.started_at + (rv.id * interval '1 second')
		FROM validation_runs vr WHERE vr.run_id = rv.run_id`); err != nil {
		t.Fatal(err)
	}

	t.Run("history of one repository", func(t *testing.T) {
		rows, err := reader.QueryStrings(ctx, `SELECT rv.repository_name, rv.validation_status, rv.build_success,
       rv.container_execution_success, rv.created_at
FROM repository_validations rv
WHERE rv.repository_name = 'worker-template'
ORDER BY rv.created_at DESC
LIMIT 5`)
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 2 || rows[0][1] != "failed" || rows[1][1] != "success" || rows[0][3] != "false" {
			t.Fatalf("history = %v", rows)
		}
	})
	t.Run("success rate by repository", func(t *testing.T) {
		rows, err := reader.QueryStrings(ctx, `SELECT repository_name,
       COUNT(*) AS total_validations,
       COUNT(CASE WHEN validation_status = 'success' THEN 1 END) AS successful,
       ROUND(COUNT(CASE WHEN validation_status = 'success' THEN 1 END) * 100.0 / COUNT(*), 2) AS success_rate
FROM repository_validations
GROUP BY repository_name
ORDER BY success_rate DESC`)
		if err != nil {
			t.Fatal(err)
		}
		want := [][]string{{"worker-basic", "2", "2", "100.00"}, {"worker-template", "2", "1", "50.00"}}
		if len(rows) != 2 || strings.Join(rows[0], ",") != strings.Join(want[0], ",") || strings.Join(rows[1], ",") != strings.Join(want[1], ",") {
			t.Fatalf("success rate = %v, want %v", rows, want)
		}
	})
	t.Run("recent runs with counts", func(t *testing.T) {
		rows, err := reader.QueryStrings(ctx, `SELECT vr.run_id, vr.environment, vr.started_at, vr.status,
       COUNT(rv.id) AS total_repos,
       COUNT(CASE WHEN rv.validation_status = 'success' THEN 1 END) AS successful_repos
FROM validation_runs vr
LEFT JOIN repository_validations rv ON vr.run_id = rv.run_id
GROUP BY vr.run_id, vr.environment, vr.started_at, vr.status
ORDER BY vr.started_at DESC
LIMIT 10`)
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 2 || rows[0][0] != run2.String() || rows[0][3] != "running" || rows[0][4] != "2" || rows[0][5] != "1" ||
			rows[1][0] != run1.String() || rows[1][3] != "completed" || rows[1][5] != "2" {
			t.Fatalf("recent runs = %v", rows)
		}
	})
	t.Run("store read methods agree", func(t *testing.T) {
		runs, err := reader.RunList(ctx, store.RunListParams{Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		if len(runs) != 2 || runs[0].RunID != run2 || runs[0].Total != 2 || runs[0].Successful != 1 || runs[1].Successful != 2 {
			t.Fatalf("RunList = %+v", runs)
		}
		hist, err := reader.ValidationList(ctx, store.ValidationListParams{Repository: "worker-template", Organization: "runpod-workers", Limit: 5})
		if err != nil {
			t.Fatal(err)
		}
		if len(hist) != 2 || hist[0].Status != "failed" || hist[0].Environment != "dev" || *hist[0].ExecutionTimeSeconds != 45 {
			t.Fatalf("ValidationList = %+v", hist)
		}
		streak, err := reader.ValidationStreak(ctx, store.ValidationListParams{Repository: "worker-template"})
		if err != nil {
			t.Fatal(err)
		}
		if streak.LastSuccess == nil || streak.FailingSince == nil || !streak.FailingSince.Equal(hist[0].CreatedAt) || !streak.LastSuccess.Equal(hist[1].CreatedAt) {
			t.Fatalf("streak = %+v, history = %+v", streak, hist)
		}
		ok, err := reader.ValidationStreak(ctx, store.ValidationListParams{Repository: "worker-basic"})
		if err != nil {
			t.Fatal(err)
		}
		if ok.LastSuccess == nil || ok.FailingSince != nil {
			t.Fatalf("worker-basic streak = %+v", ok)
		}
	})
	t.Run("view", func(t *testing.T) {
		rows, err := reader.QueryStrings(ctx, `SELECT repository_name, results_json->>'build_success', results_json->>'execution_time_seconds'
FROM validation_results WHERE validation_status = 'failed'`)
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 1 || rows[0][0] != "worker-template" || rows[0][1] != "true" || rows[0][2] != "45" {
			t.Fatalf("view = %v", rows)
		}
	})
}

func TestValidationInsertIsIdempotent(t *testing.T) {
	t.Parallel()
	d := storetest.New(t)
	agent := d.Open(t, store.RoleAgent)
	reader := d.Open(t, store.RoleReader)
	ctx := t.Context()
	run := uuid.New()
	for range 2 {
		if err := agent.RunInsert(ctx, store.RunInsertParams{RunID: run, Environment: "dev"}); err != nil {
			t.Fatal(err)
		}
	}
	p := store.ValidationInsertParams{ValidationUUID: uuid.New(), RunID: run, Repository: "worker-basic",
		Organization: "runpod-workers", Status: store.StatusSuccess,
		Reports: []store.ReportInsert{{Type: store.ReportBuildLog, Data: json.RawMessage(`{"a":1}`)}, {Type: store.ReportContainerLog, Data: json.RawMessage(`{"b":2}`)}}}
	first, err := agent.ValidationInsert(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	second, err := agent.ValidationInsert(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	if !first[0].Inserted || second[0].Inserted {
		t.Fatalf("inserted = %v then %v, want true then false", first[0].Inserted, second[0].Inserted)
	}
	rows, err := reader.QueryStrings(ctx, `SELECT (SELECT count(*) FROM repository_validations), (SELECT count(*) FROM validation_reports), (SELECT count(*) FROM validation_runs)`)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(rows[0], ",") != "1,2,1" {
		t.Fatalf("counts (validations, reports, runs) = %v, want 1,2,1", rows[0])
	}
}

func TestOlderWritersStillWork(t *testing.T) {
	t.Parallel()
	d := storetest.New(t)
	admin := d.Open(t, store.RoleAdmin)
	ctx := t.Context()
	// Only the contract's columns, defaults for the rest.
	err := admin.Exec(ctx, `
INSERT INTO validation_runs (run_id, environment, instance_id, started_at, status, repository_count, repos_file_path)
VALUES ('11111111-1111-1111-1111-111111111111', 'prod', 'i-1', now(), 'running', 1, 'repos.yaml');
INSERT INTO repository_validations (run_id, repository_name, organization, validation_status, validation_type,
    build_success, container_execution_success, gpu_available, cuda_detected, error_message, execution_time_seconds)
VALUES ('11111111-1111-1111-1111-111111111111', 'worker-basic', 'runpod-workers', 'success', 'docker_validation',
    true, true, true, true, NULL, 12);
INSERT INTO validation_reports (validation_id, report_type, report_data)
SELECT id, 'build_log', '{"log": "ok"}' FROM repository_validations;`)
	if err != nil {
		t.Fatal(err)
	}
}

func TestRolePermissions(t *testing.T) {
	t.Parallel()
	d := storetest.New(t)
	agent := d.Open(t, store.RoleAgent)
	reader := d.Open(t, store.RoleReader)
	seed(t, agent)
	ctx := t.Context()
	denied := func(t *testing.T, db *store.DB, q string) {
		t.Helper()
		err := db.Exec(ctx, q)
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || (pgErr.Code != "42501" && pgErr.Code != "42P01") {
			t.Errorf("%q: got %v, want permission denied", q, err)
		}
	}
	allowed := func(t *testing.T, db *store.DB, q string) {
		t.Helper()
		if err := db.Exec(ctx, q); err != nil {
			t.Errorf("%q: %v, want allowed", q, err)
		}
	}
	t.Run("agent", func(t *testing.T) {
		allowed(t, agent, `SELECT run_id, status FROM validation_runs`)
		allowed(t, agent, `UPDATE validation_runs SET status = 'completed'`)
		for _, q := range []string{
			`DELETE FROM validation_runs`,
			`DELETE FROM repository_validations`,
			`DELETE FROM validation_reports`,
			`UPDATE repository_validations SET validation_status = 'success'`,
			`UPDATE validation_reports SET report_data = '{}'`,
			`SELECT error_message FROM repository_validations`,
			`SELECT * FROM validation_reports`,
			`SELECT * FROM validation_results`,
			`TRUNCATE validation_runs`,
			`TRUNCATE repository_validations`,
			`DROP TABLE validation_reports`,
			`DROP VIEW validation_results`,
			`ALTER TABLE validation_runs ADD COLUMN x int`,
			`CREATE TABLE public.x (id int)`,
			`DELETE FROM janitor_schema_migrations`,
		} {
			denied(t, agent, q)
		}
	})
	t.Run("reader", func(t *testing.T) {
		for _, q := range []string{
			`SELECT * FROM validation_runs`, `SELECT * FROM repository_validations`,
			`SELECT * FROM validation_reports`, `SELECT * FROM validation_results`,
			`SELECT * FROM janitor_schema_migrations`,
		} {
			allowed(t, reader, q)
		}
		for _, q := range []string{
			`INSERT INTO validation_runs (run_id, environment, started_at, status) VALUES (gen_random_uuid(), 'x', now(), 'running')`,
			`UPDATE validation_runs SET status = 'failed'`,
			`DELETE FROM repository_validations`,
			`TRUNCATE validation_reports`,
			`DROP TABLE validation_runs`,
			`ALTER TABLE repository_validations DROP COLUMN organization`,
			`CREATE TABLE public.y (id int)`,
		} {
			denied(t, reader, q)
		}
	})
}

func TestNotMigratedError(t *testing.T) {
	t.Parallel()
	d := storetest.NewEmpty(t)
	db := d.Open(t, store.RoleAdmin)
	_, err := db.RunList(t.Context(), store.RunListParams{})
	if !errors.Is(err, store.ErrNotMigrated) || !strings.Contains(err.Error(), "janitor db-migrate") {
		t.Fatalf("RunList on an empty database = %v, want ErrNotMigrated with a hint", err)
	}
}

func TestOpenUnreachableNamesHostNotPassword(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	_, err := store.Open(ctx, "postgres://agent:s3cret-pw@127.0.0.1:1/results?sslmode=disable", store.Options{ConnectTimeout: 1500 * time.Millisecond})
	if err == nil {
		t.Fatal("Open of a closed port succeeded")
	}
	msg := err.Error()
	if strings.Contains(msg, "s3cret-pw") {
		t.Errorf("error leaks the password: %s", msg)
	}
	if !strings.Contains(msg, "127.0.0.1:1") || !strings.Contains(msg, `"results"`) {
		t.Errorf("error does not name the server: %s", msg)
	}
	if !errors.Is(err, store.ErrUnreachable) {
		t.Errorf("error is not ErrUnreachable: %v", err)
	}
	if !strings.Contains(msg, "gave up after") || strings.Contains(msg, "after 1 attempts") {
		t.Errorf("error does not show that the connect was retried: %s", msg)
	}
}

func TestOpenBadURLDoesNotEchoPassword(t *testing.T) {
	t.Parallel()
	_, err := store.Open(t.Context(), "postgres://u:topsecret@host:notaport/db", store.Options{})
	if err == nil || strings.Contains(err.Error(), "topsecret") {
		t.Fatalf("err = %v", err)
	}
}
