package validate

import (
	"strings"
	"time"

	"github.com/runpod-workers/janitor/pkg/repo"
)

// DefaultOrg is the organisation of repositories named without one.
const DefaultOrg = "runpod-workers"

// LocalOrg is the organisation recorded for a local directory.
const LocalOrg = "local"

// Repo is one repository to validate, with its per-repository settings.
type Repo struct {
	// Name and Org identify the repository in results
	// (repository_name, organization).
	Name string
	Org  string
	// URL is the clone URL; Path a local directory used in place. Exactly
	// one is set.
	URL  string
	Path string
	// Ref is the branch or tag to check out; empty for the default branch.
	Ref string
	// Dockerfile overrides the linter's choice (relative to the root).
	Dockerfile string
	BuildArgs  map[string]string
	// Env is added to (and wins over) the tests.json config env.
	Env map[string]string
	// TestInput is a test input file: absolute, or relative to the
	// repository root. It wins over test_input.json and tests.json.
	TestInput string
	// RunTimeout and BuildTimeout override the run's limits when non-zero.
	RunTimeout   time.Duration
	BuildTimeout time.Duration
	// GPURequired, when set, says whether the repository needs a GPU and
	// overrides the linter's GPU-likely guess.
	GPURequired *bool
}

// FullName is "org/name".
func (r Repo) FullName() string { return r.Org + "/" + r.Name }

// Source is the URL or the path.
func (r Repo) Source() string {
	if r.URL != "" {
		return r.URL
	}
	return r.Path
}

// Defaults name repositories given without an organisation or a URL.
type Defaults struct {
	// Org is the organisation of a bare name (DefaultOrg when empty).
	Org string
	// BaseURL is where owner/name repositories are cloned from
	// ("https://github.com" when empty).
	BaseURL string
	// Dir resolves relative local paths (the working directory when empty).
	Dir string
}

// ParseRepoArg turns a command-line argument into a Repo, with pkg/repo's
// grammar:
//
//	./dir, /abs/dir, ~/dir, dir     a local directory (an existing one wins)
//	owner/name[@ref]                BaseURL/owner/name.git
//	name[@ref]                      BaseURL/<default organisation>/name.git
//	https://host/o/n.git[#ref]      a git URL (also http://, ssh://, file://, git@host:o/n)
func ParseRepoArg(arg string, d Defaults) (Repo, error) {
	r, err := repo.Parse(strings.TrimSpace(arg), repo.ParseOptions{DefaultOrg: d.org(), BaseURL: d.BaseURL, Dir: d.Dir})
	if err != nil {
		return Repo{}, err
	}
	out := Repo{Org: r.Org, Name: r.Name, URL: r.URL, Path: r.Path, Ref: r.Ref}
	if out.Org == "" {
		out.Org = LocalOrg
	}
	return out, nil
}

func (d Defaults) org() string {
	if d.Org == "" {
		return DefaultOrg
	}
	return d.Org
}
