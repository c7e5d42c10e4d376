package validate

import (
	"fmt"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"time"
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

var (
	namePart  = `[A-Za-z0-9_.-]+`
	bareName  = regexp.MustCompile(`^` + namePart + `$`)
	ownerName = regexp.MustCompile(`^(` + namePart + `)/(` + namePart + `)$`)
)

// ParseRepoArg turns a command-line argument into a Repo, with the same
// grammar as pkg/repo's Parse:
//
//	./dir, /abs/dir, ~/dir, dir     a local directory (an existing one wins)
//	owner/name[@ref]                BaseURL/owner/name.git
//	name[@ref]                      BaseURL/<default organisation>/name.git
//	https://host/o/n.git[#ref]      a git URL (also http://, ssh://, file://, git@host:o/n)
func ParseRepoArg(arg string, d Defaults) (Repo, error) {
	arg = strings.TrimSpace(arg)
	switch {
	case arg == "":
		return Repo{}, fmt.Errorf("empty repository: give owner/name, a git URL or a directory")
	case strings.Contains(arg, "://") || strings.HasPrefix(arg, "git@"):
		raw, ref, _ := strings.Cut(arg, "#")
		if err := checkRef(arg, ref); err != nil {
			return Repo{}, err
		}
		r, err := repoFromURL(raw)
		r.Ref = ref
		return r, err
	case strings.HasPrefix(arg, ".") || strings.HasPrefix(arg, "/") || strings.HasPrefix(arg, "~") || isDir(d.resolve(arg)):
		return repoFromPath(d.resolve(arg))
	}
	spec, ref, _ := strings.Cut(arg, "@")
	if err := checkRef(arg, ref); err != nil {
		return Repo{}, err
	}
	if m := ownerName.FindStringSubmatch(spec); m != nil {
		return Repo{Org: m[1], Name: strings.TrimSuffix(m[2], ".git"), URL: d.cloneURL(m[1], m[2]), Ref: ref}, nil
	}
	if bareName.MatchString(spec) {
		org := d.org()
		return Repo{Org: org, Name: strings.TrimSuffix(spec, ".git"), URL: d.cloneURL(org, spec), Ref: ref}, nil
	}
	return Repo{}, fmt.Errorf("repository %q: give owner/name, a bare name (organisation %s), a git URL or an existing directory", arg, d.org())
}

var refPattern = regexp.MustCompile(`^[A-Za-z0-9._/-]{1,200}$`)

// checkRef accepts an empty ref (the default branch) or a plausible one.
func checkRef(arg, ref string) error {
	if ref != "" && !refPattern.MatchString(ref) {
		return fmt.Errorf("repository %q: invalid ref %q", arg, ref)
	}
	return nil
}

func (d Defaults) org() string {
	if d.Org == "" {
		return DefaultOrg
	}
	return d.Org
}

func (d Defaults) cloneURL(org, name string) string {
	base := strings.TrimSuffix(d.BaseURL, "/")
	if base == "" {
		base = "https://github.com"
	}
	return base + "/" + org + "/" + strings.TrimSuffix(name, ".git") + ".git"
}

func (d Defaults) resolve(p string) string {
	if strings.HasPrefix(p, "~/") || p == "~" {
		if home, err := os.UserHomeDir(); err == nil {
			p = filepath.Join(home, strings.TrimPrefix(p, "~"))
		}
	}
	if !filepath.IsAbs(p) && d.Dir != "" {
		p = filepath.Join(d.Dir, p)
	}
	return p
}

func isDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}

func repoFromPath(p string) (Repo, error) {
	abs, err := filepath.Abs(p)
	if err != nil {
		return Repo{}, fmt.Errorf("repository path %q: %w", p, err)
	}
	if !isDir(abs) {
		return Repo{}, fmt.Errorf("repository path %q is not a directory", p)
	}
	return Repo{Org: LocalOrg, Name: filepath.Base(abs), Path: abs}, nil
}

func repoFromURL(raw string) (Repo, error) {
	var p string
	if strings.HasPrefix(raw, "git@") {
		// scp-like syntax: git@host:owner/name.git
		_, after, ok := strings.Cut(raw, ":")
		if !ok {
			return Repo{}, fmt.Errorf("git URL %q: expected git@host:owner/name", raw)
		}
		p = after
	} else {
		u, err := url.Parse(raw)
		if err != nil {
			return Repo{}, fmt.Errorf("git URL %q: %w", raw, err)
		}
		p = u.Path
	}
	p = strings.Trim(p, "/")
	name := strings.TrimSuffix(path.Base(p), ".git")
	if name == "" || name == "." {
		return Repo{}, fmt.Errorf("git URL %q names no repository", raw)
	}
	org := path.Base(path.Dir(p))
	if org == "." || org == "/" || org == "" {
		org = LocalOrg
	}
	return Repo{Org: org, Name: name, URL: raw}, nil
}
