package main

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/runpod-workers/janitor/pkg/store/storetest"
	"github.com/runpod-workers/janitor/pkg/validate"
)

// BenchmarkValidate measures the whole `janitor validate` process against a
// real Docker engine and PostgreSQL. Run it with `make bench-validate`
// (JANITOR_BENCH_VALIDATE=1); docs/benchmarks.md holds the figures.
//
//   - overhead: janitor validate of one warm-cache repository against
//     `docker build` + `docker run --rm --init` of the same repository with
//     the docker CLI (DOCKER_CLI, default /usr/bin/docker, DOCKER_BUILDKIT=1),
//     side by side, alternating which goes first. janitor --keep-images is
//     compared with build + run, janitor's default (which removes the image)
//     with build + run + rmi.
//   - concurrency: 8 repositories whose handler sleeps 1 s, --concurrency 1
//     against --concurrency 4, with janitor's peak RSS for each.
//   - cache: a repository never built before (cold), then validated again
//     unchanged (warm), with the build steps taken from the layer cache.
func BenchmarkValidate(b *testing.B) {
	if os.Getenv("JANITOR_BENCH_VALIDATE") == "" {
		b.Skip("set JANITOR_BENCH_VALIDATE=1 (make bench-validate): it builds and runs containers for minutes")
	}
	requireDocker(b)
	cli := os.Getenv("DOCKER_CLI")
	if cli == "" {
		cli = "/usr/bin/docker"
	}
	if _, err := exec.LookPath(cli); err != nil {
		b.Skipf("no docker CLI at %s to compare with (set DOCKER_CLI): %v", cli, err)
	}
	h := newBenchHarness(b, cli)

	b.Run("overhead", func(b *testing.B) {
		repo := h.repo(b, "bench-overhead", 0, "")
		tag := "janitor-bench/overhead:" + strings.ToLower(rand.Text()[:8])
		raw := func() time.Duration {
			start := time.Now()
			h.docker(b, "build", "-q", "-t", tag, "--label", validate.LabelManaged+"=true", "--label", validate.LabelRunID+"="+h.id, repo)
			h.docker(b, "run", "--rm", "--init", tag)
			return time.Since(start)
		}
		rmi := func() time.Duration {
			start := time.Now()
			h.docker(b, "rmi", tag)
			return time.Since(start)
		}
		keep := func() time.Duration { return h.validate(b, "--keep-images", repo).took }
		dflt := func() time.Duration { return h.validate(b, repo).took }
		// Warm the layer cache, the engine and the database.
		raw()
		rmi()
		keep()
		dflt()
		const pairs = 4
		var rawMs, rawRmiMs, keepMs, dfltMs []float64
		for b.Loop() {
			for i := range pairs {
				if i%2 == 0 {
					keepMs = append(keepMs, ms(keep()))
					r := raw()
					rawMs = append(rawMs, ms(r))
					rawRmiMs = append(rawRmiMs, ms(r+rmi()))
					dfltMs = append(dfltMs, ms(dflt()))
				} else {
					r := raw()
					rawMs = append(rawMs, ms(r))
					rawRmiMs = append(rawRmiMs, ms(r+rmi()))
					keepMs = append(keepMs, ms(keep()))
					dfltMs = append(dfltMs, ms(dflt()))
				}
			}
		}
		k, r, d, rr := median(keepMs), median(rawMs), median(dfltMs), median(rawRmiMs)
		b.ReportMetric(k, "janitor-keep-ms")
		b.ReportMetric(r, "raw-build+run-ms")
		b.ReportMetric(k-r, "overhead-ms")
		b.ReportMetric(100*(k-r)/r, "overhead-%")
		b.ReportMetric(d, "janitor-ms")
		b.ReportMetric(rr, "raw-build+run+rmi-ms")
		b.ReportMetric(d-rr, "overhead-rmi-ms")
		b.Logf("medians of %d pairs: janitor --keep-images %.0f ms vs build+run %.0f ms (%+.0f ms, %+.1f%%); janitor %.0f ms vs build+run+rmi %.0f ms (%+.0f ms, %+.1f%%)",
			len(rawMs), k, r, k-r, 100*(k-r)/r, d, rr, d-rr, 100*(d-rr)/rr)
	})

	b.Run("concurrency", func(b *testing.B) {
		repos := make([]string, 8)
		for i := range repos {
			repos[i] = h.repo(b, fmt.Sprintf("bench-sleep-%d", i), 1, "")
		}
		h.validate(b, append([]string{"--concurrency", "4"}, repos...)...) // warm the cache
		var j1, j4, rss1, rss4 []float64
		for b.Loop() {
			r1 := h.validate(b, append([]string{"--concurrency", "1"}, repos...)...)
			r4 := h.validate(b, append([]string{"--concurrency", "4"}, repos...)...)
			j1, rss1 = append(j1, r1.took.Seconds()), append(rss1, r1.maxRSSMB)
			j4, rss4 = append(j4, r4.took.Seconds()), append(rss4, r4.maxRSSMB)
		}
		b.ReportMetric(median(j1), "j1-s")
		b.ReportMetric(median(j4), "j4-s")
		b.ReportMetric(median(j1)/median(j4), "speedup")
		b.ReportMetric(maxOf(rss1), "j1-peak-rss-MB")
		b.ReportMetric(maxOf(rss4), "j4-peak-rss-MB")
		b.Logf("8 repositories (1 s handler each): --concurrency 1 %.1f s, --concurrency 4 %.1f s, speed-up %.2fx; peak RSS %.0f MB (-j1), %.0f MB (-j4)",
			median(j1), median(j4), median(j1)/median(j4), maxOf(rss1), maxOf(rss4))
	})

	b.Run("cache", func(b *testing.B) {
		var cold, warm, coldCached, warmCached, steps []float64
		for i := 0; b.Loop(); i++ {
			// A nonce copied first makes every step of a new repository
			// miss the cache; the second validation changes nothing.
			repo := h.repo(b, fmt.Sprintf("bench-cache-%d", i), 0, rand.Text())
			c := h.validate(b, repo)
			w := h.validate(b, repo)
			cold, coldCached = append(cold, ms(c.took)), append(coldCached, float64(c.cached))
			warm, warmCached = append(warm, ms(w.took)), append(warmCached, float64(w.cached))
			steps = append(steps, float64(w.steps))
		}
		b.ReportMetric(median(cold), "cold-ms")
		b.ReportMetric(median(warm), "warm-ms")
		b.ReportMetric(median(coldCached), "cold-cached-steps")
		b.ReportMetric(median(warmCached), "warm-cached-steps")
		b.ReportMetric(median(steps), "steps")
		b.Logf("re-validating an unchanged repository: cold %.0f ms (%.0f of %.0f steps cached), warm %.0f ms (%.0f of %.0f cached)",
			median(cold), median(coldCached), median(steps), median(warm), median(warmCached), median(steps))
	})
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func maxOf(xs []float64) float64 {
	m := 0.0
	for _, x := range xs {
		m = max(m, x)
	}
	return m
}

// benchHarness runs the janitor binary against a test database and the
// docker CLI against the same engine.
type benchHarness struct {
	bin, cli, shim, dir string
	env                 []string
	// id labels what the raw docker CLI builds, for the final sweep.
	id     string
	runIDs []string
}

func newBenchHarness(b *testing.B, cli string) *benchHarness {
	d := storetest.New(b)
	dir := b.TempDir()
	if err := os.Chmod(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	home := filepath.Join(dir, "home")
	if err := writeConfig(home, d.Agent, d.Reader, d.Admin); err != nil {
		b.Fatal(err)
	}
	h := &benchHarness{
		bin:  buildJanitor(b),
		cli:  cli,
		shim: buildTestWorkers(b, "pyshim")["pyshim"],
		dir:  dir,
		env: append(os.Environ(), "HOME="+home, "XDG_CONFIG_HOME="+filepath.Join(home, ".config"),
			"JANITOR_DATA_DIR="+filepath.Join(dir, "data"), "NO_COLOR=1", "DOCKER_BUILDKIT=1"),
		id: "bench-" + strings.ToLower(rand.Text()[:12]),
	}
	b.Cleanup(h.sweep)
	return h
}

// repo writes a worker repository whose handler sleeps for sleep seconds;
// a nonce, when given, is copied into the image first.
func (h *benchHarness) repo(b *testing.B, name string, sleep float64, nonce string) string {
	dir := filepath.Join(h.dir, name)
	df := "FROM scratch\nENV PATH=/usr/local/bin\nWORKDIR /app\n"
	files := map[string]string{
		"handler.py":      "import runpod\n\n\ndef handler(job):\n    return {\"ok\": True}\n\n\nrunpod.serverless.start({\"handler\": handler})\n",
		"test_input.json": fmt.Sprintf(`{"input": {"name": %q, "sleep": %g}}`, name, sleep),
	}
	if nonce != "" {
		files["nonce"] = nonce
		df += "COPY nonce /nonce\n"
	}
	files["Dockerfile"] = df + "COPY python /usr/local/bin/python\nCOPY handler.py test_input.json ./\nCMD [\"python\", \"-u\", \"handler.py\"]\n"
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	for f, body := range files {
		if err := os.WriteFile(filepath.Join(dir, f), []byte(body), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	if err := copyFile(h.shim, filepath.Join(dir, "python"), 0o755); err != nil {
		b.Fatal(err)
	}
	return dir
}

// benchRun is one janitor validate process.
type benchRun struct {
	took time.Duration
	// maxRSSMB is the process's peak resident set (getrusage of the child).
	maxRSSMB float64
	// cached and steps count the build steps of the last repository
	// taken from the layer cache, and in all.
	cached, steps int
}

// validate runs janitor validate -o json with args, requires every
// repository to succeed and returns the wall time from exec to exit.
func (h *benchHarness) validate(b *testing.B, args ...string) benchRun {
	cmd := exec.Command(h.bin, append([]string{"validate", "-o", "json"}, args...)...)
	cmd.Env = h.env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	took := time.Since(start)
	if err != nil {
		b.Fatalf("janitor validate %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	var out struct {
		RunID   string            `json:"run_id"`
		Records []validate.Record `json:"repositories"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		b.Fatalf("janitor validate -o json: %v\n%s", err, stdout.String())
	}
	h.runIDs = append(h.runIDs, out.RunID)
	res := benchRun{took: took}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		res.maxRSSMB = float64(ru.Maxrss) / 1024 // KiB on Linux
	}
	for _, rec := range out.Records {
		if rec.Status != validate.StatusSuccess {
			b.Fatalf("%s: %s: %s", rec.Repository, rec.Status, rec.ErrorMessage)
		}
		for _, rep := range rec.Reports {
			if rep.Type != validate.ReportBuildLog {
				continue
			}
			var bl struct {
				Log string `json:"log"`
			}
			if err := json.Unmarshal(rep.Data, &bl); err != nil {
				b.Fatal(err)
			}
			res.cached, res.steps = buildSteps(bl.Log)
		}
	}
	return res
}

// buildSteps counts the Dockerfile steps in a BuildKit log ("#5 [2/4] COPY
// ...") and those taken from the cache ("#5 CACHED").
func buildSteps(log string) (cached, steps int) {
	ids := map[string]bool{}
	for _, l := range strings.Split(log, "\n") {
		f := strings.Fields(l)
		if len(f) < 2 || !strings.HasPrefix(f[0], "#") {
			continue
		}
		if strings.HasPrefix(f[1], "[") && strings.Contains(f[1], "/") && !ids[f[0]] {
			ids[f[0]] = true
			steps++
		}
		if f[1] == "CACHED" {
			cached++
		}
	}
	return cached, steps
}

// docker runs the docker CLI as a user would, with BuildKit on.
func (h *benchHarness) docker(b *testing.B, args ...string) {
	cmd := exec.Command(h.cli, args...)
	cmd.Env = h.env
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("%s %s: %v\n%s", h.cli, strings.Join(args, " "), err, out)
	}
}

// sweep removes the images the benchmark kept: janitor's by run, the raw
// CLI's by label.
func (h *benchHarness) sweep() {
	for _, id := range h.runIDs {
		cmd := exec.Command(h.bin, "cleanup", "--run-id", id)
		cmd.Env = h.env
		_ = cmd.Run()
	}
	out, err := exec.Command(h.cli, "images", "-q", "--filter", "label="+validate.LabelRunID+"="+h.id).Output()
	if err == nil && len(bytes.TrimSpace(out)) > 0 {
		_ = exec.Command(h.cli, append([]string{"rmi", "-f"}, strings.Fields(string(out))...)...).Run()
	}
}
