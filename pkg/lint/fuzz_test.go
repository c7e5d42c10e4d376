package lint

import (
	"testing"
	"testing/fstest"
	"time"
)

// cleanFS is the clean fixture in memory.
func cleanFS(t testing.TB) fstest.MapFS {
	fsys := fstest.MapFS{}
	for _, f := range loadFixtures(t) {
		if f.name == "clean" {
			for _, file := range f.ar.Files {
				fsys[file.Name] = &fstest.MapFile{Data: file.Data}
			}
		}
	}
	return fsys
}

// fuzzLint runs every rule on a repository whose file name holds data; the
// rules must not panic and every finding must be well formed.
func fuzzLint(f *testing.F, name string) {
	for _, fx := range loadFixtures(f) {
		for _, file := range fx.ar.Files {
			if file.Name == name {
				f.Add(file.Data)
			}
		}
	}
	base := cleanFS(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		fsys := fstest.MapFS{}
		for k, v := range base {
			fsys[k] = v
		}
		fsys[name] = &fstest.MapFile{Data: data}
		done := make(chan struct{})
		var rep *Report
		var err error
		go func() {
			defer close(done)
			rep, err = RunFS(t.Context(), fsys, Options{})
		}()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatalf("lint took more than 5s on %q", data)
		}
		if err != nil {
			t.Fatal(err)
		}
		for _, fd := range append(rep.Findings, rep.Suppressed...) {
			if _, ok := RuleByID(fd.RuleID); !ok || fd.Severity < Info || fd.Severity > Error || fd.Message == "" || fd.Line < 0 {
				t.Fatalf("malformed finding %+v", fd)
			}
		}
	})
}

// FuzzHubRules runs the hub.json rules (schema and cross-field) on
// arbitrary input.
func FuzzHubRules(f *testing.F) { fuzzLint(f, ".runpod/hub.json") }

// FuzzTestsRules runs the tests.json rules on arbitrary input.
func FuzzTestsRules(f *testing.F) { fuzzLint(f, ".runpod/tests.json") }

// FuzzDockerfileRules runs the Dockerfile, image mapping and handler
// tracing rules on an arbitrary Dockerfile.
func FuzzDockerfileRules(f *testing.F) { fuzzLint(f, "Dockerfile") }

// FuzzHandlerRules runs handler discovery and classification on an
// arbitrary handler.py.
func FuzzHandlerRules(f *testing.F) { fuzzLint(f, "handler.py") }
