package lint

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/moby/patternmatcher"
	"go.yaml.in/yaml/v3"
)

// ConfigFile is the repository's own lint configuration.
const ConfigFile = ".janitor.yaml"

// dynamicID matches the IDs of the findings validate stores (JW040–JW049):
// they share the ID space and may be suppressed in the same file.
var dynamicID = regexp.MustCompile(`^JW04[0-9]$`)

// KnownID reports whether id names a static rule or a dynamic result.
func KnownID(id string) bool {
	_, ok := RuleByID(id)
	return ok || dynamicID.MatchString(id)
}

// suppressor decides which findings are silenced: rules ignored everywhere
// (the caller's list and plain entries of .janitor.yaml) and rules ignored
// under a path pattern.
type suppressor struct {
	everywhere map[string]bool
	scoped     []scopedIgnore
}

type scopedIgnore struct {
	rule string
	pm   *patternmatcher.PatternMatcher
}

func newSuppressor(ignore []string) (*suppressor, error) {
	s := &suppressor{everywhere: map[string]bool{}}
	for _, id := range ignore {
		id = strings.ToUpper(strings.TrimSpace(id))
		if !KnownID(id) {
			return nil, fmt.Errorf("unknown rule ID %q in the ignore list: rule IDs are JW001–JW037 (see docs/rules.md)", id)
		}
		s.everywhere[id] = true
	}
	return s, nil
}

// config is the schema of .janitor.yaml.
type config struct {
	Ignore []yaml.Node `yaml:"ignore"`
}

type ignoreEntry struct {
	Rule string `yaml:"rule"`
	Path string `yaml:"path"`
}

// loadConfig reads .janitor.yaml when the repository has one:
//
//	ignore:
//	  - JW007                              # everywhere
//	  - {rule: JW005, path: "docker/*"}    # only for findings under docker/
func (s *suppressor) loadConfig(t *tree) error {
	name := ConfigFile
	if !t.exists(name) && t.exists(".janitor.yml") {
		name = ".janitor.yml"
	}
	if !t.exists(name) {
		return nil
	}
	data, err := t.read(name, maxTextBytes)
	if err != nil {
		return fmt.Errorf("read %s: %w", name, err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var cfg config
	if err := dec.Decode(&cfg); err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("%s: %w (want: ignore: [JW007, {rule: JW005, path: \"docker/*\"}])", name, err)
	}
	for _, n := range cfg.Ignore {
		var e ignoreEntry
		switch n.Kind {
		case yaml.ScalarNode:
			e.Rule = n.Value
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				if k := n.Content[i].Value; k != "rule" && k != "path" {
					return fmt.Errorf("%s line %d: unknown key %q in an ignore entry (want rule and path)", name, n.Content[i].Line, k)
				}
			}
			if err := n.Decode(&e); err != nil {
				return fmt.Errorf("%s line %d: %w", name, n.Line, err)
			}
		default:
			return fmt.Errorf("%s line %d: an ignore entry is a rule ID or {rule: JW0xx, path: pattern}", name, n.Line)
		}
		e.Rule = strings.ToUpper(strings.TrimSpace(e.Rule))
		if !KnownID(e.Rule) {
			return fmt.Errorf("%s line %d: unknown rule ID %q (rule IDs are JW001–JW037, see docs/rules.md)", name, n.Line, e.Rule)
		}
		if e.Path == "" {
			s.everywhere[e.Rule] = true
			continue
		}
		pm, err := patternmatcher.New([]string{strings.TrimPrefix(e.Path, "./")})
		if err != nil {
			return fmt.Errorf("%s line %d: path %q: %w", name, n.Line, e.Path, err)
		}
		s.scoped = append(s.scoped, scopedIgnore{rule: e.Rule, pm: pm})
	}
	return nil
}

func (s *suppressor) suppressed(f Finding) bool {
	if s.everywhere[f.RuleID] {
		return true
	}
	if f.File == "" {
		return false
	}
	for _, sc := range s.scoped {
		if sc.rule != f.RuleID {
			continue
		}
		// A pattern naming a directory covers everything below it.
		if ok, err := sc.pm.MatchesOrParentMatches(f.File); err == nil && ok {
			return true
		}
	}
	return false
}
