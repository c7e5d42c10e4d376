package repo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/transport"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"
)

// CheckoutOptions configure Checkout.
type CheckoutOptions struct {
	// WorkDir is the parent of the per-repository clone directories. Each
	// remote repository gets WorkDir/<org>__<name>, emptied before cloning.
	// Required for remote repositories.
	WorkDir string
	// Token authenticates HTTPS clones (the CLI reads GITHUB_TOKEN). It is
	// only sent to TokenHost, never to any other host.
	Token string
	// TokenHost is the host (host[:port]) the token belongs to; default the
	// host of DefaultBaseURL.
	TokenHost string
	// Progress, when set, receives the server's progress messages.
	Progress io.Writer
}

// Checkout is a repository on local disk.
type Checkout struct {
	// Dir is the directory holding the repository's files.
	Dir string
	// CommitSHA is the checked-out commit, "" when Dir is not a git repository.
	CommitSHA string
}

// Checkout makes the repository available locally. A local directory is used
// in place (its HEAD commit is reported when it is a git repository); a remote
// one is cloned shallow (depth 1), single branch, without tags, at ref.Ref
// (a branch, else a tag) or the default branch.
func (r Ref) Checkout(ctx context.Context, opts CheckoutOptions) (Checkout, error) {
	if !r.IsRemote() {
		if r.Path == "" {
			return Checkout{}, errors.New("checkout: the repository has neither a path nor a URL")
		}
		st, err := os.Stat(r.Path)
		if err != nil || !st.IsDir() {
			return Checkout{}, fmt.Errorf("checkout %s: not a directory", r.Path)
		}
		return Checkout{Dir: r.Path, CommitSHA: HeadCommit(r.Path)}, nil
	}
	if opts.WorkDir == "" {
		return Checkout{}, fmt.Errorf("checkout %s: no work directory to clone into", r)
	}
	dir := filepath.Join(opts.WorkDir, dirName(r))
	sha, err := clone(ctx, r, dir, opts)
	if err != nil {
		return Checkout{}, fmt.Errorf("clone %s from %s: %w", r, redact(r.URL), err)
	}
	return Checkout{Dir: dir, CommitSHA: sha}, nil
}

// HeadCommit returns the commit HEAD points at for the git repository holding
// dir, or "" when dir is not inside one (or HEAD is unborn).
func HeadCommit(dir string) string {
	repo, err := git.PlainOpenWithOptions(dir, &git.PlainOpenOptions{DetectDotGit: true, EnableDotGitCommonDir: true})
	if err != nil {
		return ""
	}
	head, err := repo.Head()
	if err != nil {
		return ""
	}
	return head.Hash().String()
}

var unsafeChars = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// dirName is the per-repository work directory name; it never contains a
// path separator or "..", so it stays inside WorkDir.
func dirName(r Ref) string {
	name := r.Name
	if r.Org != "" {
		name = r.Org + "__" + r.Name
	}
	name = unsafeChars.ReplaceAllString(name, "_")
	name = strings.Trim(name, ".")
	if name == "" {
		name = "repo"
	}
	return name
}

func clone(ctx context.Context, r Ref, dir string, opts CheckoutOptions) (string, error) {
	co := &git.CloneOptions{
		URL:          r.URL,
		Depth:        1,
		SingleBranch: true,
		Tags:         git.NoTags,
		Auth:         auth(r.URL, opts),
	}
	if opts.Progress != nil {
		co.Progress = opts.Progress
	}
	candidates := []plumbing.ReferenceName{""}
	if r.Ref != "" {
		candidates = []plumbing.ReferenceName{plumbing.NewBranchReferenceName(r.Ref), plumbing.NewTagReferenceName(r.Ref)}
	}
	var lastErr error
	for _, name := range candidates {
		if err := emptyDir(dir); err != nil {
			return "", err
		}
		co.ReferenceName = name
		repo, err := git.PlainCloneContext(ctx, dir, false, co)
		if err != nil {
			lastErr = err
			if isRefNotFound(err) {
				continue
			}
			return "", explain(err)
		}
		head, err := repo.Head()
		if err != nil {
			return "", fmt.Errorf("read HEAD: %w", err)
		}
		return head.Hash().String(), nil
	}
	return "", fmt.Errorf("no branch or tag named %q: %w", r.Ref, lastErr)
}

// auth returns basic auth for the token only when the URL is HTTP(S) on the
// token's own host, so a token is never sent to a third party.
func auth(raw string, opts CheckoutOptions) transport.AuthMethod {
	if opts.Token == "" {
		return nil
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") {
		return nil
	}
	host := opts.TokenHost
	if host == "" {
		base, _ := url.Parse(DefaultBaseURL)
		host = base.Host
	}
	if !strings.EqualFold(u.Host, host) {
		return nil
	}
	return &githttp.BasicAuth{Username: "x-access-token", Password: opts.Token}
}

// emptyDir removes dir and creates it again, so a clone never mixes with
// what an earlier run left behind.
func emptyDir(dir string) error {
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("empty work directory: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create work directory: %w", err)
	}
	return nil
}

func isRefNotFound(err error) bool {
	var nm git.NoMatchingRefSpecError
	return errors.Is(err, plumbing.ErrReferenceNotFound) || errors.As(err, &nm)
}

func explain(err error) error {
	switch {
	case errors.Is(err, transport.ErrAuthenticationRequired), errors.Is(err, transport.ErrAuthorizationFailed):
		return fmt.Errorf("%w (set GITHUB_TOKEN to a token that can read the repository)", err)
	case errors.Is(err, transport.ErrRepositoryNotFound):
		return fmt.Errorf("%w (check the owner and name, or set GITHUB_TOKEN for a private repository)", err)
	}
	return err
}
