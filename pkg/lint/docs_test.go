package lint

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRulesDocUpToDate fails when docs/rules.md no longer matches the rule
// table; regenerate it with go generate ./pkg/lint.
func TestRulesDocUpToDate(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	if err := WriteRulesMarkdown(&buf); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join("..", "..", "docs", "rules.md"))
	if err != nil {
		t.Fatalf("%v (run go generate ./pkg/lint)", err)
	}
	if !bytes.Equal(got, buf.Bytes()) {
		t.Fatal("docs/rules.md is out of date: run go generate ./pkg/lint")
	}
}

// TestRuleTable checks the catalogue is complete and documented: IDs in
// order without gaps, every field filled in.
func TestRuleTable(t *testing.T) {
	t.Parallel()
	rules := Rules()
	if len(rules) != 37 {
		t.Fatalf("%d rules, want 37", len(rules))
	}
	for i, r := range rules {
		if want := fmt.Sprintf("JW%03d", i+1); r.ID != want {
			t.Errorf("rule %d has ID %s, want %s", i, r.ID, want)
		}
		if r.Severity < Info || r.Severity > Error {
			t.Errorf("%s: severity %d", r.ID, r.Severity)
		}
		for name, v := range map[string]string{"Group": r.Group, "Title": r.Title, "Why": r.Why, "Fix": r.Fix,
			"Bad.File": r.Bad.File, "Bad.Text": r.Bad.Text, "Good.File": r.Good.File, "Good.Text": r.Good.Text} {
			if strings.TrimSpace(v) == "" {
				t.Errorf("%s: %s is empty", r.ID, name)
			}
		}
		if got, ok := RuleByID(r.ID); !ok || got.Title != r.Title {
			t.Errorf("RuleByID(%s)", r.ID)
		}
	}
}
