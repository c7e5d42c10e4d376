// Package lint checks a RunPod worker repository statically, in
// milliseconds, before anything is built: the Dockerfile, the handler, the
// test input and the Hub files, against the rule catalogue JW001–JW037
// (see Rules and docs/rules.md). It never runs the repository's code and
// never reads outside the repository's directory.
package lint

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sort"
	"strings"
)

// Options configure a lint run.
type Options struct {
	// Ignore lists rule IDs to suppress, on top of the repository's own
	// .janitor.yaml.
	Ignore []string
}

// Finding is one rule violation.
type Finding struct {
	RuleID   string   `json:"rule_id"`
	Severity Severity `json:"severity"`
	// File is the repository-relative path, "" for the repository as a whole.
	File string `json:"file"`
	// Line is 1-based, 0 when the finding has no line.
	Line        int    `json:"line"`
	Message     string `json:"message"`
	Remediation string `json:"remediation"`
}

// Location returns "file:line", "file", or "" for a repository-wide finding.
func (f Finding) Location() string {
	switch {
	case f.File == "":
		return ""
	case f.Line > 0:
		return fmt.Sprintf("%s:%d", f.File, f.Line)
	}
	return f.File
}

// Report is the result of linting one repository.
type Report struct {
	// Findings that count, sorted by file, line and rule.
	Findings []Finding `json:"findings"`
	// Suppressed are findings silenced by .janitor.yaml or the caller.
	Suppressed []Finding `json:"suppressed"`
	// Facts are what lint learned about the repository on the way.
	Facts Facts `json:"facts"`
}

// Summary counts a report's findings by severity.
type Summary struct {
	Errors     int `json:"errors"`
	Warnings   int `json:"warnings"`
	Infos      int `json:"infos"`
	Suppressed int `json:"suppressed"`
}

// Summary counts the findings.
func (r *Report) Summary() Summary {
	s := Summary{Suppressed: len(r.Suppressed)}
	for _, f := range r.Findings {
		switch f.Severity {
		case Error:
			s.Errors++
		case Warning:
			s.Warnings++
		case Info:
			s.Infos++
		}
	}
	return s
}

// Fails reports whether any finding reaches the severity threshold.
func (r *Report) Fails(threshold Severity) bool {
	for _, f := range r.Findings {
		if f.Severity >= threshold {
			return true
		}
	}
	return false
}

// Facts are what the validate pipeline needs to know about a repository,
// learned while linting it.
type Facts struct {
	// Dockerfile is the repository-relative path of the Dockerfile used
	// (.runpod/Dockerfile wins over the root one), "" when there is none.
	Dockerfile string `json:"dockerfile"`
	// BaseImage is the final stage's base image after substituting ARG
	// defaults and following stage names.
	BaseImage string `json:"base_image"`
	// BaseImageCUDA is the CUDA version ("12.4") the base image's tag tells,
	// "" when it tells none.
	BaseImageCUDA string `json:"base_image_cuda"`
	// BuildKit is true when the Dockerfile needs BuildKit (JW006).
	BuildKit bool `json:"buildkit"`
	// Workdir is the final image's WORKDIR ("/" by default).
	Workdir string `json:"workdir"`
	// Entrypoint and Cmd are the final image's, as exec-form arguments
	// (shell form becomes ["/bin/sh", "-c", "..."]); empty when unset.
	Entrypoint []string `json:"entrypoint"`
	Cmd        []string `json:"cmd"`
	// Entry is the repository file the container command runs (the script
	// or Python file CMD/ENTRYPOINT leads to), "" when not traced.
	Entry string `json:"entry"`
	// RunDir is the working directory of the handler process at run time:
	// Workdir, unless a start script changes directory first.
	RunDir string `json:"run_dir"`
	// Handler is the repository-relative path of the file that calls
	// runpod.serverless.start, "" when none was found.
	Handler string `json:"handler"`
	// HandlerFunction is the function given as "handler".
	HandlerFunction string `json:"handler_function"`
	// HandlerKind is plain, async, generator, async_generator or unknown
	// ("" without a handler). Generators make a local test inconclusive.
	HandlerKind string `json:"handler_kind"`
	// HandlerFoundBy is "entry" when traced from CMD/ENTRYPOINT, "search"
	// when found by looking for runpod.serverless.start.
	HandlerFoundBy string `json:"handler_found_by"`
	// ReturnAggregateStream is set in the handler's start config.
	ReturnAggregateStream bool `json:"return_aggregate_stream"`
	// TestInput is the repository-relative test_input.json chosen for the
	// local test, "" when there is none.
	TestInput string `json:"test_input"`
	// TestInputInWorkdir is true when TestInput is copied into RunDir, so
	// a plain docker run finds it.
	TestInputInWorkdir bool `json:"test_input_in_workdir"`
	// TestInputFlag is true when the container command passes --test_input.
	TestInputFlag bool `json:"test_input_flag"`
	// TestsInput is the input of the first .runpod/tests.json case (null
	// when there is none); TestsName, TestsTimeoutMs go with it.
	TestsInput     json.RawMessage `json:"tests_input"`
	TestsName      string          `json:"tests_name"`
	TestsTimeoutMs int64           `json:"tests_timeout_ms"`
	// TestsEnv is tests.json config.env.
	TestsEnv []EnvVar `json:"tests_env"`
	// TestsGPUTypeID, TestsGPUCount and TestsCPUFlavor are from tests.json config.
	TestsGPUTypeID string `json:"tests_gpu_type_id"`
	TestsGPUCount  int    `json:"tests_gpu_count"`
	TestsCPUFlavor string `json:"tests_cpu_flavor"`
	// HubRepo is true when the repository has a .runpod/ folder.
	HubRepo bool `json:"hub_repo"`
	// RunsOn is hub.json config.runsOn (GPU or CPU), "" without hub.json.
	RunsOn string `json:"runs_on"`
	// GPULikely is true when anything suggests the worker needs a GPU;
	// GPUEvidence says what (JW033).
	GPULikely   bool     `json:"gpu_likely"`
	GPUEvidence []string `json:"gpu_evidence"`
	// AllowedCUDAVersions are from hub.json (else tests.json).
	AllowedCUDAVersions []string `json:"allowed_cuda_versions"`
	// RequiredEnv are environment variables the handler reads at import.
	RequiredEnv []string `json:"required_env"`
	// Truncated is true when the repository had more entries than lint
	// indexes (100,000); rules then saw part of it.
	Truncated bool `json:"truncated"`
}

// EnvVar is a key and value from tests.json config.env.
type EnvVar struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// Run lints the repository in dir. It returns an error only when it cannot
// lint at all (dir missing, unreadable, a malformed .janitor.yaml, an
// unknown rule ID in opts.Ignore, ctx done); everything wrong with the
// repository itself is a finding.
func Run(ctx context.Context, dir string, opts Options) (*Report, error) {
	st, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("lint %s: no such directory", dir)
	case err != nil:
		return nil, fmt.Errorf("lint %s: %w", dir, err)
	case !st.IsDir():
		return nil, fmt.Errorf("lint %s: not a directory", dir)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("lint %s: %w", dir, err)
	}
	defer root.Close()
	rep, err := RunFS(ctx, root.FS(), opts)
	if err != nil {
		return nil, fmt.Errorf("lint %s: %w", dir, err)
	}
	return rep, nil
}

// RunFS lints the repository held by fsys. Run gives it an os.Root, which
// keeps every read inside the repository.
func RunFS(ctx context.Context, fsys fs.FS, opts Options) (*Report, error) {
	sup, err := newSuppressor(opts.Ignore)
	if err != nil {
		return nil, err
	}
	t, err := loadTree(ctx, fsys)
	if err != nil {
		return nil, err
	}
	if err := sup.loadConfig(t); err != nil {
		return nil, err
	}
	c := &checker{t: t}
	c.facts.Truncated = t.truncated
	for _, step := range []func(){
		c.checkDockerfile,
		c.checkHandler,
		c.checkTestInput,
		c.checkHub,
		c.checkHygiene,
	} {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		step()
	}
	rep := &Report{Findings: []Finding{}, Suppressed: []Finding{}, Facts: c.facts}
	sortFindings(c.findings)
	for _, f := range c.findings {
		if sup.suppressed(f) {
			rep.Suppressed = append(rep.Suppressed, f)
		} else {
			rep.Findings = append(rep.Findings, f)
		}
	}
	rep.Facts.normalize()
	return rep, nil
}

// normalize makes every list non-nil so JSON shows [] rather than null.
func (f *Facts) normalize() {
	for _, s := range []*[]string{&f.Entrypoint, &f.Cmd, &f.GPUEvidence, &f.AllowedCUDAVersions, &f.RequiredEnv} {
		if *s == nil {
			*s = []string{}
		}
	}
	if f.TestsEnv == nil {
		f.TestsEnv = []EnvVar{}
	}
}

func sortFindings(fs []Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.RuleID < b.RuleID
	})
}

// checker holds one run's state; each check* method adds findings and facts.
type checker struct {
	t        *tree
	findings []Finding
	facts    Facts

	df     *dockerfileState // nil when there is no parsable Dockerfile
	py     map[string]*pyFile
	reqs   *requirements
	hubDoc *jsonDoc // .runpod/hub.json, nil when absent or unreadable
	tests  *jsonDoc // .runpod/tests.json
	// testInput is the "input" of the chosen test_input.json.
	testInput any
}

// add records a finding of rule id. An empty fix uses the rule's own.
// Text is made valid UTF-8 so output never carries broken bytes from the
// repository.
func (c *checker) add(id string, sev Severity, file string, line int, msg, fix string) {
	if fix == "" {
		r, _ := RuleByID(id)
		fix = r.Fix
	}
	if sev == 0 {
		r, _ := RuleByID(id)
		sev = r.Severity
	}
	c.findings = append(c.findings, Finding{
		RuleID:      id,
		Severity:    sev,
		File:        strings.ToValidUTF8(file, "\uFFFD"),
		Line:        line,
		Message:     strings.ToValidUTF8(msg, "\uFFFD"),
		Remediation: fix,
	})
}
