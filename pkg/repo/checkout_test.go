package repo

import (
	"context"
	"io"
	"net/http"
	"net/http/cgi"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"

	"github.com/runpod-workers/janitor/pkg/testenv"
)

// gitServer is a bare repository acme/worker served by the real
// git http-backend over HTTP on 127.0.0.1.
type gitServer struct {
	url                string
	host               string
	mainSHA, branchSHA string
	tagSHA             string
	local              string // a non-bare clone with history
}

func runGit(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(),
		"GIT_AUTHOR_NAME=janitor test", "GIT_AUTHOR_EMAIL=test@janitor.invalid",
		"GIT_COMMITTER_NAME=janitor test", "GIT_COMMITTER_EMAIL=test@janitor.invalid",
		"GIT_CONFIG_NOSYSTEM=1", "HOME="+dir)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

func newGitServer(t *testing.T, token string) *gitServer {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		testenv.Missing(t, "git CLI not on PATH: apt-get install -y git")
	}
	execPath := strings.TrimSpace(func() string { out, _ := exec.Command("git", "--exec-path").Output(); return string(out) }())
	backend := filepath.Join(execPath, "git-http-backend")
	if _, err := os.Stat(backend); err != nil {
		testenv.Missing(t, "git-http-backend not found in git --exec-path: install git")
	}
	root := t.TempDir()
	work := filepath.Join(root, "work")
	bare := filepath.Join(root, "srv", "acme", "worker.git")
	if err := os.MkdirAll(work, 0o755); err != nil {
		t.Fatal(err)
	}
	s := &gitServer{local: work}
	runGit(t, work, "init", "-q", "-b", "main")
	write := func(name, body string) {
		if err := os.WriteFile(filepath.Join(work, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("Dockerfile", "FROM scratch\n")
	runGit(t, work, "add", ".")
	runGit(t, work, "commit", "-q", "-m", "first")
	runGit(t, work, "tag", "-a", "v1", "-m", "v1")
	s.tagSHA = runGit(t, work, "rev-parse", "HEAD")
	write("handler.py", "print('two')\n")
	runGit(t, work, "add", ".")
	runGit(t, work, "commit", "-q", "-m", "second")
	s.mainSHA = runGit(t, work, "rev-parse", "HEAD")
	runGit(t, work, "checkout", "-q", "-b", "feature")
	write("feature.txt", "x\n")
	runGit(t, work, "add", ".")
	runGit(t, work, "commit", "-q", "-m", "feature")
	s.branchSHA = runGit(t, work, "rev-parse", "HEAD")
	runGit(t, work, "checkout", "-q", "main")
	runGit(t, root, "clone", "-q", "--bare", work, bare)

	h := &cgi.Handler{
		Path:   backend,
		Env:    []string{"GIT_PROJECT_ROOT=" + filepath.Join(root, "srv"), "GIT_HTTP_EXPORT_ALL=1"},
		Stderr: io.Discard,
	}
	var handler http.Handler = h
	if token != "" {
		handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if _, pw, ok := r.BasicAuth(); !ok || pw != token {
				w.Header().Set("WWW-Authenticate", `Basic realm="git"`)
				http.Error(w, "unauthorized", http.StatusUnauthorized)
				return
			}
			h.ServeHTTP(w, r)
		})
	}
	srv := httptest.NewServer(handler)
	t.Cleanup(srv.Close)
	s.url = srv.URL
	u, _ := url.Parse(srv.URL)
	s.host = u.Host
	return s
}

func (s *gitServer) ref(t *testing.T, arg string) Ref {
	t.Helper()
	r, err := Parse(arg, ParseOptions{DefaultOrg: "acme", BaseURL: s.url})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestCheckoutRemote(t *testing.T) {
	t.Parallel()
	s := newGitServer(t, "")
	tests := []struct {
		arg, wantSHA, wantFile, absentFile string
	}{
		{"acme/worker", s.mainSHA, "handler.py", "feature.txt"},
		{"worker@feature", s.branchSHA, "feature.txt", ""},
		{"acme/worker@v1", s.tagSHA, "Dockerfile", "handler.py"},
		{s.url + "/acme/worker.git#feature", s.branchSHA, "feature.txt", ""},
	}
	for _, tt := range tests {
		t.Run(tt.arg, func(t *testing.T) {
			t.Parallel()
			work := t.TempDir()
			stale := filepath.Join(work, "acme__worker", "stale.txt")
			if err := os.MkdirAll(filepath.Dir(stale), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(stale, nil, 0o644); err != nil {
				t.Fatal(err)
			}
			co, err := s.ref(t, tt.arg).Checkout(t.Context(), CheckoutOptions{WorkDir: work})
			if err != nil {
				t.Fatalf("Checkout: %v", err)
			}
			if co.Dir != filepath.Join(work, "acme__worker") {
				t.Errorf("Dir = %s", co.Dir)
			}
			if co.CommitSHA != tt.wantSHA {
				t.Errorf("CommitSHA = %s, want %s", co.CommitSHA, tt.wantSHA)
			}
			if _, err := os.Stat(stale); !os.IsNotExist(err) {
				t.Errorf("work directory not emptied: %v", err)
			}
			if _, err := os.Stat(filepath.Join(co.Dir, tt.wantFile)); err != nil {
				t.Errorf("missing %s: %v", tt.wantFile, err)
			}
			if tt.absentFile != "" {
				if _, err := os.Stat(filepath.Join(co.Dir, tt.absentFile)); !os.IsNotExist(err) {
					t.Errorf("%s present: %v", tt.absentFile, err)
				}
			}
			assertShallowNoTags(t, co.Dir, tt.arg)
		})
	}
}

// assertShallowNoTags checks the clone holds one commit and no tag but the
// one asked for.
func assertShallowNoTags(t *testing.T, dir, arg string) {
	t.Helper()
	r, err := git.PlainOpen(dir)
	if err != nil {
		t.Fatal(err)
	}
	shallow, err := r.Storer.Shallow()
	if err != nil || len(shallow) != 1 {
		t.Errorf("shallow commits = %v (%v), want exactly one", shallow, err)
	}
	tags, err := r.Tags()
	if err != nil {
		t.Fatal(err)
	}
	_ = tags.ForEach(func(r *plumbing.Reference) error {
		if !strings.HasSuffix(arg, "@"+r.Name().Short()) {
			t.Errorf("tag %s fetched", r.Name())
		}
		return nil
	})
	out := runGit(t, dir, "rev-list", "--count", "HEAD")
	if out != "1" {
		t.Errorf("history has %s commits, want 1", out)
	}
}

func TestCheckoutToken(t *testing.T) {
	t.Parallel()
	s := newGitServer(t, "s3cret-token")
	ref := s.ref(t, "acme/worker")
	tests := []struct {
		name    string
		opts    CheckoutOptions
		wantErr string
	}{
		{"no token", CheckoutOptions{}, "GITHUB_TOKEN"},
		{"wrong token", CheckoutOptions{Token: "nope", TokenHost: s.host}, "GITHUB_TOKEN"},
		{"token for another host", CheckoutOptions{Token: "s3cret-token", TokenHost: "github.com"}, "GITHUB_TOKEN"},
		{"token", CheckoutOptions{Token: "s3cret-token", TokenHost: s.host}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.opts.WorkDir = t.TempDir()
			co, err := ref.Checkout(t.Context(), tt.opts)
			if tt.wantErr == "" {
				if err != nil || co.CommitSHA != s.mainSHA {
					t.Fatalf("Checkout = %+v, %v", co, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error = %v, want it to mention %q", err, tt.wantErr)
			}
			if strings.Contains(err.Error(), "s3cret") {
				t.Errorf("error leaks the token: %v", err)
			}
		})
	}
}

func TestCheckoutErrors(t *testing.T) {
	t.Parallel()
	s := newGitServer(t, "")
	t.Run("unknown ref", func(t *testing.T) {
		t.Parallel()
		_, err := s.ref(t, "acme/worker@nope").Checkout(t.Context(), CheckoutOptions{WorkDir: t.TempDir()})
		if err == nil || !strings.Contains(err.Error(), `no branch or tag named "nope"`) {
			t.Fatalf("error = %v", err)
		}
	})
	t.Run("unknown repository", func(t *testing.T) {
		t.Parallel()
		_, err := s.ref(t, "acme/missing").Checkout(t.Context(), CheckoutOptions{WorkDir: t.TempDir()})
		if err == nil || !strings.Contains(err.Error(), "acme/missing") {
			t.Fatalf("error = %v", err)
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		_, err := s.ref(t, "acme/worker").Checkout(ctx, CheckoutOptions{WorkDir: t.TempDir()})
		if err == nil {
			t.Fatal("clone with a cancelled context succeeded")
		}
	})
	t.Run("no work dir", func(t *testing.T) {
		t.Parallel()
		_, err := s.ref(t, "acme/worker").Checkout(t.Context(), CheckoutOptions{})
		if err == nil || !strings.Contains(err.Error(), "no work directory") {
			t.Fatalf("error = %v", err)
		}
	})
}

func TestCheckoutLocal(t *testing.T) {
	t.Parallel()
	s := newGitServer(t, "")
	plain := t.TempDir()
	tests := []struct {
		dir, wantSHA string
	}{
		{s.local, s.mainSHA},
		{plain, ""},
	}
	for _, tt := range tests {
		ref, err := Parse(tt.dir, ParseOptions{})
		if err != nil {
			t.Fatal(err)
		}
		co, err := ref.Checkout(t.Context(), CheckoutOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if co.Dir != tt.dir || co.CommitSHA != tt.wantSHA {
			t.Errorf("Checkout(%s) = %+v, want sha %q", tt.dir, co, tt.wantSHA)
		}
	}
}

func TestHeadCommit(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("git"); err != nil {
		testenv.Missing(t, "git: install it (apt-get install git)")
	}
	dir := t.TempDir()
	main := filepath.Join(dir, "main")
	if err := os.Mkdir(main, 0o755); err != nil {
		t.Fatal(err)
	}
	runGit(t, main, "init", "-q", "-b", "main")
	if err := os.WriteFile(filepath.Join(main, "Dockerfile"), []byte("FROM scratch\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	runGit(t, main, "add", ".")
	runGit(t, main, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "one")
	want := strings.TrimSpace(runGit(t, main, "rev-parse", "HEAD"))
	if err := os.Mkdir(filepath.Join(main, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	wt := filepath.Join(dir, "wt")
	runGit(t, main, "worktree", "add", "-q", wt)

	for name, d := range map[string]string{"root": main, "subfolder": filepath.Join(main, "sub"), "worktree": wt} {
		if got := HeadCommit(d); got != want {
			t.Errorf("%s: HeadCommit = %q, want %q", name, got, want)
		}
	}
	if got := HeadCommit(t.TempDir()); got != "" {
		t.Errorf("outside a repository: HeadCommit = %q, want empty", got)
	}
}
