package validate

import (
	"fmt"
	"testing"
	"time"
)

// BenchmarkPipelineOverhead measures what the pipeline itself costs per
// repository (work directory, checkout files, test input, verdict, reports,
// sink) with an engine that answers at once.
func BenchmarkPipelineOverhead(b *testing.B) {
	const repos = 8
	specs := map[string]*spec{}
	for i := range repos {
		specs[fmt.Sprintf("w%d", i)] = &spec{run: RunResult{ExitCode: 0, Stdout: "Job local_test completed successfully.\n"}}
	}
	w := newWorld(b, specs)
	list := w.repos()
	opts := quiet(Options{Concurrency: 1, WorkDir: b.TempDir()})
	b.ResetTimer()
	for b.Loop() {
		if _, err := w.pipeline().Run(b.Context(), list, opts); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*repos), "µs/repo")
}

// BenchmarkConcurrency validates 8 repositories whose build takes 200 ms
// and run 100 ms (sleeps) with 1 and 4 workers; compare the ns/op.
func BenchmarkConcurrency(b *testing.B) {
	for _, n := range []int{1, 4} {
		b.Run(fmt.Sprintf("concurrency=%d", n), func(b *testing.B) {
			specs := map[string]*spec{}
			for i := range 8 {
				specs[fmt.Sprintf("w%d", i)] = &spec{buildWait: 200 * time.Millisecond, runWait: 100 * time.Millisecond}
			}
			w := newWorld(b, specs)
			list := w.repos()
			opts := quiet(Options{Concurrency: n, WorkDir: b.TempDir()})
			for b.Loop() {
				if _, err := w.pipeline().Run(b.Context(), list, opts); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
