package validate

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
)

// webhookEnv, when set, makes the SDK wait for RunPod jobs instead of
// running its local test: janitor never passes it to a container.
const webhookEnv = "RUNPOD_WEBHOOK_GET_JOB"

// testInput is the input a container runs with and where it came from.
type testInput struct {
	source string
	data   []byte
}

// chooseTestInput picks the test input: the repository's own file from
// repos.yaml, else test_input.json (at the root or next to the handler, as
// the linter found it), else the first .runpod/tests.json case wrapped as
// {"input": ...}. A zero testInput means there is none.
func chooseTestInput(repo Repo, dir string, facts Facts) (testInput, error) {
	if repo.TestInput != "" {
		p := repo.TestInput
		if !filepath.IsAbs(p) {
			p = filepath.Join(dir, filepath.FromSlash(p))
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return testInput{}, fmt.Errorf("read the test input file given in repos.yaml: %w", err)
		}
		return testInput{source: repo.TestInput, data: data}, nil
	}
	if facts.TestInputPath != "" {
		data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(facts.TestInputPath)))
		if err != nil {
			return testInput{}, fmt.Errorf("read %s: %w", facts.TestInputPath, err)
		}
		return testInput{source: facts.TestInputPath, data: data}, nil
	}
	if len(bytes.TrimSpace(facts.TestsCase)) > 0 {
		data, err := wrapInput(facts.TestsCase)
		if err != nil {
			return testInput{}, err
		}
		src := ".runpod/tests.json"
		if facts.TestsCaseName != "" {
			src += "#" + facts.TestsCaseName
		}
		return testInput{source: src, data: data}, nil
	}
	return testInput{}, nil
}

// wrapInput turns a tests.json case input into a test_input.json document.
func wrapInput(in json.RawMessage) ([]byte, error) {
	if !json.Valid(in) {
		return nil, fmt.Errorf("the first .runpod/tests.json case has an input that is not valid JSON")
	}
	data, err := json.Marshal(struct {
		Input json.RawMessage `json:"input"`
	}{Input: in})
	if err != nil {
		return nil, fmt.Errorf("wrap the tests.json case input: %w", err)
	}
	return data, nil
}

// materialise writes the test input into scratch and returns the mount
// that puts it, read-only, at <workdir>/test_input.json, where the SDK
// looks for it (the process's working directory).
func (t testInput) materialise(scratch, workdir string) (Mount, error) {
	file := filepath.Join(scratch, "test_input.json")
	if err := os.WriteFile(file, t.data, 0o644); err != nil {
		return Mount{}, fmt.Errorf("write the test input: %w", err)
	}
	return Mount{Source: file, Target: path.Join("/", workdir, "test_input.json"), ReadOnly: true}, nil
}

// runEnv is the container's environment: tests.json config env, then the
// repository's env from repos.yaml, never RUNPOD_WEBHOOK_GET_JOB; sorted.
func runEnv(facts Facts, repo Repo) []string {
	env := maps.Clone(facts.Env)
	if env == nil {
		env = map[string]string{}
	}
	maps.Copy(env, repo.Env)
	delete(env, webhookEnv)
	out := make([]string, 0, len(env))
	for _, k := range slices.Sorted(maps.Keys(env)) {
		out = append(out, k+"="+env[k])
	}
	return out
}
