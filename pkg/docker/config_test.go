package docker

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/moby/buildkit/session/filesync"
	"github.com/moby/moby/api/types/build"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/mount"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/tonistiigi/fsutil"
	fstypes "github.com/tonistiigi/fsutil/types"
)

func TestContainerConfig(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "test_input.json")
	if err := os.WriteFile(file, []byte("{}"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, host, err := containerConfig(RunRequest{
		Image:       "janitor/worker:1",
		Cmd:         []string{"python", "handler.py"},
		Env:         []string{"A=1"},
		WorkDir:     "/app",
		Mounts:      []Mount{{Source: file, Target: "/app/test_input.json"}},
		GPUs:        true,
		MemoryBytes: 1 << 30,
		NanoCPUs:    2e9,
		PidsLimit:   512,
		Network:     "none",
		Labels:      map[string]string{LabelRunID: "r1"},
		Init:        true,
	})
	if err != nil {
		t.Fatal(err)
	}
	wantCfg := &container.Config{
		Image: "janitor/worker:1", Cmd: []string{"python", "handler.py"}, Env: []string{"A=1"}, WorkingDir: "/app",
		Labels:       map[string]string{LabelRunID: "r1", LabelManaged: "true"},
		AttachStdout: true, AttachStderr: true,
	}
	if !reflect.DeepEqual(cfg, wantCfg) {
		t.Errorf("config =\n%+v\nwant\n%+v", cfg, wantCfg)
	}
	pids := int64(512)
	init := true
	wantHost := &container.HostConfig{
		Init:        &init,
		NetworkMode: "none",
		LogConfig:   container.LogConfig{Type: "none"},
		Mounts:      []mount.Mount{{Type: mount.TypeBind, Source: file, Target: "/app/test_input.json", ReadOnly: true}},
		Resources: container.Resources{
			Memory: 1 << 30, MemorySwap: 1 << 30, NanoCPUs: 2e9, PidsLimit: &pids,
			DeviceRequests: []container.DeviceRequest{{Driver: "nvidia", Count: -1, Capabilities: [][]string{{"gpu"}}}},
		},
	}
	if !reflect.DeepEqual(host, wantHost) {
		t.Errorf("host config =\n%+v\nwant\n%+v", host, wantHost)
	}

	_, bare, err := containerConfig(RunRequest{Image: "x"})
	if err != nil {
		t.Fatal(err)
	}
	if *bare.Init || bare.Resources.PidsLimit != nil || bare.Resources.MemorySwap != 0 || bare.Resources.DeviceRequests != nil || bare.NetworkMode != "" {
		t.Errorf("a bare request set limits: %+v", bare)
	}
}

func TestBuildOptions(t *testing.T) {
	t.Parallel()
	opts, err := buildOptions(BuildRequest{
		Tags:      []string{"a:1"},
		BuildArgs: map[string]string{"BASE_IMAGE": "nvidia/cuda:12.4.1-runtime-ubuntu22.04", "EMPTY": ""},
		Labels:    map[string]string{LabelRunID: "r1"},
		Target:    "final",
		Platform:  "linux/amd64",
		NoCache:   true,
	})
	if err != nil {
		t.Fatal(err)
	}
	if opts.Version != build.BuilderBuildKit || opts.RemoteContext != "client-session" || !opts.Remove || opts.BuildID == "" {
		t.Errorf("not a BuildKit session build: %+v", opts)
	}
	if *opts.BuildArgs["BASE_IMAGE"] != "nvidia/cuda:12.4.1-runtime-ubuntu22.04" || opts.BuildArgs["EMPTY"] == nil || *opts.BuildArgs["EMPTY"] != "" {
		t.Errorf("build args %v", opts.BuildArgs)
	}
	if !reflect.DeepEqual(opts.Platforms, []ocispec.Platform{{OS: "linux", Architecture: "amd64"}}) {
		t.Errorf("platforms %v", opts.Platforms)
	}
	if opts.Labels[LabelManaged] != "true" || opts.Labels[LabelRunID] != "r1" || opts.Target != "final" || !opts.NoCache || opts.Tags[0] != "a:1" {
		t.Errorf("options %+v", opts)
	}
	other, _ := buildOptions(BuildRequest{})
	if other.BuildID == opts.BuildID {
		t.Error("two builds share a build ID")
	}
}

func TestParsePlatform(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want ocispec.Platform
		err  bool
	}{
		{in: "linux/amd64", want: ocispec.Platform{OS: "linux", Architecture: "amd64"}},
		{in: "linux/arm64/v8", want: ocispec.Platform{OS: "linux", Architecture: "arm64", Variant: "v8"}},
		{in: "amd64", err: true},
		{in: "linux/", err: true},
		{in: "a/b/c/d", err: true},
	}
	for _, tt := range tests {
		got, err := parsePlatform(tt.in)
		if (err != nil) != tt.err || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("parsePlatform(%q) = %v, %v", tt.in, got, err)
		}
	}
}

func TestBuildPaths(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tests := []struct {
		dockerfile     string
		wantDir, wantF string
	}{
		{"", dir, "Dockerfile"},
		{"Dockerfile", dir, "Dockerfile"},
		{".runpod/Dockerfile", filepath.Join(dir, ".runpod"), "Dockerfile"},
		{"docker/worker.Dockerfile", filepath.Join(dir, "docker"), "worker.Dockerfile"},
		{"/elsewhere/Dockerfile", "/elsewhere", "Dockerfile"},
	}
	for _, tt := range tests {
		ctxDir, dfDir, dfName, err := buildPaths(dir, tt.dockerfile)
		if err != nil || ctxDir != dir || dfDir != tt.wantDir || dfName != tt.wantF {
			t.Errorf("buildPaths(%q) = %q, %q, %q, %v", tt.dockerfile, ctxDir, dfDir, dfName, err)
		}
	}
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := buildPaths(file, ""); err == nil || !strings.Contains(err.Error(), "not a directory") {
		t.Errorf("a file as context: %v", err)
	}
}

func TestContextFilter(t *testing.T) {
	t.Parallel()
	f := contextFilter([]string{"secret.txt", "!keep"})
	opt := &fsutil.FilterOpt{ExcludePatterns: []string{"from-the-engine"}}
	if err := f("context", opt); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(opt.ExcludePatterns, []string{"from-the-engine", "secret.txt", "!keep"}) {
		t.Errorf("exclude patterns %q", opt.ExcludePatterns)
	}
	st := &fstypes.Stat{Uid: 1000, Gid: 1000}
	if r := opt.Map("a", st); r != fsutil.MapResultKeep || st.Uid != 0 || st.Gid != 0 {
		t.Errorf("map gave %v, uid %d gid %d; want files kept and owned by root", r, st.Uid, st.Gid)
	}
	other := &fsutil.FilterOpt{}
	if err := f("dockerfile", other); err != nil || other.ExcludePatterns != nil || other.Map != nil {
		t.Errorf("the Dockerfile directory was filtered: %+v", other)
	}
	var _ filesync.FilterOptFunc = f
}

func TestReadDockerignore(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if got, err := readDockerignore(dir); err != nil || got != nil {
		t.Errorf("no .dockerignore: %q, %v", got, err)
	}
	content := "# comment\n\nnode_modules\n/secret.txt\n!keep.log\n*.log\n"
	if err := os.WriteFile(filepath.Join(dir, ".dockerignore"), []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := readDockerignore(dir)
	if want := []string{"node_modules", "secret.txt", "!keep.log", "*.log"}; err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("readDockerignore = %q, %v; want %q", got, err, want)
	}
}

func TestStartExitCode(t *testing.T) {
	t.Parallel()
	tests := map[string]int{
		`OCI runtime create failed: exec: "python": executable file not found in $PATH: unknown`:  127,
		`OCI runtime create failed: exec: "/start.sh": stat /start.sh: no such file or directory`: 127,
		`OCI runtime create failed: exec: "/start.sh": permission denied: unknown`:                126,
		`cgroups: cannot find cgroup mount destination: unknown`:                                  125,
	}
	for msg, want := range tests {
		if got := startExitCode(msg); got != want {
			t.Errorf("startExitCode(%q) = %d, want %d", msg, got, want)
		}
	}
}

func TestRanFor(t *testing.T) {
	t.Parallel()
	tests := []struct {
		st   *container.State
		want time.Duration
		ok   bool
	}{
		{&container.State{StartedAt: "2026-01-02T03:04:05.5Z", FinishedAt: "2026-01-02T03:04:07Z"}, 1500 * time.Millisecond, true},
		{&container.State{StartedAt: "0001-01-01T00:00:00Z", FinishedAt: "0001-01-01T00:00:00Z"}, 0, false},
		{&container.State{StartedAt: "2026-01-02T03:04:07Z", FinishedAt: "2026-01-02T03:04:05Z"}, 0, false},
		{&container.State{StartedAt: "garbage"}, 0, false},
		{nil, 0, false},
	}
	for _, tt := range tests {
		if got, ok := ranFor(tt.st); got != tt.want || ok != tt.ok {
			t.Errorf("ranFor(%+v) = %v, %v", tt.st, got, ok)
		}
	}
}
