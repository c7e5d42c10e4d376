// Package hub reads the RunPod Hub files (.runpod/hub.json and
// .runpod/tests.json): it decodes them defensively (UTF-8, nesting depth,
// trailing data), validates them against the JSON Schemas kept in this
// package, and maps JSON pointers back to line numbers. The rules that relate
// fields to each other live in package lint.
package hub

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// MaxDepth is the deepest nesting of arrays and objects Decode accepts.
const MaxDepth = 64

// KnownPools are the GPU pool IDs gpuIds may name. New pools appear, so an
// ID not listed here is a warning, not an error.
var KnownPools = []string{
	"AMPERE_16", "AMPERE_24", "ADA_24", "AMPERE_48", "ADA_48_PRO",
	"AMPERE_80", "ADA_80_PRO", "HOPPER_141", "ADA_32_PRO",
}

// Doc is a decoded JSON document.
type Doc struct {
	// Value is the document as encoding/json decodes it into any, with
	// numbers as json.Number.
	Value any
	lines map[string]int
}

// SyntaxError is a document that is not valid JSON (or is nested too deep,
// or not UTF-8), with the line where reading stopped.
type SyntaxError struct {
	Line int
	Msg  string
}

func (e *SyntaxError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("line %d: %s", e.Line, e.Msg)
	}
	return e.Msg
}

// Decode reads one JSON value. It rejects invalid UTF-8, nesting deeper than
// MaxDepth and anything after the value, each as a *SyntaxError.
func Decode(data []byte) (*Doc, error) {
	if !utf8.Valid(data) {
		i := 0
		for i < len(data) {
			r, n := utf8.DecodeRune(data[i:])
			if r == utf8.RuneError && n <= 1 {
				break
			}
			i += n
		}
		return nil, &SyntaxError{Line: lineAt(data, i), Msg: "not valid UTF-8"}
	}
	lines, err := index(data)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, &SyntaxError{Line: lineAt(data, int(dec.InputOffset())), Msg: err.Error()}
	}
	return &Doc{Value: v, lines: lines}, nil
}

// index walks the token stream once, without recursion, to check the depth
// and record the line of every value by its JSON pointer.
func index(data []byte) (map[string]int, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	nl := newlines(data)
	lines := map[string]int{}
	type frame struct {
		object bool
		key    string
		index  int
		path   string
		keyNow bool // the next string token in an object is a key
	}
	var stack []frame
	valuePath := func() string {
		if len(stack) == 0 {
			return ""
		}
		f := stack[len(stack)-1]
		if f.object {
			return f.path + "/" + escape(f.key)
		}
		return f.path + "/" + strconv.Itoa(f.index)
	}
	afterValue := func() {
		if len(stack) == 0 {
			return
		}
		f := &stack[len(stack)-1]
		if f.object {
			f.keyNow = true
		} else {
			f.index++
		}
	}
	seen := false
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			if !seen {
				return nil, &SyntaxError{Line: 1, Msg: "empty document"}
			}
			return lines, nil
		}
		if err != nil {
			return nil, &SyntaxError{Line: nl.line(int(dec.InputOffset())), Msg: err.Error()}
		}
		if len(stack) == 0 && seen {
			return nil, &SyntaxError{Line: nl.line(int(dec.InputOffset())), Msg: "unexpected data after the JSON value"}
		}
		seen = true
		line := nl.line(int(dec.InputOffset()))
		if len(stack) > 0 && stack[len(stack)-1].object && stack[len(stack)-1].keyNow {
			if d, ok := tok.(json.Delim); !ok || d != '}' {
				f := &stack[len(stack)-1]
				f.key, _ = tok.(string)
				f.keyNow = false
				continue
			}
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{', '[':
				p := valuePath()
				if len(lines) < 10000 {
					lines[p] = line
				}
				if len(stack) >= MaxDepth {
					return nil, &SyntaxError{Line: line, Msg: fmt.Sprintf("nested deeper than %d levels", MaxDepth)}
				}
				stack = append(stack, frame{object: t == '{', path: p, keyNow: t == '{'})
			default:
				stack = stack[:len(stack)-1]
				afterValue()
			}
		default:
			if len(lines) < 10000 {
				lines[valuePath()] = line
			}
			afterValue()
		}
	}
}

// Line returns the line of the value at pointer, or of its nearest
// ancestor that has one; 0 when none is known.
func (d *Doc) Line(pointer string) int {
	for {
		if l, ok := d.lines[pointer]; ok {
			return l
		}
		i := strings.LastIndexByte(pointer, '/')
		if i < 0 {
			return 0
		}
		pointer = pointer[:i]
	}
}

// Problem is one schema violation.
type Problem struct {
	// Pointer is the JSON pointer of the offending value ("" for the root).
	Pointer string
	Msg     string
}

//go:embed schema/*.json
var schemaFS embed.FS

// Schema names, as Validate accepts them.
const (
	HubSchema   = "hub.schema.json"
	TestsSchema = "tests.schema.json"
)

var (
	compileOnce sync.Once
	schemas     map[string]*jsonschema.Schema
	compileErr  error
)

func compile() {
	c := jsonschema.NewCompiler()
	schemas = map[string]*jsonschema.Schema{}
	for _, name := range []string{HubSchema, TestsSchema} {
		data, err := schemaFS.ReadFile("schema/" + name)
		if err != nil {
			compileErr = err
			return
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
		if err != nil {
			compileErr = fmt.Errorf("schema %s: %w", name, err)
			return
		}
		if err := c.AddResource(name, doc); err != nil {
			compileErr = fmt.Errorf("schema %s: %w", name, err)
			return
		}
	}
	for _, name := range []string{HubSchema, TestsSchema} {
		s, err := c.Compile(name)
		if err != nil {
			compileErr = fmt.Errorf("compile schema %s: %w", name, err)
			return
		}
		schemas[name] = s
	}
}

// Schema returns the text of an embedded schema.
func Schema(name string) ([]byte, error) { return schemaFS.ReadFile("schema/" + name) }

// Validate checks the document against the named embedded schema and
// returns one problem per failing leaf, sorted by pointer.
func (d *Doc) Validate(schema string) ([]Problem, error) {
	compileOnce.Do(compile)
	if compileErr != nil {
		return nil, compileErr
	}
	s, ok := schemas[schema]
	if !ok {
		return nil, fmt.Errorf("no schema named %q", schema)
	}
	err := s.Validate(d.Value)
	if err == nil {
		return nil, nil
	}
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return nil, fmt.Errorf("validate against %s: %w", schema, err)
	}
	var out []Problem
	seen := map[Problem]bool{}
	var leaves func(e *jsonschema.ValidationError)
	leaves = func(e *jsonschema.ValidationError) {
		if len(e.Causes) > 0 {
			for _, c := range e.Causes {
				leaves(c)
			}
			return
		}
		p := Problem{Pointer: pointer(e.InstanceLocation), Msg: leafMessage(e)}
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	leaves(ve)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Pointer < out[j].Pointer })
	return out, nil
}

// leafMessage is the library's message for one failed keyword, without the
// "at '/x':" prefix it adds when printing a whole error tree.
func leafMessage(e *jsonschema.ValidationError) string {
	unit := e.BasicOutput()
	for _, u := range append([]jsonschema.OutputUnit{*unit}, unit.Errors...) {
		if u.Error != nil {
			if msg := u.Error.String(); msg != "" && msg != "validation failed" {
				return msg
			}
		}
	}
	return strings.TrimSpace(e.Error())
}

func pointer(parts []string) string {
	var b strings.Builder
	for _, p := range parts {
		b.WriteString("/" + escape(p))
	}
	return b.String()
}

// Pointer builds a JSON pointer from its reference tokens.
func Pointer(parts ...any) string {
	var b strings.Builder
	for _, p := range parts {
		b.WriteString("/" + escape(fmt.Sprint(p)))
	}
	return b.String()
}

func escape(s string) string { return strings.NewReplacer("~", "~0", "/", "~1").Replace(s) }

type newlineIndex []int

func newlines(data []byte) newlineIndex {
	var idx newlineIndex
	for i, c := range data {
		if c == '\n' {
			idx = append(idx, i)
		}
	}
	return idx
}

// line returns the 1-based line holding byte offset off.
func (n newlineIndex) line(off int) int {
	return sort.SearchInts(n, off) + 1
}

func lineAt(data []byte, off int) int {
	if off > len(data) {
		off = len(data)
	}
	return bytes.Count(data[:off], []byte("\n")) + 1
}
