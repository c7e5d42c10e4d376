// Package repo turns a repository argument (a local directory, owner/name,
// a bare name in the default organisation, or a git URL) into a local
// directory that lint and validate can read. Remote repositories are cloned
// with go-git: shallow, single branch, no tags.
package repo

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
)

// DefaultOrg is the organisation a bare repository name belongs to when the
// caller configures none.
const DefaultOrg = "runpod-workers"

// DefaultBaseURL is where owner/name and bare names are cloned from when the
// caller configures none.
const DefaultBaseURL = "https://github.com"

// Ref is a parsed repository argument. Exactly one of Path (a local
// directory) and URL (a remote to clone) is set.
type Ref struct {
	// Org is the owner of a remote repository ("" for a local directory).
	Org string
	// Name is the repository name: the last path element of a URL without
	// ".git", or the base name of a local directory.
	Name string
	// URL is the clone URL of a remote repository.
	URL string
	// Path is the local directory, made absolute.
	Path string
	// Ref is the branch or tag to check out; "" means the remote's default
	// branch. Unused for local directories.
	Ref string
}

// ParseOptions configure how bare names and owner/name are expanded.
type ParseOptions struct {
	// DefaultOrg is the owner of a bare name (default DefaultOrg).
	DefaultOrg string
	// BaseURL is the git host owner/name is cloned from (default DefaultBaseURL).
	BaseURL string
	// Dir resolves relative local paths (default the working directory):
	// repos.yaml resolves them against the file's folder.
	Dir string
}

// IsRemote reports whether the repository has to be cloned.
func (r Ref) IsRemote() bool { return r.URL != "" }

// String names the repository the way a user would: owner/name for a remote,
// the directory for a local one.
func (r Ref) String() string {
	if r.IsRemote() {
		s := r.Name
		if r.Org != "" {
			s = r.Org + "/" + r.Name
		}
		if r.Ref != "" {
			s += "@" + r.Ref
		}
		return s
	}
	return r.Path
}

var (
	namePart = `[A-Za-z0-9][A-Za-z0-9._-]{0,99}`
	ownerRe  = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9-]{0,38}$`)
	nameRe   = regexp.MustCompile(`^` + namePart + `$`)
	refRe    = regexp.MustCompile(`^[A-Za-z0-9._/-]{1,200}$`)
)

// Parse reads a repository argument:
//
//	./dir, /abs/dir, dir         a local directory (an existing directory wins)
//	owner/name[@ref]             BaseURL/owner/name
//	name[@ref]                   BaseURL/DefaultOrg/name
//	https://host/o/n.git[#ref]   a git URL (also http://, ssh://, git@host:o/n)
//
// A local directory must exist; a remote one is only checked for shape.
func Parse(arg string, opts ParseOptions) (Ref, error) {
	if opts.DefaultOrg == "" {
		opts.DefaultOrg = DefaultOrg
	}
	if opts.BaseURL == "" {
		opts.BaseURL = DefaultBaseURL
	}
	if arg == "" {
		return Ref{}, errors.New("empty repository argument: give a directory, owner/name or a git URL")
	}
	if strings.Contains(arg, "://") || strings.HasPrefix(arg, "git@") {
		return parseURL(arg)
	}
	if looksLocal(arg, opts.Dir) {
		return parseLocal(arg, opts.Dir)
	}
	spec, ref, _ := strings.Cut(arg, "@")
	if ref != "" && !validRef(ref) {
		return Ref{}, fmt.Errorf("repository %q: invalid ref %q", arg, ref)
	}
	owner, name, hasOwner := strings.Cut(spec, "/")
	if !hasOwner {
		owner, name = opts.DefaultOrg, spec
	}
	if !ownerRe.MatchString(owner) || !nameRe.MatchString(name) || strings.Contains(name, "/") {
		return Ref{}, fmt.Errorf("repository %q is neither an existing directory, owner/name, a bare name nor a git URL", arg)
	}
	base := strings.TrimSuffix(opts.BaseURL, "/")
	return Ref{
		Org:  owner,
		Name: strings.TrimSuffix(name, ".git"),
		URL:  base + "/" + owner + "/" + strings.TrimSuffix(name, ".git") + ".git",
		Ref:  ref,
	}, nil
}

// looksLocal is true for arguments that can only mean a directory, and for
// anything that exists as one.
func looksLocal(arg, dir string) bool {
	if arg == "." || arg == ".." || strings.HasPrefix(arg, "./") || strings.HasPrefix(arg, "../") ||
		strings.HasPrefix(arg, "/") || strings.HasPrefix(arg, "~") || filepath.IsAbs(arg) {
		return true
	}
	st, err := os.Stat(joinDir(dir, arg))
	return err == nil && st.IsDir()
}

// joinDir resolves a relative path against dir ("" is the working directory).
func joinDir(dir, p string) string {
	if dir == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(dir, p)
}

func parseLocal(arg, dir string) (Ref, error) {
	p := arg
	if strings.HasPrefix(p, "~/") {
		home, err := os.UserHomeDir()
		if err != nil {
			return Ref{}, fmt.Errorf("repository %q: expand ~: %w", arg, err)
		}
		p = filepath.Join(home, p[2:])
	}
	abs, err := filepath.Abs(joinDir(dir, p))
	if err != nil {
		return Ref{}, fmt.Errorf("repository %q: %w", arg, err)
	}
	st, err := os.Stat(abs)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return Ref{}, fmt.Errorf("repository directory %q does not exist: check the path, or give owner/name to clone", arg)
		}
		return Ref{}, fmt.Errorf("repository %q: %w", arg, err)
	}
	if !st.IsDir() {
		return Ref{}, fmt.Errorf("repository %q is a file, not a directory", arg)
	}
	return Ref{Name: filepath.Base(abs), Path: abs}, nil
}

func parseURL(arg string) (Ref, error) {
	raw, ref, _ := strings.Cut(arg, "#")
	if ref != "" && !validRef(ref) {
		return Ref{}, fmt.Errorf("repository %s: invalid ref %q", redact(raw), ref)
	}
	var p string
	if rest, ok := strings.CutPrefix(raw, "git@"); ok {
		_, after, found := strings.Cut(rest, ":")
		if !found {
			return Ref{}, fmt.Errorf("repository %s: want git@host:owner/name", redact(raw))
		}
		p = after
	} else {
		u, err := url.Parse(raw)
		if err != nil {
			return Ref{}, fmt.Errorf("repository %s: invalid URL", redact(raw))
		}
		switch u.Scheme {
		case "https", "http", "ssh", "git", "file":
		default:
			return Ref{}, fmt.Errorf("repository %s: unsupported URL scheme %q", redact(raw), u.Scheme)
		}
		p = u.Path
	}
	p = strings.TrimSuffix(strings.Trim(p, "/"), ".git")
	name := path.Base(p)
	org := path.Base(path.Dir(p))
	if name == "." || name == "/" || name == "" {
		return Ref{}, fmt.Errorf("repository %s: the URL names no repository", redact(raw))
	}
	if org == "." || org == "/" {
		org = ""
	}
	return Ref{Org: org, Name: name, URL: raw, Ref: ref}, nil
}

func validRef(ref string) bool {
	return refRe.MatchString(ref) && !strings.Contains(ref, "..") && !strings.HasPrefix(ref, "-")
}

// redact hides a password or token embedded in a URL so that it never reaches
// an error message or a log.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	return u.Redacted()
}
