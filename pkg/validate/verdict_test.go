package validate

import (
	"encoding/json"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"
)

var discardLogger = slog.New(slog.DiscardHandler)

func ptr[T any](v T) *T { return &v }

// TestVerdicts drives one repository through the pipeline with a fake
// engine for every path of the verdict rules and checks the record.
func TestVerdicts(t *testing.T) {
	t.Parallel()
	gpuHost := GPUInfo{Present: true, Names: []string{"NVIDIA H100"}, Driver: "550.54", CUDAVersion: "12.4"}
	ok := RunResult{ExitCode: 0, Stdout: "--- Starting Serverless Worker |  Version 1.7.0 ---\nJob local_test completed successfully.\n", Duration: time.Second}
	tests := []struct {
		name string
		spec spec
		repo func(*Repo)
		opts Options
		gpu  GPUInfo

		status     Status
		rule       string
		remedy     string // substring of the remediation
		message    string // substring of the error message
		findings   []string
		build, run bool // build_success, container_execution_success
		ran        bool // the test container ran
		infra      bool
	}{
		{name: "success", spec: spec{run: ok},
			status: StatusSuccess, build: true, run: true, ran: true, findings: []string{}},
		{name: "build failed", spec: spec{build: BuildResult{Failed: true, FailedStep: "[3/5] RUN pip install -r requirements.txt",
			Log: "#7 [3/5] RUN pip install -r requirements.txt\nERROR: No matching distribution found for torchh\n"}},
			status: StatusFailed, rule: "JW040", remedy: "step [3/5] RUN pip install", message: "build failed at [3/5]", findings: []string{"JW040"}},
		{name: "build failed: base image not found", spec: spec{build: BuildResult{Failed: true,
			Log: "ERROR: failed to solve: nvidia/cuda:99.9-base: failed to resolve source metadata for docker.io/nvidia/cuda:99.9-base: docker.io/nvidia/cuda:99.9-base: not found\n"}},
			status: StatusFailed, rule: "JW040", remedy: "base image could not be pulled", findings: []string{"JW040"}},
		{name: "build failed: out of disk", spec: spec{build: BuildResult{Failed: true,
			Log: "#9 12.3 OSError: [Errno 28] No space left on device\n"}},
			status: StatusFailed, rule: "JW040", remedy: "disk space", findings: []string{"JW040"}},
		{name: "build timeout", spec: spec{buildHang: true}, opts: Options{BuildTimeout: 50 * time.Millisecond},
			status: StatusFailed, rule: "JW041", remedy: "longer than 50ms", message: "time limit of 50ms during [2/3] RUN sleep infinity", findings: []string{"JW041"}},
		{name: "build timeout, engine ignores it", spec: spec{buildBlock: make(chan struct{})}, opts: Options{BuildTimeout: 50 * time.Millisecond},
			status: StatusFailed, rule: "JW041", message: "time limit of 50ms", findings: []string{"JW041"}},
		{name: "build failed: engine message only", spec: spec{build: BuildResult{Failed: true,
			Error: `failed to solve: process "/bin/sh -c exit 3" did not complete successfully: exit code: 3`}},
			status: StatusFailed, rule: "JW040", message: `build failed: failed to solve: process "/bin/sh -c exit 3"`, findings: []string{"JW040"}},
		{name: "build engine error", spec: spec{buildErr: errEngineDown},
			status: StatusFailed, message: "Cannot connect to the Docker daemon", remedy: "dockerd", infra: true, findings: []string{}},
		{name: "image too large", spec: spec{build: BuildResult{SizeBytes: 3 << 30}, run: ok}, opts: Options{ImageSizeLimit: 1 << 30},
			status: StatusFailed, rule: "JW042", message: "3.0 GiB", build: true, findings: []string{"JW042"}},
		{name: "no Dockerfile", spec: spec{files: map[string]string{"handler.py": "x"}},
			status: StatusFailed, rule: "JW001", message: "no Dockerfile at Dockerfile", findings: []string{}},
		{name: "dockerfile from repos.yaml", spec: spec{files: map[string]string{"docker/Dockerfile.gpu": "FROM scratch", "test_input.json": "{}"},
			lint: LintReport{Facts: Facts{TestInputPath: "test_input.json"}}, run: ok},
			repo:   func(r *Repo) { r.Dockerfile = "docker/Dockerfile.gpu" },
			status: StatusSuccess, build: true, run: true, ran: true, findings: []string{}},
		{name: "non-zero exit", spec: spec{run: RunResult{ExitCode: 1, Stderr: "Traceback (most recent call last):\n  File \"/handler.py\", line 9\nValueError: bad prompt\n"}},
			status: StatusFailed, rule: "JW043", remedy: "traceback", message: "exited with code 1", build: true, ran: true, findings: []string{"JW043"}},
		{name: "container cannot start", spec: spec{run: RunResult{ExitCode: 127, StartError: `exec: "python": executable file not found in $PATH`}},
			status: StatusFailed, rule: "JW043", message: `could not start (exit 127): exec: "python"`, remedy: "CMD and ENTRYPOINT", build: true, ran: true, findings: []string{"JW043"}},
		{name: "container cannot start: CUDA requirement", spec: spec{run: RunResult{ExitCode: 125,
			StartError: "nvidia-container-cli: requirement error: unsatisfied condition: cuda>=12.8, please update your driver"}}, gpu: GPUInfo{Present: true, CUDAVersion: "12.4"},
			status: StatusFailed, rule: "JW043", remedy: "does not match the host driver (CUDA 12.4)", build: true, ran: true, findings: []string{"JW043"}},
		{name: "run timeout", spec: spec{run: RunResult{ExitCode: 137, TimedOut: true, Stdout: "starting ComfyUI\n"}}, opts: Options{RunTimeout: 90 * time.Second},
			status: StatusFailed, rule: "JW044", remedy: "hang instead of failing", message: "did not exit within 1m30s", build: true, ran: true, findings: []string{"JW044"}},
		{name: "per-repo run timeout wins", spec: spec{run: RunResult{ExitCode: 137, TimedOut: true}}, opts: Options{RunTimeout: 90 * time.Second},
			repo:   func(r *Repo) { r.RunTimeout = 5 * time.Minute },
			status: StatusFailed, rule: "JW044", message: "did not exit within 5m0s", build: true, ran: true, findings: []string{"JW044"}},
		{name: "out of memory", spec: spec{run: RunResult{ExitCode: 137, OOMKilled: true}}, opts: Options{MemoryBytes: 2 << 30},
			status: StatusFailed, rule: "JW043", remedy: "memory limit of 2.0 GiB", message: "killed for want of memory", build: true, ran: true, findings: []string{"JW043"}},
		{name: "killed without the OOM flag", spec: spec{run: RunResult{ExitCode: 137, Stderr: "loading model\nKilled\n"}},
			status: StatusFailed, rule: "JW043", remedy: "ran out of memory", build: true, ran: true, findings: []string{"JW043"}},
		{name: "CUDA out of memory", spec: spec{run: RunResult{ExitCode: 1, Stderr: "torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 20.00 GiB\n"}},
			status: StatusFailed, rule: "JW043", remedy: "GPU ran out of memory", build: true, ran: true, findings: []string{"JW043"}},
		{name: "test_input.json not found inside", spec: spec{run: RunResult{ExitCode: 1, Stdout: "test_input.json not found, exiting.\n"}, build: BuildResult{Workdir: "/app"}},
			status: StatusFailed, rule: "JW043", remedy: "mounted it at /app/test_input.json", build: true, ran: true, findings: []string{"JW043"}},
		{name: "missing env var at import", spec: spec{run: RunResult{ExitCode: 1, Stderr: "Traceback (most recent call last):\n  File \"/handler.py\", line 3, in <module>\n    MODEL = os.environ[\"MODEL_NAME\"]\n  File \"<frozen os>\", line 714, in __getitem__\nKeyError: 'MODEL_NAME'\n"}},
			status: StatusFailed, rule: "JW043", remedy: "environment variable MODEL_NAME", build: true, ran: true, findings: []string{"JW043"}},
		{name: "network heuristic", spec: spec{run: RunResult{ExitCode: 1, Stderr: "OSError: We couldn't connect to 'https://huggingface.co' to load the files\nsocket.gaierror: [Errno -3] Temporary failure in name resolution\n"}},
			status: StatusInconclusive, rule: "JW046", remedy: "needs network access", message: "want of network: socket.gaierror", build: true, ran: true, findings: []string{"JW046"}},
		{name: "missing secret", spec: spec{run: RunResult{ExitCode: 1, Stderr: "    token = os.environ['HF_TOKEN']\nKeyError: 'HF_TOKEN'\n"}},
			status: StatusInconclusive, rule: "JW046", remedy: "secret HF_TOKEN", message: "want of a secret", build: true, ran: true, findings: []string{"JW046"}},
		{name: "loopback refusal is not the network", spec: spec{run: RunResult{ExitCode: 1, Stderr: "requests.exceptions.ConnectionError: HTTPConnectionPool(host='127.0.0.1', port=8188): Connection refused\n"}},
			status: StatusFailed, rule: "JW043", build: true, ran: true, findings: []string{"JW043"}},
		{name: "generator handler", spec: spec{run: ok, lint: LintReport{Facts: Facts{HandlerKind: HandlerAsyncGenerator, TestInputPath: "test_input.json"}}},
			status: StatusInconclusive, rule: "JW045", message: "async generator", remedy: "rp_serve_api", build: true, run: true, ran: true, findings: []string{"JW045"}},
		{name: "generator that fails is failed", spec: spec{run: RunResult{ExitCode: 1}, lint: LintReport{Facts: Facts{HandlerKind: HandlerGenerator, TestInputPath: "test_input.json"}}},
			status: StatusFailed, rule: "JW043", build: true, ran: true, findings: []string{"JW043"}},
		{name: "no test input", spec: spec{files: map[string]string{"Dockerfile": "FROM scratch"}, run: ok},
			status: StatusInconclusive, rule: "JW045", message: "no test input", build: true, findings: []string{"JW045"}},
		{name: "GPU required, no GPU", spec: spec{run: ok}, repo: func(r *Repo) { r.GPURequired = ptr(true) },
			status: StatusSkipped, rule: "JW047", message: "gpu_required: true", remedy: "GPU host", findings: []string{"JW047"}},
		{name: "GPU likely, no GPU, auto", spec: spec{run: ok, lint: LintReport{Facts: Facts{GPULikely: true, GPUEvidence: "base image nvidia/cuda", TestInputPath: "test_input.json"}}},
			status: StatusSkipped, rule: "JW047", message: "base image nvidia/cuda", findings: []string{"JW047"}},
		{name: "GPU likely, no GPU, --gpu off runs it", spec: spec{run: ok, lint: LintReport{Facts: Facts{GPULikely: true, TestInputPath: "test_input.json"}}}, opts: Options{GPU: GPUOff},
			status: StatusSuccess, build: true, run: true, ran: true, findings: []string{}},
		{name: "GPU likely but gpu_required false", spec: spec{run: ok, lint: LintReport{Facts: Facts{GPULikely: true, TestInputPath: "test_input.json"}}},
			repo:   func(r *Repo) { r.GPURequired = ptr(false) },
			status: StatusSuccess, build: true, run: true, ran: true, findings: []string{}},
		{name: "GPU required, --gpu off still skips", spec: spec{run: ok}, repo: func(r *Repo) { r.GPURequired = ptr(true) }, opts: Options{GPU: GPUOff}, gpu: gpuHost,
			status: StatusSkipped, rule: "JW047", findings: []string{"JW047"}},
		{name: "GPU present and visible", spec: spec{run: ok, gpuCheck: RunResult{Stdout: "| NVIDIA-SMI 550.54  Driver Version: 550.54  CUDA Version: 12.4 |\n"}},
			repo: func(r *Repo) { r.GPURequired = ptr(true) }, gpu: gpuHost,
			status: StatusSuccess, build: true, run: true, ran: true, findings: []string{}},
		{name: "GPU present, nvidia-smi fails inside", spec: spec{run: ok, gpuCheck: RunResult{ExitCode: 127, Stderr: "exec: nvidia-smi: not found"}}, gpu: gpuHost,
			status: StatusFailed, rule: "JW048", remedy: "NVIDIA Container Toolkit", build: true, run: true, ran: true, findings: []string{"JW048"}},
		{name: "GPU forced on, no GPU seen", spec: spec{run: ok, gpuCheckErr: errEngineDown}, opts: Options{GPU: GPUOn},
			status: StatusFailed, rule: "JW048", build: true, run: true, ran: true, findings: []string{"JW048"}},
		{name: "CUDA outside allowed versions", spec: spec{run: ok, gpuCheck: RunResult{Stdout: "CUDA Version: 12.2"},
			lint: LintReport{Facts: Facts{AllowedCUDAVersions: []string{"12.4", "12.5"}, TestInputPath: "test_input.json"}}},
			gpu:    GPUInfo{Present: true, CUDAVersion: "12.2"},
			status: StatusSuccess, build: true, run: true, ran: true, findings: []string{"JW049"}},
		{name: "CUDA mismatch explains a failure", spec: spec{run: RunResult{ExitCode: 1, Stderr: "RuntimeError: boom\n"}, gpuCheck: RunResult{Stdout: "CUDA Version: 12.2"},
			lint: LintReport{Facts: Facts{AllowedCUDAVersions: []string{"12.8"}, TestInputPath: "test_input.json"}}},
			gpu:    GPUInfo{Present: true, CUDAVersion: "12.2"},
			status: StatusFailed, rule: "JW043", remedy: "does not match the host driver (CUDA 12.2)", build: true, ran: true, findings: []string{"JW043", "JW049"}},
		{name: "CUDA driver too old", spec: spec{run: RunResult{ExitCode: 1, Stderr: "RuntimeError: The NVIDIA driver on your system is too old (found version 11040)\n"}, gpuCheck: RunResult{Stdout: "CUDA Version: 11.4"}},
			gpu:    GPUInfo{Present: true, CUDAVersion: "11.4"},
			status: StatusFailed, rule: "JW043", remedy: "CUDA 11.4", build: true, ran: true, findings: []string{"JW043"}},
		{name: "checkout failed", spec: spec{checkoutErr: errString("repository not found")},
			status: StatusFailed, message: "checkout: repository not found", remedy: "GITHUB_TOKEN", findings: []string{}},
		{name: "lint errors do not stop the build", spec: spec{run: ok, lint: LintReport{Findings: []Finding{{Rule: "JW019", Severity: SeverityError}}, Facts: Facts{TestInputPath: "test_input.json"}}},
			status: StatusSuccess, build: true, run: true, ran: true, findings: []string{}},
		{name: "lint gate", spec: spec{run: ok, lint: LintReport{Findings: []Finding{{Rule: "JW004", Severity: SeverityWarning}, {Rule: "JW013", Severity: SeverityError, Message: "no handler found", Remediation: "Add a handler."}}}},
			opts:   Options{LintGate: true},
			status: StatusFailed, rule: "JW013", message: "lint gate: 1 error finding(s) (JW013)", remedy: "Add a handler.", findings: []string{}},
		{name: "run engine error", spec: spec{runErr: errEngineDown},
			status: StatusFailed, message: "run: Cannot connect", infra: true, build: true, findings: []string{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := tc.spec
			w := newWorld(t, map[string]*spec{"worker": &s})
			w.gpu = tc.gpu
			repos := w.repos()
			if tc.repo != nil {
				tc.repo(&repos[0])
			}
			sum, err := w.pipeline().Run(t.Context(), repos, quiet(tc.opts))
			if tc.infra != (err != nil) {
				t.Fatalf("Run error = %v, want error: %v", err, tc.infra)
			}
			if len(sum.Records) != 1 || len(w.records) != 1 {
				t.Fatalf("records: summary %d, sink %d, want 1", len(sum.Records), len(w.records))
			}
			rec := w.records[0]
			if rec.Status != tc.status || rec.Rule != tc.rule {
				t.Errorf("verdict = %s %q (%s), want %s %q", rec.Status, rec.Rule, rec.ErrorMessage, tc.status, tc.rule)
			}
			if !strings.Contains(rec.Remediation, tc.remedy) {
				t.Errorf("remediation = %q, want it to contain %q", rec.Remediation, tc.remedy)
			}
			if !strings.Contains(rec.ErrorMessage, tc.message) {
				t.Errorf("error message = %q, want it to contain %q", rec.ErrorMessage, tc.message)
			}
			if tc.status == StatusSuccess && (rec.ErrorMessage != "" || rec.Remediation != "") {
				t.Errorf("success with message %q, remediation %q", rec.ErrorMessage, rec.Remediation)
			}
			var rules []string
			for _, f := range rec.Findings {
				rules = append(rules, f.Rule)
			}
			if !slices.Equal(nonNil(rules), tc.findings) {
				t.Errorf("findings = %v, want %v", rules, tc.findings)
			}
			if rec.BuildSuccess != tc.build || rec.ContainerExecutionSuccess != tc.run {
				t.Errorf("build_success, container_execution_success = %v, %v, want %v, %v", rec.BuildSuccess, rec.ContainerExecutionSuccess, tc.build, tc.run)
			}
			if ran := rec.Run != nil; ran != tc.ran {
				t.Errorf("container ran = %v, want %v", ran, tc.ran)
			}
			if rec.Infrastructure != tc.infra {
				t.Errorf("infrastructure = %v, want %v", rec.Infrastructure, tc.infra)
			}
			if rec.GPUAvailable != (tc.gpu.Present && tc.opts.GPU != GPUOff || tc.opts.GPU == GPUOn) {
				t.Errorf("gpu_available = %v", rec.GPUAvailable)
			}
			wantExit := map[Status]int{StatusSuccess: 0, StatusInconclusive: 0, StatusSkipped: 0, StatusFailed: 3}[tc.status]
			if tc.infra {
				wantExit = 1
			}
			if got := sum.ExitCode(); got != wantExit {
				t.Errorf("exit code = %d, want %d", got, wantExit)
			}
			checkReports(t, rec)
		})
	}
}

type errString string

func (e errString) Error() string { return string(e) }

// checkReports checks the reports every record must carry.
func checkReports(t *testing.T, rec Record) {
	t.Helper()
	types := map[ReportType]json.RawMessage{}
	for _, r := range rec.Reports {
		if _, dup := types[r.Type]; dup {
			t.Errorf("report %s twice", r.Type)
		}
		if !json.Valid(r.Data) {
			t.Errorf("report %s is not valid JSON: %s", r.Type, r.Data)
		}
		types[r.Type] = r.Data
	}
	if _, ok := types[ReportPerformance]; !ok {
		t.Errorf("no performance_metrics report")
	}
	_, hasErr := types[ReportErrorDetails]
	if hasErr != (rec.Status != StatusSuccess) {
		t.Errorf("error_details present = %v for status %s", hasErr, rec.Status)
	}
	_, hasRemedy := types[ReportRemediation]
	if hasRemedy != (rec.Remediation != "") {
		t.Errorf("remediation report present = %v, remediation %q", hasRemedy, rec.Remediation)
	}
	if _, ok := types[ReportBuildLog]; ok != (rec.Build != nil) {
		t.Errorf("build_log present = %v, build %+v", ok, rec.Build)
	}
	if _, ok := types[ReportContainerLog]; ok != (rec.Run != nil) {
		t.Errorf("container_log present = %v, run %+v", ok, rec.Run)
	}
}

func TestDiagnose(t *testing.T) {
	t.Parallel()
	tests := []struct {
		log   string
		build bool
		cause cause
		name  string
	}{
		{log: "ok\nall good", cause: causeNone},
		{log: "write /var/lib/docker/x: no space left on device", build: true, cause: causeDisk},
		{log: "ERROR: pull access denied for acme/private, repository does not exist", build: true, cause: causeBaseImage},
		{log: "ERROR: pull access denied for acme/private", cause: causeNone},
		{log: "manifest for nvidia/cuda:12.9 not found: manifest unknown", build: true, cause: causeBaseImage},
		{log: "ERROR: failed to solve: docker.io/library/pytorch:nope: not found", build: true, cause: causeBaseImage},
		{log: `failed to compute cache key: "/models/weights.safetensors" not found: not found`, build: true, cause: causeCopySource},
		{log: `failed to calculate checksum of ref abc::def: "/src/handler.py": not found`, build: true, cause: causeCopySource},
		{log: "Could not resolve host: github.com", build: true, cause: causeNetwork},
		{log: "requests.exceptions.ConnectionError: Max retries exceeded with url: /api/models", cause: causeNetwork},
		{log: "huggingface_hub.errors.LocalEntryNotFoundError: cannot find the requested files", cause: causeNetwork},
		{log: "urllib3: Failed to establish a new connection: [Errno 111] Connection refused (host='localhost')", cause: causeNone},
		{log: "KeyError: 'MODEL_NAME'", cause: causeNone}, // a dict key, no os.environ in sight
		{log: "  File \"<frozen os>\", line 714, in __getitem__\nKeyError: 'MODEL_NAME'", cause: causeEnv, name: "MODEL_NAME"},
		{log: "ValueError: environment variable OPENAI_API_KEY is not set", cause: causeSecret, name: "OPENAI_API_KEY"},
		{log: "KeyError: 'RUNPOD_AWS_ACCESS_KEY' from os.environ\nConnection refused by hub.example", cause: causeSecret, name: "RUNPOD_AWS_ACCESS_KEY"},
		{log: "CUDA error: no kernel image is available for execution on the device", cause: causeCUDA},
		{log: "nvidia-container-cli: requirement error: unsatisfied condition: cuda>=12.8", cause: causeCUDA},
		{log: "RuntimeError: CUDA error: out of memory", cause: causeGPUMemory},
		{log: "Killed", cause: causeMemory},
		{log: "step Killed by signal", cause: causeNone},
		{log: "test_input.json not found, exiting.", cause: causeTestInput},
		{log: "ERROR  | Captured Handler Exception\nERROR  | Job test-1 failed with error: prompt must not be empty", cause: causeHandler},
		{log: "Job test-1 failed with error: prompt must not be empty", build: true, cause: causeNone},
		// A more specific cause in the same log wins over the SDK's summary line.
		{log: "RuntimeError: CUDA error: out of memory\nJob test-1 failed with error: CUDA error: out of memory", cause: causeGPUMemory},
	}
	for _, tc := range tests {
		d := diagnose(tc.log, tc.build)
		if d.cause != tc.cause || d.name != tc.name {
			t.Errorf("diagnose(%q, build=%v) = cause %d name %q, want %d %q", tc.log, tc.build, d.cause, d.name, tc.cause, tc.name)
		}
		if d.cause != causeNone && d.evidence == "" {
			t.Errorf("diagnose(%q): no evidence line", tc.log)
		}
	}
}

func TestMajorMinor(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"12.4": "12.4", "12.4.1": "12.4", " 11.8 ": "11.8", "12": "12"} {
		if got := majorMinor(in); got != want {
			t.Errorf("majorMinor(%q) = %q, want %q", in, got, want)
		}
	}
}
