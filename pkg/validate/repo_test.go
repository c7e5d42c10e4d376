package validate

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestParseRepoArg(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "examples", "passing"), 0o755); err != nil {
		t.Fatal(err)
	}
	d := Defaults{Org: "acme", Dir: dir}
	tests := []struct {
		arg  string
		want Repo
		err  string
	}{
		{arg: "worker-basic", want: Repo{Org: "acme", Name: "worker-basic", URL: "https://github.com/acme/worker-basic.git"}},
		{arg: "runpod-workers/worker-vllm", want: Repo{Org: "runpod-workers", Name: "worker-vllm", URL: "https://github.com/runpod-workers/worker-vllm.git"}},
		{arg: "https://github.com/o/n.git", want: Repo{Org: "o", Name: "n", URL: "https://github.com/o/n.git"}},
		{arg: "http://127.0.0.1:8080/git/o/n", want: Repo{Org: "o", Name: "n", URL: "http://127.0.0.1:8080/git/o/n"}},
		{arg: "git@github.com:o/n.git", want: Repo{Org: "o", Name: "n", URL: "git@github.com:o/n.git"}},
		{arg: "examples/passing", want: Repo{Org: LocalOrg, Name: "passing", Path: filepath.Join(dir, "examples", "passing")}},
		{arg: filepath.Join(dir, "examples"), want: Repo{Org: LocalOrg, Name: "examples", Path: filepath.Join(dir, "examples")}},
		{arg: "worker-basic@v1.2.0", want: Repo{Org: "acme", Name: "worker-basic", URL: "https://github.com/acme/worker-basic.git", Ref: "v1.2.0"}},
		{arg: "o/n@feature/x", want: Repo{Org: "o", Name: "n", URL: "https://github.com/o/n.git", Ref: "feature/x"}},
		{arg: "https://github.com/o/n.git#main", want: Repo{Org: "o", Name: "n", URL: "https://github.com/o/n.git", Ref: "main"}},
		{arg: "o/n@bad ref", err: `invalid ref "bad ref"`},
		{arg: "./nope", err: "does not exist"},
		{arg: "a/b/c", err: `repository "a/b/c"`},
		{arg: "", err: "empty repository"},
		{arg: "https://host/", err: "names no repository"},
	}
	for _, tc := range tests {
		got, err := ParseRepoArg(tc.arg, d)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("ParseRepoArg(%q) error = %v, want %q", tc.arg, err, tc.err)
			}
			continue
		}
		if err != nil || fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("ParseRepoArg(%q) = %+v, %v\nwant %+v", tc.arg, got, err, tc.want)
		}
	}
	if got, _ := ParseRepoArg("w", Defaults{}); got.Org != DefaultOrg {
		t.Errorf("default organisation = %q, want %q", got.Org, DefaultOrg)
	}
}

func TestParseRepos(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "local-worker"), 0o755); err != nil {
		t.Fatal(err)
	}
	const doc = `# workers validated nightly
organization: acme
repositories:
  - worker-basic
  - other/worker-x
  - name: worker-vllm
    ref: v1.2.0
    dockerfile: .runpod/Dockerfile
    build_args: {BASE_IMAGE: "nvidia/cuda:12.4.1-base-ubuntu22.04", JOBS: 4}
    env:
      MODEL_NAME: facebook/opt-125m
    test_input: tests/small.json
    timeout: 15m
    build_timeout: 45m
    gpu_required: true
  - path: local-worker
    gpu_required: false
  - url: http://127.0.0.1:9999/git/acme/remote.git
    name: renamed
`
	file := filepath.Join(dir, "repos.yaml")
	if err := os.WriteFile(file, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	repos, err := LoadReposFile(file, Defaults{})
	if err != nil {
		t.Fatal(err)
	}
	yes, no := true, false
	want := []Repo{
		{Org: "acme", Name: "worker-basic", URL: "https://github.com/acme/worker-basic.git"},
		{Org: "other", Name: "worker-x", URL: "https://github.com/other/worker-x.git"},
		{Org: "acme", Name: "worker-vllm", URL: "https://github.com/acme/worker-vllm.git", Ref: "v1.2.0", Dockerfile: ".runpod/Dockerfile",
			BuildArgs: map[string]string{"BASE_IMAGE": "nvidia/cuda:12.4.1-base-ubuntu22.04", "JOBS": "4"},
			Env:       map[string]string{"MODEL_NAME": "facebook/opt-125m"}, TestInput: "tests/small.json",
			RunTimeout: 15 * time.Minute, BuildTimeout: 45 * time.Minute, GPURequired: &yes},
		{Org: LocalOrg, Name: "local-worker", Path: filepath.Join(dir, "local-worker"), GPURequired: &no},
		{Org: "acme", Name: "renamed", URL: "http://127.0.0.1:9999/git/acme/remote.git"},
	}
	if len(repos) != len(want) {
		t.Fatalf("%d repos, want %d: %+v", len(repos), len(want), repos)
	}
	for i := range want {
		if show(repos[i]) != show(want[i]) {
			t.Errorf("repo %d = %s\nwant     %s", i, show(repos[i]), show(want[i]))
		}
	}

	// A plain list, and the default organisation from the caller.
	repos, err = ParseRepos([]byte("- a\n- b\n"), "list.yaml", Defaults{Org: "zz"})
	if err != nil || len(repos) != 2 || repos[1].FullName() != "zz/b" {
		t.Errorf("plain list = %+v, %v", repos, err)
	}
}

func show(r Repo) string {
	g := "nil"
	if r.GPURequired != nil {
		g = fmt.Sprint(*r.GPURequired)
	}
	r.GPURequired = nil
	return fmt.Sprintf("%+v gpu=%s", r, g)
}

func TestParseReposErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		doc, err string
	}{
		{doc: "", err: "r.yaml: no repositories: the file is empty"},
		{doc: "- a\n- b: [\n", err: "r.yaml:2: did not find expected node content"},
		{doc: "repositories:\n  - name: a\n    buid_args: {}\n", err: `r.yaml:3: unknown key "buid_args" (known keys: name, url`},
		{doc: "repos:\n  - a\n", err: `r.yaml:1: unknown key "repos"`},
		{doc: "organization: acme\n", err: `r.yaml:1: no "repositories" list`},
		{doc: "repositories: a\n", err: `r.yaml:1: expected a list of repositories, found "a"`},
		{doc: "repositories: []\n", err: "r.yaml:1: the list of repositories is empty"},
		{doc: "- name: a\n  timeout: soon\n", err: `r.yaml:2: timeout "soon": give a positive duration`},
		{doc: "- name: a\n  timeout: -1m\n", err: `r.yaml:2: timeout "-1m"`},
		{doc: "- name: a\n  gpu_required: maybe\n", err: `r.yaml:2: gpu_required must be true or false, found "maybe"`},
		{doc: "- name: a\n  env: {RUNPOD_WEBHOOK_GET_JOB: x}\n", err: "r.yaml:2: env: RUNPOD_WEBHOOK_GET_JOB makes a worker wait"},
		{doc: "- name: a\n  env: {1BAD: x}\n", err: `r.yaml:2: env: "1BAD" is not a valid variable name`},
		{doc: "- name: a\n  env: {A: [1]}\n", err: "r.yaml:2: env: value of A must be a string"},
		{doc: "- name: a\n  env: [A]\n", err: "r.yaml:2: env must be a mapping"},
		{doc: "- name: a\n  dockerfile: ../Dockerfile\n", err: `r.yaml:2: dockerfile "../Dockerfile" must be a path inside the repository`},
		{doc: "- ref: main\n", err: "r.yaml:1: a repository needs one of name, url or path"},
		{doc: "- url: https://h/o/n\n  path: /tmp\n", err: "r.yaml:1: give url or path, not both"},
		{doc: "- name: a/b/c\n", err: `r.yaml:1: name "a/b/c": give owner/name or a bare name`},
		{doc: "- a\n- b\n- a\n", err: "r.yaml:3: repository runpod-workers/a (ref \"\") is listed twice (first on line 1)"},
		{doc: "- name: a\n  name: b\n", err: `r.yaml:2: key "name" is repeated`},
		{doc: "- [a]\n", err: "r.yaml:1: a repository is a name or a mapping, found a list"},
		{doc: "- name:\n", err: "r.yaml:1: name must be a string, found nothing"},
		{doc: "- path: /definitely/not/here\n", err: `r.yaml:1: repository directory "/definitely/not/here" does not exist`},
		{doc: "organization: 'bad org'\nrepositories: [a]\n", err: `r.yaml:1: organization "bad org" is not a valid`},
	}
	for _, tc := range tests {
		_, err := ParseRepos([]byte(tc.doc), "r.yaml", Defaults{})
		if err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("ParseRepos(%q) error = %v\nwant %q", tc.doc, err, tc.err)
		}
	}
}

func TestLoadReposFileMissing(t *testing.T) {
	t.Parallel()
	_, err := LoadReposFile(filepath.Join(t.TempDir(), "nope.yaml"), Defaults{})
	if err == nil || !strings.Contains(err.Error(), "read repos file") {
		t.Errorf("error = %v", err)
	}
}
