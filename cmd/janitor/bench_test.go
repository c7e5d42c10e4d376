package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/runpod-workers/janitor/pkg/store"
	"github.com/runpod-workers/janitor/pkg/store/storetest"
)

// BenchmarkDB seeds 1,000,000 validations over 5,000 repositories and
// 100,000 runs, then measures the paths behind query-db and query-runs,
// janitor's process start, and a large insert. Run it with `make bench-db`
// (JANITOR_BENCH_DB=1); docs/benchmarks.md holds the figures.
func BenchmarkDB(b *testing.B) {
	if os.Getenv("JANITOR_BENCH_DB") == "" {
		b.Skip("set JANITOR_BENCH_DB=1 (make bench-db): seeding a million rows takes a minute")
	}
	d := storetest.New(b)
	admin := d.Open(b, store.RoleAdmin)
	reader := d.Open(b, store.RoleReader)
	ctx := context.Background()

	start := time.Now()
	seedMillion(b, admin)
	b.Logf("seeded 1,000,000 validations in %s", time.Since(start).Round(time.Second))

	repos := make([]string, 200)
	for i := range repos {
		repos[i] = fmt.Sprintf("worker-%d", rand.IntN(5000))
	}
	sqls := store.QuerySQL()

	b.Run("query-db-server", func(b *testing.B) {
		var list, streak []float64
		for i := 0; b.Loop(); i++ {
			repo := repos[i%len(repos)]
			list = append(list, explainMs(b, reader, sqls["ValidationList"], repo, "", "", 10))
			streak = append(streak, explainMs(b, reader, sqls["ValidationStreak"], repo, "", ""))
		}
		b.ReportMetric(median(list), "list-median-ms")
		b.ReportMetric(median(streak), "streak-median-ms")
	})
	b.Run("query-runs-latest-20", func(b *testing.B) {
		var server []float64
		for b.Loop() {
			if _, err := reader.RunList(ctx, store.RunListParams{Limit: 20}); err != nil {
				b.Fatal(err)
			}
			server = append(server, explainMs(b, reader, sqls["RunList"], "", "", 20))
		}
		b.ReportMetric(median(server), "server-median-ms")
	})

	bin := buildJanitor(b)
	cfg := filepath.Join(b.TempDir(), "config.yaml")
	if err := os.WriteFile(cfg, fmt.Appendf(nil, "environments:\n  dev:\n    database:\n      reader_url: %q\n", d.Reader), 0o600); err != nil {
		b.Fatal(err)
	}
	b.Run("process-query-db", func(b *testing.B) {
		var ms []float64
		for i := 0; b.Loop(); i++ {
			ms = append(ms, runMs(b, bin, "--config", cfg, "query-db", "--repo", repos[i%len(repos)]))
		}
		b.ReportMetric(median(ms), "median-ms")
	})
	b.Run("process-help", func(b *testing.B) {
		var ms []float64
		for b.Loop() {
			ms = append(ms, runMs(b, bin, "--help"))
		}
		b.ReportMetric(median(ms), "median-ms")
	})
	agent := d.Open(b, store.RoleAgent)
	b.Run("insert-run-1000-validations", func(b *testing.B) {
		for b.Loop() {
			run := uuid.New()
			if err := agent.RunInsert(ctx, store.RunInsertParams{RunID: run, Environment: "dev", RepositoryCount: 1000}); err != nil {
				b.Fatal(err)
			}
			ps := make([]store.ValidationInsertParams, 1000)
			for i := range ps {
				ps[i] = store.ValidationInsertParams{RunID: run, Repository: fmt.Sprintf("worker-%d", i),
					Organization: "runpod-workers", Status: store.StatusSuccess,
					Reports: []store.ReportInsert{
						{Type: store.ReportBuildLog, Data: json.RawMessage(`{"tail":"Successfully built"}`)},
						{Type: store.ReportPerformanceMetrics, Data: json.RawMessage(`{"build_ms":1200,"run_ms":800}`)},
					}}
			}
			if _, err := agent.ValidationInsert(ctx, ps...); err != nil {
				b.Fatal(err)
			}
			if err := agent.RunFinish(ctx, store.RunFinishParams{RunID: run, Status: store.RunCompleted}); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func seedMillion(b *testing.B, admin *store.DB) {
	b.Helper()
	ctx := context.Background()
	for _, q := range []string{
		`SET statement_timeout = 0; INSERT INTO validation_runs (run_id, environment, instance_id, started_at, completed_at, status, repository_count)
		 SELECT gen_random_uuid(), CASE WHEN i % 10 = 0 THEN 'prod' ELSE 'dev' END, 'i-0bench',
		        now() - (100000 - i) * interval '5 minutes',
		        now() - (100000 - i) * interval '5 minutes' + interval '3 minutes',
		        CASE WHEN i % 7 = 0 THEN 'failed' ELSE 'completed' END, 10
		 FROM generate_series(1, 100000) AS i`,
		`SET statement_timeout = 0; INSERT INTO repository_validations (run_id, repository_name, organization, validation_status, validation_type,
		        build_success, container_execution_success, gpu_available, cuda_detected, execution_time_seconds,
		        commit_sha, created_at)
		 SELECT r.run_id, 'worker-' || ((r.id * 10 + k) % 5000), 'runpod-workers',
		        CASE WHEN (r.id + k) % 5 = 0 THEN 'failed' ELSE 'success' END, 'docker_validation',
		        true, (r.id + k) % 5 <> 0, true, true, 30 + (r.id + k) % 60,
		        md5(r.id::text || k::text), r.started_at + k * interval '10 seconds'
		 FROM validation_runs r, generate_series(0, 9) AS k`,
		`ANALYZE`,
	} {
		if err := admin.Exec(ctx, q); err != nil {
			b.Fatal(err)
		}
	}
}

// explainMs runs EXPLAIN ANALYZE of q and returns the server's execution
// time; it fails when the plan scans repository_validations sequentially.
func explainMs(b *testing.B, db *store.DB, q string, args ...any) float64 {
	b.Helper()
	rows, err := db.QueryStrings(context.Background(), "EXPLAIN (ANALYZE) "+q, args...)
	if err != nil {
		b.Fatal(err)
	}
	var plan strings.Builder
	ms := -1.0
	for _, r := range rows {
		plan.WriteString(r[0] + "\n")
		if v, ok := strings.CutPrefix(strings.TrimSpace(r[0]), "Execution Time: "); ok {
			if _, err := fmt.Sscanf(v, "%f ms", &ms); err != nil {
				b.Fatal(err)
			}
		}
	}
	if strings.Contains(plan.String(), "Seq Scan on repository_validations") {
		b.Fatalf("sequential scan over repository_validations:\n%s", plan.String())
	}
	if ms < 0 {
		b.Fatalf("no execution time in plan:\n%s", plan.String())
	}
	return ms
}

func buildJanitor(b *testing.B) string {
	b.Helper()
	bin := filepath.Join(b.TempDir(), "janitor")
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("build janitor: %v\n%s", err, out)
	}
	return bin
}

func runMs(b *testing.B, bin string, args ...string) float64 {
	b.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "JANITOR_CONFIG=")
	start := time.Now()
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("%s %v: %v\n%s", bin, args, err, out)
	}
	return float64(time.Since(start).Microseconds()) / 1000
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}
