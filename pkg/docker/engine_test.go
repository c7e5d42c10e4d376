package docker

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/moby/moby/client"
	"github.com/moby/moby/client/pkg/versions"
	"github.com/runpod-workers/janitor/pkg/testenv"
)

var (
	sharedEngine = sync.OnceValues(func() (*Engine, error) {
		return New(context.Background(), Options{PingTimeout: 5 * time.Second})
	})
	probeDir string // where probeBinary builds, removed by TestMain
	probe    = sync.OnceValues(buildProbe)
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "janitor-probe-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	probeDir = dir
	code := m.Run()
	if e, err := sharedEngine(); err == nil {
		_ = e.Close()
	}
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// engine returns a connection to the real engine, or ends the test when none
// answers (a failure in CI).
func engine(t testing.TB) *Engine {
	t.Helper()
	e, err := sharedEngine()
	if errors.Is(err, ErrUnavailable) {
		testenv.Missing(t, "a Docker engine: start one with `sudo .ci/dockerd` ("+err.Error()+")")
	}
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// buildProbe compiles testdata/probe as a static binary for the images.
func buildProbe() (string, error) {
	out := filepath.Join(probeDir, "probe")
	cmd := exec.Command("go", "build", "-trimpath", "-o", out, "./testdata/probe")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux")
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build the probe: %v\n%s", err, b)
	}
	return out, nil
}

// probeContext makes a build context holding the probe binary and the given
// files (name -> content; "Dockerfile" among them).
func probeContext(t testing.TB, files map[string]string) string {
	t.Helper()
	bin, err := probe()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	b, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "probe"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// probeDockerfile copies the probe with its execute bit set (the context
// copy has none) and makes it the entrypoint.
const probeDockerfile = `FROM scratch
COPY --chmod=755 probe /probe
ENTRYPOINT ["/probe"]
`

// testRunID returns a run ID unique to the test, for labels.
func testRunID(t testing.TB) string {
	return strings.ToLower(strings.NewReplacer("/", "-", " ", "-").Replace(t.Name())) + "-" + fmt.Sprint(time.Now().UnixNano())
}

// buildProbeImage builds probeDockerfile and removes the image at the end.
func buildProbeImage(t testing.TB, e *Engine) string {
	t.Helper()
	res, err := e.Build(t.Context(), BuildRequest{
		ContextDir: probeContext(t, map[string]string{"Dockerfile": probeDockerfile}),
		Labels:     map[string]string{LabelRunID: testRunID(t)},
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Failed {
		t.Fatalf("probe image build failed: %s\n%s", res.Error, res.Log)
	}
	removeImageAtEnd(t, e, res.ImageID)
	return res.ImageID
}

// removeImageAtEnd removes the image when the test ends.
func removeImageAtEnd(t testing.TB, e *Engine, id string) {
	t.Cleanup(func() {
		if err := e.RemoveImage(context.Background(), id); err != nil {
			t.Error(err)
		}
	})
}

// managedContainers lists the containers labelled with runID.
func managedContainers(t testing.TB, e *Engine, runID string) []string {
	t.Helper()
	res, err := e.cli.ContainerList(t.Context(), client.ContainerListOptions{
		All:     true,
		Filters: client.Filters{}.Add("label", LabelRunID+"="+runID),
	})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, c := range res.Items {
		ids = append(ids, c.ID)
	}
	return ids
}

func TestNewUnavailable(t *testing.T) {
	t.Parallel()
	sock := filepath.Join(t.TempDir(), "no-engine.sock")
	_, err := New(t.Context(), Options{Host: "unix://" + sock, PingTimeout: 2 * time.Second})
	if !errors.Is(err, ErrUnavailable) {
		t.Fatalf("New with no engine = %v, want ErrUnavailable", err)
	}
	if !strings.Contains(err.Error(), sock) {
		t.Errorf("error %q does not say which address was tried", err)
	}
	if h := Hint(err); !strings.Contains(h, "is the Docker daemon running?") {
		t.Errorf("Hint = %q", h)
	}
	if h := Hint(errors.New("other")); h != "" {
		t.Errorf("Hint for an unrelated error = %q, want none", h)
	}
}

func TestInfo(t *testing.T) {
	t.Parallel()
	e := engine(t)
	info, err := e.Info(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if info.ServerVersion == "" || info.OS != "linux" || info.CPUs < 1 || info.MemoryBytes <= 0 {
		t.Errorf("Info = %+v: missing basics", info)
	}
	ping, err := e.cli.Ping(t.Context(), client.PingOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := ping.APIVersion
	if versions.GreaterThan(want, client.MaxAPIVersion) {
		want = client.MaxAPIVersion
	}
	if info.APIVersion != want {
		t.Errorf("APIVersion = %q, want %q (the engine speaks %s)", info.APIVersion, want, ping.APIVersion)
	}
	if len(info.Runtimes) == 0 || info.DefaultRuntime == "" {
		t.Errorf("Info lists no runtimes: %+v", info)
	}
	if err := e.Ping(t.Context()); err != nil {
		t.Errorf("Ping: %v", err)
	}
}
