package lint

import (
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"
)

// fixture is a small repository kept as a txtar archive under
// testdata/rules. Its comment holds a line "want: JW0xx ..." listing
// exactly the rule IDs linting it must report.
type fixture struct {
	name string
	want []string
	ar   *txtar.Archive
}

func loadFixtures(t testing.TB) []fixture {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join("testdata", "rules", "*.txtar"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	var out []fixture
	for _, p := range paths {
		ar, err := txtar.ParseFile(p)
		if err != nil {
			t.Fatal(err)
		}
		f := fixture{name: strings.TrimSuffix(filepath.Base(p), ".txtar"), ar: ar, want: []string{}}
		found := false
		for _, line := range strings.Split(string(ar.Comment), "\n") {
			if rest, ok := strings.CutPrefix(line, "want:"); ok {
				f.want = append(f.want, strings.Fields(rest)...)
				found = true
			}
		}
		if !found {
			t.Fatalf("%s: no want: line in the comment", p)
		}
		sort.Strings(f.want)
		out = append(out, f)
	}
	return out
}

// extract writes the fixture into a new directory and returns it.
func (f fixture) extract(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	for _, file := range f.ar.Files {
		p := filepath.Join(dir, filepath.FromSlash(file.Name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, file.Data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func ruleIDs(fs []Finding) []string {
	seen := map[string]bool{}
	out := []string{}
	for _, f := range fs {
		if !seen[f.RuleID] {
			seen[f.RuleID] = true
			out = append(out, f.RuleID)
		}
	}
	sort.Strings(out)
	return out
}

func TestFixtures(t *testing.T) {
	t.Parallel()
	for _, f := range loadFixtures(t) {
		t.Run(f.name, func(t *testing.T) {
			t.Parallel()
			rep, err := Run(t.Context(), f.extract(t), Options{})
			if err != nil {
				t.Fatal(err)
			}
			if got := ruleIDs(rep.Findings); !reflect.DeepEqual(got, f.want) {
				var lines []string
				for _, fd := range rep.Findings {
					lines = append(lines, fd.RuleID+" "+fd.Severity.String()+" "+fd.Location()+" "+fd.Message)
				}
				t.Errorf("rules = %v, want %v\n%s", got, f.want, strings.Join(lines, "\n"))
			}
		})
	}
}

// TestEveryRuleHasFixture: each rule of the catalogue has a fixture named
// after it that reports it.
func TestEveryRuleHasFixture(t *testing.T) {
	t.Parallel()
	fixtures := loadFixtures(t)
	for _, r := range Rules() {
		ok := false
		for _, f := range fixtures {
			if strings.HasPrefix(f.name, r.ID) && contains(f.want, r.ID) {
				ok = true
			}
		}
		if !ok {
			t.Errorf("no fixture %s*.txtar that wants %s", r.ID, r.ID)
		}
	}
	for _, f := range fixtures {
		if f.name == "clean" && len(f.want) != 0 {
			t.Errorf("the clean fixture wants %v", f.want)
		}
		if id := f.name[:min(5, len(f.name))]; strings.HasPrefix(id, "JW") && !contains(f.want, id) {
			t.Errorf("fixture %s does not want its own rule", f.name)
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
