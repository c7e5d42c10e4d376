package lint

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
)

// writeFiles writes files (slash path -> content) under dir.
func writeFiles(tb testing.TB, dir string, files map[string]string) {
	tb.Helper()
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
}

// repo writes files into a new directory.
func repo(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	writeFiles(t, dir, files)
	return dir
}

// cleanFiles returns the clean fixture's files, to vary one at a time.
func cleanFiles(t *testing.T) map[string]string {
	t.Helper()
	for _, f := range loadFixtures(t) {
		if f.name == "clean" {
			m := map[string]string{}
			for _, file := range f.ar.Files {
				m[file.Name] = string(file.Data)
			}
			return m
		}
	}
	t.Fatal("no clean fixture")
	return nil
}

func run(t *testing.T, dir string, opts Options) *Report {
	t.Helper()
	rep, err := Run(t.Context(), dir, opts)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return rep
}

func findings(rep *Report, id string) []Finding {
	var out []Finding
	for _, f := range rep.Findings {
		if f.RuleID == id {
			out = append(out, f)
		}
	}
	return out
}

func TestSuppressions(t *testing.T) {
	t.Parallel()
	base := cleanFiles(t)
	base["Dockerfile"] = strings.Replace(base["Dockerfile"], `CMD ["python", "-u", "handler.py"]`, "CMD python -u handler.py", 1)
	base["docker/Dockerfile.gpu"] = "FROM python:latest\n"
	base["README.md"] = "x"
	base["Dockerfile"] += "COPY missing.txt /app/\n"
	tests := []struct {
		name           string
		config         string
		ignore         []string
		wantFindings   []string
		wantSuppressed []string
	}{
		{"none", "", nil, []string{"JW005", "JW007"}, []string{}},
		{"config everywhere", "ignore: [JW007]\n", nil, []string{"JW005"}, []string{"JW007"}},
		{"caller", "", []string{"jw005"}, []string{"JW007"}, []string{"JW005"}},
		{"both", "ignore:\n  - JW007\n", []string{"JW005"}, []string{}, []string{"JW005", "JW007"}},
		{"path scope matches", "ignore:\n  - rule: JW007\n    path: Dockerfile\n", nil, []string{"JW005"}, []string{"JW007"}},
		{"path scope elsewhere", "ignore:\n  - {rule: JW007, path: \"docker/*\"}\n", nil, []string{"JW005", "JW007"}, []string{}},
		{"directory pattern", "ignore:\n  - {rule: JW005, path: \"**/Dockerfile\"}\n", nil, []string{"JW007"}, []string{"JW005"}},
		{"empty config", "", nil, []string{"JW005", "JW007"}, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			files := map[string]string{}
			for k, v := range base {
				files[k] = v
			}
			if tt.config != "" {
				files[".janitor.yaml"] = tt.config
			}
			rep := run(t, repo(t, files), Options{Ignore: tt.ignore})
			if got := ruleIDs(rep.Findings); !reflect.DeepEqual(got, tt.wantFindings) {
				t.Errorf("findings = %v, want %v", got, tt.wantFindings)
			}
			if got := ruleIDs(rep.Suppressed); !reflect.DeepEqual(got, tt.wantSuppressed) {
				t.Errorf("suppressed = %v, want %v", got, tt.wantSuppressed)
			}
			if s := rep.Summary(); s.Suppressed != len(rep.Suppressed) {
				t.Errorf("summary counts %d suppressed", s.Suppressed)
			}
		})
	}
}

func TestSuppressionErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, config string
		ignore       []string
		want         string
	}{
		{"unknown caller id", "", []string{"JW999"}, `unknown rule ID "JW999"`},
		{"unknown config id", "ignore: [JW100]\n", nil, `.janitor.yaml line 1: unknown rule ID "JW100"`},
		{"unknown key", "ignores: [JW007]\n", nil, "field ignores not found"},
		{"bad entry", "ignore:\n  - [JW007]\n", nil, "line 2: an ignore entry is"},
		{"bad mapping", "ignore:\n  - {rule: JW007, paths: x}\n", nil, "line 2"},
		{"not yaml", "ignore: [JW007\n", nil, ".janitor.yaml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			files := map[string]string{"Dockerfile": "FROM scratch\n"}
			if tt.config != "" {
				files[".janitor.yaml"] = tt.config
			}
			_, err := Run(t.Context(), repo(t, files), Options{Ignore: tt.ignore})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v, want %q", err, tt.want)
			}
		})
	}
	// Dynamic result IDs share the ID space and may be suppressed too.
	if _, err := Run(t.Context(), repo(t, map[string]string{".janitor.yaml": "ignore: [JW045]\n"}), Options{Ignore: []string{"JW047"}}); err != nil {
		t.Errorf("dynamic IDs rejected: %v", err)
	}
}

func TestBadInput(t *testing.T) {
	t.Parallel()
	outside := t.TempDir()
	secret := filepath.Join(outside, "secret.txt")
	if err := os.WriteFile(secret, []byte("FROM python:3.11\nCMD [\"cat\", \"/etc/shadow\"]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		setup   func(t *testing.T, dir string)
		rule    string
		message string
	}{
		{"huge Dockerfile", func(t *testing.T, dir string) {
			f, err := os.Create(filepath.Join(dir, "Dockerfile"))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if err := f.Truncate(50 << 20); err != nil { // sparse: 50 MB without writing them
				t.Fatal(err)
			}
		}, DockerfileInvalid, "50.0 MiB, more than the 1.0 MiB janitor reads"},
		{"binary Dockerfile", func(t *testing.T, dir string) {
			write(t, dir, "Dockerfile", "FROM python:3.11\n\x00\x01\x02ELF")
		}, DockerfileInvalid, "binary file"},
		{"Dockerfile links outside", func(t *testing.T, dir string) {
			if err := os.Symlink(secret, filepath.Join(dir, "Dockerfile")); err != nil {
				t.Fatal(err)
			}
		}, DockerfileInvalid, "outside the repository"},
		{"Dockerfile links outside relatively", func(t *testing.T, dir string) {
			if err := os.Symlink("../../../../../../../../"+secret, filepath.Join(dir, "Dockerfile")); err != nil {
				t.Fatal(err)
			}
		}, DockerfileInvalid, "outside the repository"},
		{"invalid UTF-8 in hub.json", func(t *testing.T, dir string) {
			write(t, dir, "Dockerfile", "FROM python:3.11@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\nCMD [\"python\", \"h.py\"]\n")
			write(t, dir, ".runpod/hub.json", "{\n\"title\": \"\xc3\x28\"}")
			write(t, dir, ".runpod/tests.json", `{"tests": [{"name": "a", "input": {}, "timeout": 1}]}`)
		}, HubInvalid, "not valid UTF-8"},
		{"deeply nested tests.json", func(t *testing.T, dir string) {
			write(t, dir, ".runpod/tests.json", `{"tests": [{"name": "a", "input": `+strings.Repeat(`{"a":`, 5000)+"1"+strings.Repeat("}", 5000)+"}]}")
		}, TestsInvalid, "nested deeper than 64 levels"},
		{"handler links outside", func(t *testing.T, dir string) {
			write(t, dir, "Dockerfile", "FROM python:3.11\nCOPY handler.py /\nCMD [\"python\", \"/handler.py\"]\n")
			if err := os.Symlink(secret, filepath.Join(dir, "handler.py")); err != nil {
				t.Fatal(err)
			}
		}, NoHandler, "handler.py is a symbolic link to a path outside the repository"},
		{"test_input links outside", func(t *testing.T, dir string) {
			if err := os.Symlink(secret, filepath.Join(dir, "test_input.json")); err != nil {
				t.Fatal(err)
			}
		}, TestInputInvalid, "outside the repository"},
		{"Dockerfile is a FIFO", func(t *testing.T, dir string) {
			if err := syscall.Mkfifo(filepath.Join(dir, "Dockerfile"), 0o644); err != nil {
				t.Skipf("mkfifo: %v", err)
			}
		}, DockerfileInvalid, "not a regular file"},
		{"binary test_input", func(t *testing.T, dir string) {
			write(t, dir, "test_input.json", "\x00\x00\x00")
		}, TestInputInvalid, "binary file"},
		{"invalid UTF-8 in Dockerfile", func(t *testing.T, dir string) {
			write(t, dir, "Dockerfile", "FROM python:3.11\nLABEL x=\"\xff\xfe\"\nCOPY n\xffpe /x\n")
		}, CopySourceMissing, "n\uFFFDpe"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			tt.setup(t, dir)
			rep := run(t, dir, Options{})
			var msgs []string
			for _, f := range findings(rep, tt.rule) {
				if strings.Contains(f.Message, tt.message) {
					return
				}
				msgs = append(msgs, f.Message)
			}
			t.Errorf("no %s finding containing %q; got %q (all: %v)", tt.rule, tt.message, msgs, ruleIDs(rep.Findings))
		})
	}
}

func write(t *testing.T, dir, name, body string) {
	t.Helper()
	writeFiles(t, dir, map[string]string{name: body})
}

func TestRunErrors(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "f")
	write(t, filepath.Dir(file), "f", "x")
	tests := []struct{ dir, want string }{
		{filepath.Join(t.TempDir(), "missing"), "no such directory"},
		{file, "not a directory"},
	}
	for _, tt := range tests {
		if _, err := Run(t.Context(), tt.dir, Options{}); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Run(%s) error = %v, want %q", tt.dir, err, tt.want)
		}
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := Run(ctx, repo(t, cleanFiles(t)), Options{}); err == nil {
		t.Error("Run with a cancelled context succeeded")
	}
}

// TestFacts checks what validate relies on, through layouts the fixtures do
// not cover: .runpod/Dockerfile precedence, start scripts with cd, COPY
// --from, python -m, bind-mounted requirements.
func TestFacts(t *testing.T) {
	t.Parallel()
	handler := "import runpod\nasync def handler(job):\n    return job\nrunpod.serverless.start({\"handler\": handler})\n"
	tests := []struct {
		name  string
		files map[string]string
		check func(t *testing.T, rep *Report)
	}{
		{"runpod Dockerfile wins", map[string]string{
			"Dockerfile":         "FROM python:3.10\nCMD [\"python\", \"root.py\"]\n",
			".runpod/Dockerfile": "ARG BASE=nvidia/cuda:12.1.0-runtime-ubuntu22.04\nFROM ${BASE}\nWORKDIR /w\nCOPY . .\nCMD [\"python3\", \"-u\", \"worker/handler.py\"]\n",
			"worker/handler.py":  handler,
		}, func(t *testing.T, rep *Report) {
			f := rep.Facts
			want := Facts{Dockerfile: ".runpod/Dockerfile", BaseImage: "nvidia/cuda:12.1.0-runtime-ubuntu22.04", BaseImageCUDA: "12.1",
				Workdir: "/w", RunDir: "/w", Handler: "worker/handler.py", HandlerKind: "async", HandlerFoundBy: "entry", Entry: "worker/handler.py"}
			got := Facts{Dockerfile: f.Dockerfile, BaseImage: f.BaseImage, BaseImageCUDA: f.BaseImageCUDA, Workdir: f.Workdir,
				RunDir: f.RunDir, Handler: f.Handler, HandlerKind: f.HandlerKind, HandlerFoundBy: f.HandlerFoundBy, Entry: f.Entry}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("facts = %+v\nwant %+v", got, want)
			}
			if !f.GPULikely || len(f.GPUEvidence) != 1 {
				t.Errorf("GPU evidence = %v", f.GPUEvidence)
			}
		}},
		{"start script with cd and a background server", map[string]string{
			"Dockerfile":        "FROM python:3.11\nCOPY --chmod=755 scripts/start.sh /start.sh\nCOPY src /srv/app\nCOPY test_input.json /srv/app/\nENTRYPOINT [\"/start.sh\"]\n",
			"scripts/start.sh":  "#!/bin/bash\nset -e\npython /opt/comfy/main.py --listen &\ncd /srv/app\nexec python -u rp_handler.py --rp_log_level INFO\n",
			"src/rp_handler.py": handler,
			"test_input.json":   `{"input": {}}`,
		}, func(t *testing.T, rep *Report) {
			f := rep.Facts
			if f.Entry != "scripts/start.sh" || f.Handler != "src/rp_handler.py" || f.RunDir != "/srv/app" || f.Workdir != "/" {
				t.Errorf("entry %q handler %q run dir %q workdir %q", f.Entry, f.Handler, f.RunDir, f.Workdir)
			}
			if f.TestInput != "test_input.json" || !f.TestInputInWorkdir || len(findings(rep, TestInputNotInWorkdir)) != 0 {
				t.Errorf("test input %q in workdir %v", f.TestInput, f.TestInputInWorkdir)
			}
			if !f.BuildKit || !reflect.DeepEqual(f.Entrypoint, []string{"/start.sh"}) {
				t.Errorf("buildkit %v entrypoint %v", f.BuildKit, f.Entrypoint)
			}
		}},
		{"copy from a build stage and python -m", map[string]string{
			"Dockerfile": "FROM python:3.11 AS build\nWORKDIR /build\nCOPY app/ ./app/\nRUN --mount=type=bind,source=reqs/base.txt,target=/tmp/r.txt pip install -r /tmp/r.txt\n" +
				"FROM python:3.11-slim\nCOPY --from=build /build/app /opt/app\nWORKDIR /opt\nCMD [\"python\", \"-m\", \"app.main\", \"--test_input\", \"{\\\"input\\\": {}}\"]\n",
			"app/main.py":   "from app.worker import handler\nimport runpod\nrunpod.serverless.start({\"handler\": handler})\n",
			"app/worker.py": "def handler(job):\n    yield 1\n",
			"reqs/base.txt": "runpod==1.7.0\ntorch==2.4.0\n",
		}, func(t *testing.T, rep *Report) {
			f := rep.Facts
			if f.Handler != "app/main.py" || f.HandlerKind != "generator" || f.HandlerFunction != "handler" || !f.TestInputFlag {
				t.Errorf("handler %q kind %q function %q flag %v", f.Handler, f.HandlerKind, f.HandlerFunction, f.TestInputFlag)
			}
			if len(findings(rep, RunpodRequirement)) != 0 || len(findings(rep, TestInputNotInWorkdir)) != 0 {
				t.Errorf("unexpected findings %v", ruleIDs(rep.Findings))
			}
			if !f.GPULikely {
				t.Error("torch requirement is no GPU evidence")
			}
		}},
		{"modules of a PyTorch base image", map[string]string{
			"Dockerfile":         "FROM pytorch/pytorch:2.4.0-cuda12.1-cudnn9-runtime\nCOPY . /w\nCMD [\"python\", \"/w/handler.py\"]\n",
			"handler.py":         handler,
			"tests/test_gpu.py":  "import torch\nimport torchvision\nimport handler\n",
			"tests/test_gone.py": "import diffusers\n",
		}, func(t *testing.T, rep *Report) {
			got := findings(rep, TestImportMissing)
			if len(got) != 1 || got[0].File != "tests/test_gone.py" {
				t.Errorf("JW035 = %+v", got)
			}
			if rep.Facts.BaseImageCUDA != "12.1" {
				t.Errorf("CUDA = %q", rep.Facts.BaseImageCUDA)
			}
		}},
		{"required env and tests config", map[string]string{
			"Dockerfile":         "FROM python:3.11\nENV SET_IN_IMAGE=1\nCOPY h.py /\nCMD [\"python\", \"/h.py\"]\n",
			"h.py":               "import os, runpod\nA = os.environ['SET_IN_IMAGE']\nB = os.environ['NEEDED']\ndef handler(job): return 1\nrunpod.serverless.start({'handler': handler})\n",
			".runpod/hub.json":   `{"title": "T", "description": "D", "type": "serverless", "category": "image", "config": {"runsOn": "GPU", "gpuIds": "ADA_24", "gpuCount": 2, "containerDiskInGb": 10, "allowedCudaVersions": ["12.4"]}}`,
			".runpod/tests.json": `{"tests": [{"name": "first", "input": {"n": 1.5}, "timeout": 90000}, {"name": "second", "input": {}}], "config": {"gpuTypeId": "NVIDIA RTX A4000", "gpuCount": 2, "env": [{"key": "OTHER", "value": 3}]}}`,
		}, func(t *testing.T, rep *Report) {
			f := rep.Facts
			if !reflect.DeepEqual(f.RequiredEnv, []string{"NEEDED", "SET_IN_IMAGE"}) {
				t.Errorf("required env %v", f.RequiredEnv)
			}
			if string(f.TestsInput) != `{"n":1.5}` || f.TestsName != "first" || f.TestsTimeoutMs != 90000 {
				t.Errorf("tests input %s name %q timeout %d", f.TestsInput, f.TestsName, f.TestsTimeoutMs)
			}
			if f.TestsGPUTypeID != "NVIDIA RTX A4000" || f.TestsGPUCount != 2 || !reflect.DeepEqual(f.TestsEnv, []EnvVar{{"OTHER", "3"}}) {
				t.Errorf("tests config %q %d %v", f.TestsGPUTypeID, f.TestsGPUCount, f.TestsEnv)
			}
			if f.RunsOn != "GPU" || !reflect.DeepEqual(f.AllowedCUDAVersions, []string{"12.4"}) {
				t.Errorf("runs on %q cuda %v", f.RunsOn, f.AllowedCUDAVersions)
			}
			env := findings(rep, TestsEnvMissing)
			if len(env) != 1 || !strings.Contains(env[0].Message, "NEEDED") || env[0].Line != 3 {
				t.Errorf("JW032 = %+v", env)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.check(t, run(t, repo(t, tt.files), Options{}))
		})
	}
}
