package docker

import (
	"context"
	"crypto/rand"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// rawDocker returns a docker CLI that builds with BuildKit without buildx
// (the 20.10 CLI that Debian's docker.io installs as /usr/bin/docker), or
// what DOCKER_CLI names.
func rawDocker(b *testing.B) string {
	cli := os.Getenv("DOCKER_CLI")
	if cli == "" {
		cli = "/usr/bin/docker"
	}
	if _, err := exec.LookPath(cli); err != nil {
		b.Skipf("no docker CLI at %s to compare with (set DOCKER_CLI): %v", cli, err)
	}
	return cli
}

// rawCmd runs the docker CLI as a user would, with BuildKit on.
func rawCmd(b *testing.B, cli string, args ...string) {
	b.Helper()
	cmd := exec.Command(cli, args...)
	cmd.Env = append(os.Environ(), "DOCKER_BUILDKIT=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("%s %s: %v\n%s", cli, strings.Join(args, " "), err, out)
	}
}

// BenchmarkOverhead measures janitor's Build+Run of a warm-cache context
// against `docker build` + `docker run --rm --init` of the same context, side
// by side in each iteration (alternating which goes first). It reports both
// times and janitor's overhead; the target is under 10% or 300 ms, whichever
// is larger.
//
//	go test -run '^$' -bench Overhead -benchtime 20x ./pkg/docker
func BenchmarkOverhead(b *testing.B) {
	e := engine(b)
	cli := rawDocker(b)
	ctx := context.Background()
	dir := probeContext(b, map[string]string{
		"Dockerfile": probeDockerfile + "COPY nonce /nonce\n",
		"nonce":      rand.Text(),
		// A few files, as a small worker repository has.
		"src/handler.py":     strings.Repeat("# handler\n", 200),
		"requirements.txt":   "runpod==1.7.0\n",
		"test_input.json":    `{"input": {"prompt": "hi"}}`,
		".runpod/hub.json":   "{}",
		".runpod/tests.json": `{"tests": []}`,
	})
	tag := "janitor-bench/overhead:" + strings.ToLower(rand.Text()[:8])
	labels := map[string]string{LabelRunID: testRunID(b)}
	b.Cleanup(func() { _, _ = e.Cleanup(context.Background(), labels[LabelRunID]) })

	janitor := func() {
		res, err := e.Build(ctx, BuildRequest{ContextDir: dir, Tags: []string{tag}, Labels: labels})
		if err != nil || res.Failed {
			b.Fatalf("build: %v %s", err, res.Log)
		}
		run, err := e.Run(ctx, RunRequest{Image: tag, Cmd: []string{"exit", "0"}, Init: true, Labels: labels})
		if err != nil || run.ExitCode != 0 {
			b.Fatalf("run: %v %+v", err, run)
		}
	}
	raw := func() {
		rawCmd(b, cli, "build", "-q", "-t", tag, "--label", LabelManaged+"=true", "--label", LabelRunID+"="+labels[LabelRunID], dir)
		rawCmd(b, cli, "run", "--rm", "--init", tag, "exit", "0")
	}
	janitor() // warm the cache and the engine
	raw()

	var janitorTotal, rawTotal time.Duration
	timed := func(f func()) time.Duration {
		start := time.Now()
		f()
		return time.Since(start)
	}
	b.ResetTimer()
	for i := range b.N {
		if i%2 == 0 {
			janitorTotal += timed(janitor)
			rawTotal += timed(raw)
		} else {
			rawTotal += timed(raw)
			janitorTotal += timed(janitor)
		}
	}
	b.StopTimer()
	n := float64(b.N)
	j, r := float64(janitorTotal.Milliseconds())/n, float64(rawTotal.Milliseconds())/n
	b.ReportMetric(j, "janitor-ms/op")
	b.ReportMetric(r, "raw-ms/op")
	b.ReportMetric(j-r, "overhead-ms/op")
	b.ReportMetric(100*(j-r)/r, "overhead-%")
}

// BenchmarkBuild measures a build of a small context with every step
// rebuilt (cold) and with every step cached (warm).
func BenchmarkBuild(b *testing.B) {
	e := engine(b)
	dir := probeContext(b, map[string]string{
		"Dockerfile": probeDockerfile + "COPY nonce /nonce\n",
		"nonce":      rand.Text(),
	})
	labels := map[string]string{LabelRunID: testRunID(b)}
	b.Cleanup(func() { _, _ = e.Cleanup(context.Background(), labels[LabelRunID]) })
	for _, tc := range []struct {
		name    string
		noCache bool
	}{{"cold", true}, {"warm", false}} {
		b.Run(tc.name, func(b *testing.B) {
			for range b.N {
				res, err := e.Build(context.Background(), BuildRequest{ContextDir: dir, NoCache: tc.noCache, Labels: labels})
				if err != nil || res.Failed {
					b.Fatalf("build: %v %s", err, res.Log)
				}
				b.ReportMetric(float64(res.CachedSteps), "cached-steps")
			}
		})
	}
}
