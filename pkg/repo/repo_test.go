package repo

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	opts := ParseOptions{DefaultOrg: "acme", BaseURL: "http://127.0.0.1:9/"}
	tests := []struct {
		arg  string
		want Ref
	}{
		{dir, Ref{Name: filepath.Base(dir), Path: dir}},
		{"acme/worker-a", Ref{Org: "acme", Name: "worker-a", URL: "http://127.0.0.1:9/acme/worker-a.git"}},
		{"acme/worker-a@v1.2.0", Ref{Org: "acme", Name: "worker-a", URL: "http://127.0.0.1:9/acme/worker-a.git", Ref: "v1.2.0"}},
		{"worker-b", Ref{Org: "acme", Name: "worker-b", URL: "http://127.0.0.1:9/acme/worker-b.git"}},
		{"worker-b@main", Ref{Org: "acme", Name: "worker-b", URL: "http://127.0.0.1:9/acme/worker-b.git", Ref: "main"}},
		{"other/w.git", Ref{Org: "other", Name: "w", URL: "http://127.0.0.1:9/other/w.git"}},
		{"https://example.test/o/n.git", Ref{Org: "o", Name: "n", URL: "https://example.test/o/n.git"}},
		{"https://example.test/o/n#feature/x", Ref{Org: "o", Name: "n", URL: "https://example.test/o/n", Ref: "feature/x"}},
		{"git@example.test:o/n.git", Ref{Org: "o", Name: "n", URL: "git@example.test:o/n.git"}},
	}
	for _, tt := range tests {
		t.Run(tt.arg, func(t *testing.T) {
			t.Parallel()
			got, err := Parse(tt.arg, opts)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.arg, err)
			}
			if got != tt.want {
				t.Errorf("Parse(%q) = %+v, want %+v", tt.arg, got, tt.want)
			}
		})
	}
}

func TestParseDefaults(t *testing.T) {
	t.Parallel()
	got, err := Parse("worker-template", ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got.URL != "https://github.com/runpod-workers/worker-template.git" || got.Org != DefaultOrg {
		t.Errorf("got %+v", got)
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ arg, want string }{
		{"", "empty repository argument"},
		{"./does-not-exist", "does not exist"},
		{file, "is a file"},
		{"a/b/c", "neither"},
		{"-rf", "neither"},
		{"owner/name@..", "invalid ref"},
		{"ftp://example.test/o/n", "unsupported URL scheme"},
		{"https://user:s3cret@example.test/o/n#-x", "invalid ref"},
		{"https://example.test/", "names no repository"},
	}
	for _, tt := range tests {
		t.Run(tt.arg, func(t *testing.T) {
			t.Parallel()
			_, err := Parse(tt.arg, ParseOptions{})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Parse(%q) error = %v, want it to contain %q", tt.arg, err, tt.want)
			}
			if strings.Contains(err.Error(), "s3cret") {
				t.Errorf("error leaks the password: %v", err)
			}
		})
	}
}

func TestDirName(t *testing.T) {
	t.Parallel()
	tests := []struct {
		ref  Ref
		want string
	}{
		{Ref{Org: "o", Name: "n"}, "o__n"},
		{Ref{Org: "..", Name: ".."}, "__"},
		{Ref{Name: "a/../../b"}, "a_.._.._b"},
		{Ref{Name: "..."}, "repo"},
	}
	for _, tt := range tests {
		if got := dirName(tt.ref); got != tt.want || strings.ContainsRune(got, filepath.Separator) {
			t.Errorf("dirName(%+v) = %q, want %q", tt.ref, got, tt.want)
		}
	}
}

func TestAuthOnlyForTokenHost(t *testing.T) {
	t.Parallel()
	opts := CheckoutOptions{Token: "t0k", TokenHost: "git.example.test"}
	if auth("https://git.example.test/o/n.git", opts) == nil {
		t.Error("no auth for the token's host")
	}
	for _, u := range []string{"https://evil.test/o/n.git", "ssh://git.example.test/o/n", "git@git.example.test:o/n"} {
		if auth(u, opts) != nil {
			t.Errorf("token sent to %s", u)
		}
	}
	if auth("https://github.com/o/n.git", CheckoutOptions{Token: "t"}) == nil {
		t.Error("default token host is not github.com")
	}
}
