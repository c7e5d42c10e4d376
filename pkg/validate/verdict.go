package validate

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// evidence is everything the steps of one repository established. The
// pipeline fills it step by step and stops at the first step that decides.
type evidence struct {
	// interrupted says the run's overall time limit ended this repository;
	// notStarted that it ended before the repository started.
	interrupted string
	notStarted  bool

	checkoutErr error
	// gateErrors are the lint errors that stop the build under LintGate.
	gateErrors []Finding
	// gpuNeed says why the repository needs a GPU ("" when it does not);
	// gpuAvailable whether it runs with one.
	gpuNeed      string
	gpuAvailable bool
	gpuSkip      bool

	noDockerfile string

	build         *BuildResult
	buildErr      error
	buildTimedOut bool
	buildTimeout  time.Duration
	imageLimit    int64

	testInput   string
	inputErr    error
	handlerKind HandlerKind

	gpuCheck    *RunResult
	gpuCheckErr error
	hostCUDA    string
	allowedCUDA []string

	run         *RunResult
	runErr      error
	runTimeout  time.Duration
	memoryLimit int64
	workdir     string
}

// verdict is the decision on one repository.
type verdict struct {
	status      Status
	rule        string
	message     string
	remediation string
	// evidence lines (log lines, findings) that support the decision.
	evidence []string
	// findings are the dynamic findings (JW04x), the deciding one first.
	findings []Finding
	// infra marks "could not ask the engine", not a repository failure.
	infra bool
}

// decide applies the rules of docs/worker-repos.md section 2: the exit code
// first, generators and missing input inconclusive, the environment's fault
// (network, secrets, no GPU) told apart from the repository's.
func decide(ev evidence) verdict {
	v := decideStatus(ev)
	// Findings that do not decide the verdict but are worth recording.
	if !ev.gpuAvailable && ev.gpuNeed != "" && v.rule != "JW047" {
		v.add("JW047", SeverityInfo, "GPU not available on this host: GPU checks skipped ("+ev.gpuNeed+")", "")
	}
	if v.rule != "JW048" && gpuCheckFailed(ev) {
		v.add("JW048", SeverityError, "GPU requested but the container could not see it (nvidia-smi failed inside)", remedyGPUInvisible)
	}
	if cudaOutside(ev) {
		v.add("JW049", SeverityWarning, fmt.Sprintf("host driver's CUDA version %s is outside allowedCudaVersions %s", ev.hostCUDA, strings.Join(ev.allowedCUDA, ", ")),
			fmt.Sprintf("Run on a host whose driver's CUDA version is listed, or add %s to allowedCudaVersions if the image supports it.", ev.hostCUDA))
	}
	return v
}

func decideStatus(ev evidence) verdict {
	switch {
	case ev.interrupted != "":
		v := verdict{status: StatusFailed, message: ev.interrupted,
			remediation: "Raise --timeout, or validate fewer repositories per run."}
		if ev.notStarted {
			v.status = StatusSkipped
		}
		return v
	case ev.checkoutErr != nil:
		return verdict{status: StatusFailed, message: "checkout: " + ev.checkoutErr.Error(),
			remediation: "Check the repository name, URL and ref, and set GITHUB_TOKEN for a private repository."}
	case len(ev.gateErrors) > 0:
		rules := make([]string, 0, len(ev.gateErrors))
		for _, f := range ev.gateErrors {
			if !slices.Contains(rules, f.Rule) {
				rules = append(rules, f.Rule)
			}
		}
		first := ev.gateErrors[0]
		return verdict{status: StatusFailed, rule: first.Rule,
			message:     fmt.Sprintf("lint gate: %d error finding(s) (%s); the image was not built", len(ev.gateErrors), strings.Join(rules, ", ")),
			remediation: first.Remediation, evidence: []string{first.Message}}
	case ev.gpuSkip:
		v := verdict{status: StatusSkipped, rule: "JW047",
			message:     "needs a GPU (" + ev.gpuNeed + ") and this host has none",
			remediation: "Run janitor on a GPU host, or set gpu_required: false for this repository in repos.yaml if it runs on CPU."}
		v.add("JW047", SeverityInfo, "GPU not available on this host: "+v.message, v.remediation)
		return v
	case ev.noDockerfile != "":
		return verdict{status: StatusFailed, rule: "JW001",
			message:     fmt.Sprintf("no Dockerfile at %s", ev.noDockerfile),
			remediation: "Add a Dockerfile at the repository root or .runpod/Dockerfile, or set dockerfile: for this repository in repos.yaml."}
	case ev.buildErr != nil:
		return verdict{status: StatusFailed, infra: true, message: "build: " + ev.buildErr.Error(),
			remediation: "janitor could not ask the Docker engine to build: check that dockerd is running and reachable, then validate again."}
	case ev.buildTimedOut:
		v := verdict{status: StatusFailed, rule: "JW041",
			message: fmt.Sprintf("build exceeded its time limit of %s", ev.buildTimeout),
			remediation: fmt.Sprintf("The build took longer than %s (RunPod allows 30 minutes): move model downloads out of the build, start from a smaller base image, or raise --build-timeout to measure it.",
				ev.buildTimeout)}
		if ev.build != nil {
			v.evidence = tailLines(ev.build.Log, 5)
			if ev.build.FailedStep != "" {
				v.message += " during " + ev.build.FailedStep
			}
		}
		v.add(v.rule, SeverityError, v.message, v.remediation)
		return v
	case ev.build != nil && ev.build.Failed:
		return buildFailed(ev)
	case ev.imageLimit > 0 && ev.build != nil && ev.build.SizeBytes > ev.imageLimit:
		v := verdict{status: StatusFailed, rule: "JW042",
			message:     fmt.Sprintf("image is %s, larger than the limit of %s", bytesText(ev.build.SizeBytes), bytesText(ev.imageLimit)),
			remediation: "Make the image smaller: download models at run time or to a network volume, use a slimmer base image, and clean package caches in the same RUN step."}
		v.add(v.rule, SeverityError, v.message, v.remediation)
		return v
	case ev.inputErr != nil:
		return verdict{status: StatusFailed, message: "test input: " + ev.inputErr.Error(),
			remediation: "Fix the test input: the file named by test_input in repos.yaml, test_input.json, or the first .runpod/tests.json case."}
	case ev.testInput == "":
		v := verdict{status: StatusInconclusive, rule: "JW045",
			message:     "no test input: the container was built but not run",
			remediation: `Add a test_input.json ({"input": {...}}) at the repository root, or a case in .runpod/tests.json.`}
		v.add(v.rule, SeverityWarning, v.message, v.remediation)
		return v
	case ev.runErr != nil:
		return verdict{status: StatusFailed, infra: true, message: "run: " + ev.runErr.Error(),
			remediation: "janitor could not ask the Docker engine to run the container: check that dockerd is running and reachable, then validate again."}
	case ev.run != nil && (ev.run.TimedOut || ev.run.OOMKilled || ev.run.ExitCode != 0):
		return runFailed(ev)
	case gpuCheckFailed(ev):
		v := verdict{status: StatusFailed, rule: "JW048",
			message:     "GPU requested but the container could not see it (nvidia-smi failed inside)",
			remediation: remedyGPUInvisible}
		if ev.gpuCheck != nil {
			v.evidence = tailLines(ev.gpuCheck.Stdout+"\n"+ev.gpuCheck.Stderr, 3)
		} else if ev.gpuCheckErr != nil {
			v.evidence = []string{ev.gpuCheckErr.Error()}
		}
		v.add(v.rule, SeverityError, v.message, v.remediation)
		return v
	case ev.handlerKind.IsGenerator():
		v := verdict{status: StatusInconclusive, rule: "JW045",
			message:     fmt.Sprintf("the handler is a %s: the SDK's local test mode does not execute it, so exit code 0 proves nothing", strings.ReplaceAll(string(ev.handlerKind), "_", " ")),
			remediation: "Test it through the SDK's local API (--rp_serve_api, POST to /runsync), or give the handler a non-streaming path for the test input."}
		v.add(v.rule, SeverityWarning, v.message, v.remediation)
		return v
	}
	return verdict{status: StatusSuccess}
}

const remedyGPUInvisible = "Install the NVIDIA Container Toolkit on the host and configure Docker's nvidia runtime (nvidia-ctk runtime configure --runtime=docker), then restart dockerd."

func gpuCheckFailed(ev evidence) bool {
	return ev.gpuCheckErr != nil || (ev.gpuCheck != nil && (ev.gpuCheck.ExitCode != 0 || ev.gpuCheck.TimedOut))
}

func cudaOutside(ev evidence) bool {
	if ev.hostCUDA == "" || len(ev.allowedCUDA) == 0 {
		return false
	}
	host := majorMinor(ev.hostCUDA)
	for _, a := range ev.allowedCUDA {
		if majorMinor(a) == host {
			return false
		}
	}
	return true
}

// majorMinor reduces "12.4.1" to "12.4".
func majorMinor(v string) string {
	parts := strings.SplitN(strings.TrimSpace(v), ".", 3)
	if len(parts) >= 2 {
		return parts[0] + "." + parts[1]
	}
	return parts[0]
}

func buildFailed(ev evidence) verdict {
	b := ev.build
	v := verdict{status: StatusFailed, rule: "JW040", evidence: tailLines(b.Log, 5)}
	v.message = "build failed"
	if b.FailedStep != "" {
		v.message += " at " + b.FailedStep
	}
	d := diagnose(b.Log+"\n"+b.Error, true)
	switch {
	case d.evidence != "":
		v.message += ": " + d.evidence
		v.evidence = []string{d.evidence}
	case b.Error != "":
		v.message += ": " + clip(b.Error, 300)
		v.evidence = append(v.evidence, b.Error)
	}
	switch d.cause {
	case causeCopySource:
		v.remediation = "A file or folder the Dockerfile copies is not in the build context: add it to the repository, fix the COPY/ADD path, or remove it from .dockerignore (janitor lint reports it as JW005)."
	case causeBaseImage:
		v.remediation = "The base image could not be pulled: check the FROM image name and tag, log in to the registry if it is private, and make sure the registry is reachable from this host."
	case causeNetwork:
		v.remediation = "The build needs the network (to pull the base image or download packages or models) and could not reach it: run the validation where the network is reachable, or vendor what the build downloads."
	case causeDisk:
		v.remediation = remedyDisk
	case causeMemory:
		v.remediation = "The build ran out of memory: give Docker more memory or lower the build's parallelism (MAX_JOBS, make -j)."
	default:
		step := "the failing step"
		if b.FailedStep != "" {
			step = "step " + b.FailedStep
		}
		v.remediation = fmt.Sprintf("Fix %s using the build log tail, and reproduce with: docker build --platform linux/amd64 .", step)
	}
	v.add(v.rule, SeverityError, v.message, v.remediation)
	return v
}

const remedyDisk = "Docker ran out of disk space: free space (docker system prune, a larger volume) or make the image smaller."

func runFailed(ev evidence) verdict {
	r := ev.run
	log := r.Stdout + "\n" + r.Stderr + "\n" + r.StartError
	d := diagnose(log, false)
	v := verdict{status: StatusFailed, rule: "JW043", evidence: tailLines(log, 5)}
	if d.evidence != "" {
		v.evidence = []string{d.evidence}
	}
	switch {
	case r.OOMKilled:
		v.message = fmt.Sprintf("container was killed for want of memory (exit %d)", r.ExitCode)
	case r.TimedOut:
		v.rule = "JW044"
		v.message = fmt.Sprintf("container did not exit within %s", ev.runTimeout)
	case r.StartError != "":
		v.message = fmt.Sprintf("container could not start (exit %d): %s", r.ExitCode, clip(r.StartError, 300))
		if d.evidence == "" {
			v.evidence = []string{r.StartError}
		}
	default:
		v.message = fmt.Sprintf("container exited with code %d", r.ExitCode)
	}
	if d.evidence != "" && !r.OOMKilled && r.StartError == "" {
		v.message += ": " + d.evidence
	}
	switch {
	case r.OOMKilled || d.cause == causeMemory:
		limit := "the container's memory limit"
		if ev.memoryLimit > 0 {
			limit = "the memory limit of " + bytesText(ev.memoryLimit)
		}
		v.remediation = fmt.Sprintf("The container ran out of memory (%s): raise the limit (--memory) or use a smaller model or batch in the test input.", limit)
	case d.cause == causeGPUMemory:
		v.remediation = "The GPU ran out of memory: use a GPU with more memory, or a smaller model, batch or resolution in the test input."
	case d.cause == causeDisk:
		v.remediation = remedyDisk
	case d.cause == causeCUDA || (cudaOutside(ev) && !d.needsNetwork()):
		v.remediation = fmt.Sprintf("The CUDA runtime in the image does not match the host driver (CUDA %s): use a base image whose CUDA version the driver supports, and list the supported versions in allowedCudaVersions.", orUnknown(ev.hostCUDA))
	case d.cause == causeTestInput:
		v.remediation = fmt.Sprintf("The handler did not find test_input.json in its current directory although janitor mounted it at %s/test_input.json: the start script probably changes directory, so keep the handler's working directory and the Dockerfile's WORKDIR the same.", strings.TrimSuffix(ev.workdir, "/"))
	case d.cause == causeEnv:
		v.remediation = fmt.Sprintf("The program needs the environment variable %s at start-up: add it to .runpod/tests.json config.env, or to this repository's env in repos.yaml.", d.name)
	case d.cause == causeSecret:
		v.status, v.rule = StatusInconclusive, "JW046"
		v.remediation = fmt.Sprintf("The run needs the secret %s, which this environment does not provide: give it in this repository's env in repos.yaml (never in tests.json); the failure is not the repository's.", d.name)
	case d.cause == causeNetwork:
		v.status, v.rule = StatusInconclusive, "JW046"
		v.remediation = "The run needs network access to download a model or file, and this host could not reach it: validate where the network is reachable, or bake what it downloads into the image; the failure is not the repository's."
	case d.cause == causeHandler:
		v.remediation = fmt.Sprintf("The handler failed on the test input: read the traceback in the container log, fix the handler or the test input, and reproduce with: docker run --rm <image> (exit code %d).", r.ExitCode)
	case r.StartError != "":
		v.remediation = "The engine could not start the container: check the final stage's CMD and ENTRYPOINT (the program must exist in the image and be executable)."
	case r.TimedOut:
		v.remediation = fmt.Sprintf("Workers that start a server first can hang instead of failing: check that the handler starts and reads test_input.json, or raise --run-timeout (now %s) for a slow model load.", ev.runTimeout)
	default:
		v.remediation = fmt.Sprintf("Read the traceback in the container log and reproduce with: docker run --rm <image>, with test_input.json in the image's working directory (exit code %d).", r.ExitCode)
	}
	if v.rule == "JW046" {
		want := "network"
		if d.cause == causeSecret {
			want = "a secret"
		}
		v.message = "run failed for want of " + want + ": " + d.evidence
		v.add(v.rule, SeverityWarning, v.message, v.remediation)
		return v
	}
	v.add(v.rule, SeverityError, v.message, v.remediation)
	return v
}

func (v *verdict) add(rule string, sev Severity, msg, remedy string) {
	v.findings = append(v.findings, Finding{Rule: rule, Severity: sev, Message: msg, Remediation: remedy})
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

// bytesText formats a size in binary units ("1.5 GiB").
func bytesText(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
