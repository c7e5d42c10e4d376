package lint

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/runpod-workers/janitor/pkg/lint/hub"
)

// jsonDoc is a decoded JSON file of the repository.
type jsonDoc struct {
	path string
	*hub.Doc
}

// loadJSON reads and decodes a JSON file; problems become findings of rule.
func (c *checker) loadJSON(p, rule string) *jsonDoc {
	data, err := c.t.read(p, maxJSONBytes)
	if err != nil {
		c.add(rule, Error, p, 0, err.Error(), "")
		return nil
	}
	doc, err := hub.Decode(data)
	if err != nil {
		var se *hub.SyntaxError
		line := 0
		if errors.As(err, &se) {
			line = se.Line
		}
		c.add(rule, Error, p, line, p+" is not valid JSON: "+err.Error(), "")
		return nil
	}
	return &jsonDoc{path: p, Doc: doc}
}

// at adds a finding located at a JSON pointer of the document.
func (c *checker) at(d *jsonDoc, rule string, sev Severity, pointer, msg, fix string) {
	if pointer != "" {
		msg = pointer + ": " + msg
	}
	c.add(rule, sev, d.path, d.Line(pointer), msg, fix)
}

func obj(v any) (map[string]any, bool) { m, ok := v.(map[string]any); return m, ok }
func arr(v any) ([]any, bool)          { a, ok := v.([]any); return a, ok }
func str(v any) (string, bool)         { s, ok := v.(string); return s, ok }

// num returns a JSON number's value.
func num(v any) (float64, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, false
	}
	f, err := n.Float64()
	return f, err == nil && !math.IsInf(f, 0)
}

// kindOf names a JSON value's type for messages.
func kindOf(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case json.Number:
		return "a number"
	case string:
		return "a string"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

// short renders a JSON value compactly for a message.
func short(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return "?"
	}
	s := string(b)
	if len(s) > 60 {
		s = s[:57] + "..."
	}
	return s
}

// equalJSON compares decoded JSON values, numbers by value.
func equalJSON(a, b any) bool {
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			w, ok := y[k]
			if !ok || !equalJSON(v, w) {
				return false
			}
		}
		return true
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !equalJSON(x[i], y[i]) {
				return false
			}
		}
		return true
	case json.Number:
		y, ok := b.(json.Number)
		if !ok {
			return false
		}
		fx, e1 := x.Float64()
		fy, e2 := y.Float64()
		return e1 == nil && e2 == nil && fx == fy || x == y
	}
	return a == b
}

// diffKeys lists the top-level keys whose values differ between two
// objects, with both values for the first few.
func diffKeys(a, b map[string]any) string {
	keys := map[string]bool{}
	for k := range a {
		keys[k] = true
	}
	for k := range b {
		keys[k] = true
	}
	var parts []string
	for _, k := range sortedKeys(keys) {
		va, inA := a[k]
		vb, inB := b[k]
		switch {
		case inA && inB && equalJSON(va, vb):
		case inA && inB:
			parts = append(parts, fmt.Sprintf("%s (%s vs %s)", k, short(va), short(vb)))
		case inA:
			parts = append(parts, k+" (only in test_input.json)")
		default:
			parts = append(parts, k+" (only in tests.json)")
		}
	}
	if len(parts) > 4 {
		parts = append(parts[:4], fmt.Sprintf("and %d more", len(parts)-4))
	}
	return strings.Join(parts, ", ")
}

// stringList reads an array of strings, skipping other elements.
func stringList(v any) []string {
	a, _ := arr(v)
	var out []string
	for _, e := range a {
		if s, ok := str(e); ok {
			out = append(out, s)
		}
	}
	return out
}

func sameSet(a, b []string) bool {
	x := append([]string(nil), a...)
	y := append([]string(nil), b...)
	sort.Strings(x)
	sort.Strings(y)
	return strings.Join(x, "\x00") == strings.Join(y, "\x00")
}
