// Package dockerfile is lint's Dockerfile front end. It parses a Dockerfile
// with BuildKit's own parser and instructions packages and turns it into a
// model the rules can read: stages with their base images after ARG
// substitution, the WORKDIR each instruction runs in, COPY/ADD sources and
// destinations with variables expanded, the command the final image runs,
// and the BuildKit-only syntax in use. It knows nothing about the build
// context or about rule IDs.
package dockerfile

import (
	"bytes"
	"errors"
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/linter"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/buildkit/frontend/dockerfile/shell"
)

// File is a parsed Dockerfile.
type File struct {
	// Syntax is the value of a "# syntax=" directive, "" when absent.
	Syntax string
	// SyntaxLine is the directive's line.
	SyntaxLine int
	// MetaArgs are the ARGs declared before the first FROM.
	MetaArgs []Var
	// Stages in file order; the last one is the image that ships.
	Stages []*Stage
	// FromAsCasing lists the lines where BuildKit's linter found the "AS"
	// keyword cased differently from "FROM".
	FromAsCasing []int
	// Features lists BuildKit-only syntax in file order.
	Features []Feature
}

// Var is a variable declared by ARG or ENV.
type Var struct {
	Kind     string // "ARG" or "ENV"
	Name     string
	Value    string
	HasValue bool
	Line     int
}

// Feature is one use of BuildKit-only syntax.
type Feature struct {
	// Name says what is used, e.g. "RUN --mount" or "heredoc".
	Name string
	Line int
}

// Stage is one FROM and the instructions under it.
type Stage struct {
	Index int
	// Name is the stage name after AS, lower-cased, "" when unnamed.
	Name string
	Line int
	// RawBase is the image reference as written; Base is it after
	// substituting ARG defaults declared before the first FROM.
	RawBase, Base string
	// Unresolved lists variables Base still refers to.
	Unresolved []string
	// Parent is the index of the earlier stage Base names, -1 for an image.
	Parent int
	// Platform is the --platform flag as written.
	Platform string
	// Instructions of the stage, FROM excluded.
	Instructions []*Instruction
	// Env is the ENV in effect at the end of the stage, inherited ones included.
	Env map[string]string
	// Workdir is the WORKDIR in effect at the end of the stage.
	Workdir string
}

// Instruction is one instruction of a stage, with what the rules need.
type Instruction struct {
	// Kind is the instruction name in upper case: RUN, COPY, CMD, ...
	Kind string
	Line int
	// Original is the instruction as written (first line of a heredoc).
	Original string
	// Workdir is the absolute WORKDIR in effect when the instruction runs.
	Workdir string
	// Args is the command line of RUN, CMD and ENTRYPOINT: the exec-form
	// arguments, or a single string in shell form.
	Args []string
	// Shell is true for the shell form of RUN, CMD and ENTRYPOINT.
	Shell bool
	// Heredocs holds inline file contents (RUN <<EOF scripts).
	Heredocs []string
	// Flags are the instruction's flags as written, e.g. "--mount=type=cache,target=/x".
	Flags []string
	// Sources of COPY/ADD after variable expansion (heredoc sources excluded).
	Sources []string
	// Dest of COPY/ADD (after expansion, made absolute against Workdir) and
	// of WORKDIR; DestDir is true when it was written with a trailing slash.
	Dest    string
	DestDir bool
	// From is COPY --from after expansion.
	From string
	// Unresolved is true when a COPY/ADD/WORKDIR word kept a variable that
	// has no known value.
	Unresolved bool
	// Vars are the variables an ARG or ENV declares.
	Vars []Var
}

// Error is a Dockerfile that BuildKit cannot parse.
type Error struct {
	Line int
	Msg  string
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("line %d: %s", e.Line, e.Msg)
	}
	return e.Msg
}

// builtinArgs are the platform ARGs BuildKit defines without a declaration;
// RunPod builds linux/amd64.
var builtinArgs = map[string]string{
	"TARGETPLATFORM": "linux/amd64", "TARGETOS": "linux", "TARGETARCH": "amd64", "TARGETVARIANT": "",
	"BUILDPLATFORM": "linux/amd64", "BUILDOS": "linux", "BUILDARCH": "amd64", "BUILDVARIANT": "",
}

// Parse parses a Dockerfile. A file BuildKit rejects, or one without FROM,
// gives an *Error with the offending line.
func Parse(data []byte) (f *File, err error) {
	defer func() {
		// BuildKit's parser is third-party code fed with untrusted input: a
		// panic in it must become a finding, not a crash.
		if r := recover(); r != nil {
			f, err = nil, &Error{Msg: fmt.Sprintf("BuildKit's parser failed on this file: %v", r)}
		}
	}()
	res, err := parser.Parse(bytes.NewReader(data))
	if err != nil {
		return nil, toError(err)
	}
	f = &File{}
	if syntax, _, loc, ok := parser.DetectSyntax(data); ok {
		f.Syntax = syntax
		if len(loc) > 0 {
			f.SyntaxLine = loc[0].Start.Line
		}
		f.Features = append(f.Features, Feature{Name: "# syntax= directive", Line: f.SyntaxLine})
	}
	lint := linter.New(&linter.Config{Warn: func(rule, _, _, _ string, loc []parser.Range) {
		if rule == linter.RuleFromAsCasing.Name && len(loc) > 0 {
			f.FromAsCasing = append(f.FromAsCasing, loc[0].Start.Line)
		}
	}})
	b := &builder{f: f, lex: shell.NewLex(res.EscapeToken)}
	for _, node := range res.AST.Children {
		cmd, err := instructions.ParseInstructionWithLinter(node, lint)
		if err != nil {
			return nil, &Error{Line: node.StartLine, Msg: message(err)}
		}
		if err := b.add(node, cmd); err != nil {
			return nil, err
		}
	}
	if len(f.Stages) == 0 {
		return nil, &Error{Msg: "no FROM instruction"}
	}
	b.finishStage()
	return f, nil
}

func toError(err error) *Error {
	e := &Error{Msg: message(err)}
	var le *parser.LocationError
	if errors.As(err, &le) && len(le.Locations) > 0 && len(le.Locations[0]) > 0 {
		e.Line = le.Locations[0][0].Start.Line
	}
	return e
}

// message strips BuildKit's stack-carrying wrappers down to one line.
func message(err error) string {
	msg := err.Error()
	if i := strings.IndexByte(msg, '\n'); i >= 0 {
		msg = msg[:i]
	}
	return msg
}

// vars is a shell.EnvGetter over a map, with the keys in insertion order.
type vars struct {
	m    map[string]string
	keys []string
}

func newVars() *vars { return &vars{m: map[string]string{}} }

func (v *vars) Get(k string) (string, bool) { s, ok := v.m[k]; return s, ok }
func (v *vars) Keys() []string              { return v.keys }
func (v *vars) set(k, val string) {
	if _, ok := v.m[k]; !ok {
		v.keys = append(v.keys, k)
	}
	v.m[k] = val
}
func (v *vars) clone() *vars {
	c := newVars()
	for _, k := range v.keys {
		c.set(k, v.m[k])
	}
	return c
}

type builder struct {
	f    *File
	lex  *shell.Lex
	meta *vars // meta ARG defaults plus BuildKit's built-in platform ARGs
	// per-stage state
	stage   *Stage
	env     *vars // ARG and ENV values visible in the current stage
	envOnly *vars // ENV only: what a child stage inherits
	workdir string
}

// expand substitutes the variables it knows in word; ok is false when a
// variable without a known value remains.
func (b *builder) expand(word string, env *vars) (string, bool) {
	res, err := b.process(word, env)
	if err != nil {
		return word, false
	}
	return res.Result, len(res.Unmatched) == 0
}

// process runs BuildKit's lexer on valid UTF-8 only: on invalid bytes its
// text/scanner prints to stderr, which a library must never do.
func (b *builder) process(word string, env *vars) (shell.ProcessWordResult, error) {
	return b.lex.ProcessWordWithMatches(strings.ToValidUTF8(word, "\uFFFD"), env)
}

func (b *builder) metaVars() *vars {
	if b.meta == nil {
		b.meta = newVars()
		keys := make([]string, 0, len(builtinArgs))
		for k := range builtinArgs {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			b.meta.set(k, builtinArgs[k])
		}
	}
	return b.meta
}

func (b *builder) add(node *parser.Node, cmd any) error {
	b.features(node)
	switch c := cmd.(type) {
	case *instructions.Stage:
		b.startStage(node, c)
		return nil
	case *instructions.ArgCommand:
		if b.stage == nil {
			meta := b.metaVars()
			for _, kv := range c.Args {
				v := Var{Kind: "ARG", Name: kv.Key, Line: node.StartLine}
				if kv.Value != nil {
					v.Value, _ = b.expand(*kv.Value, meta)
					v.HasValue = true
					meta.set(kv.Key, v.Value)
				}
				b.f.MetaArgs = append(b.f.MetaArgs, v)
			}
			return nil
		}
	}
	if b.stage == nil {
		return &Error{Line: node.StartLine, Msg: fmt.Sprintf("%s before the first FROM", strings.ToUpper(node.Value))}
	}
	in := &Instruction{
		Kind:     strings.ToUpper(node.Value),
		Line:     node.StartLine,
		Original: strings.TrimSpace(node.Original),
		Workdir:  b.workdir,
		Flags:    node.Flags,
	}
	switch c := cmd.(type) {
	case *instructions.ArgCommand:
		for _, kv := range c.Args {
			v := Var{Kind: "ARG", Name: kv.Key, Line: node.StartLine}
			switch {
			case kv.Value != nil:
				v.Value, _ = b.expand(*kv.Value, b.env)
				v.HasValue = true
			default:
				if d, ok := b.metaVars().Get(kv.Key); ok {
					v.Value, v.HasValue = d, true
				}
			}
			if v.HasValue {
				b.env.set(kv.Key, v.Value)
			}
			in.Vars = append(in.Vars, v)
		}
	case *instructions.EnvCommand:
		for _, kv := range c.Env {
			val, _ := b.expand(kv.Value, b.env)
			b.env.set(kv.Key, val)
			b.envOnly.set(kv.Key, val)
			in.Vars = append(in.Vars, Var{Kind: "ENV", Name: kv.Key, Value: val, HasValue: true, Line: node.StartLine})
		}
	case *instructions.WorkdirCommand:
		p, ok := b.expand(c.Path, b.env)
		in.Unresolved = !ok
		b.workdir = joinImagePath(b.workdir, p)
		in.Dest = b.workdir
		in.Workdir = b.workdir
	case *instructions.RunCommand:
		in.Args, in.Shell = c.CmdLine, c.PrependShell
		for _, file := range c.Files {
			in.Heredocs = append(in.Heredocs, file.Data)
		}
	case *instructions.CmdCommand:
		in.Args, in.Shell = c.CmdLine, c.PrependShell
	case *instructions.EntrypointCommand:
		in.Args, in.Shell = c.CmdLine, c.PrependShell
	case *instructions.CopyCommand:
		b.copyLike(in, c.SourcePaths, c.DestPath)
		if c.From != "" {
			in.From, _ = b.expand(c.From, b.env)
		}
	case *instructions.AddCommand:
		b.copyLike(in, c.SourcePaths, c.DestPath)
	}
	b.stage.Instructions = append(b.stage.Instructions, in)
	return nil
}

func (b *builder) copyLike(in *Instruction, srcs []string, dest string) {
	for _, s := range srcs {
		e, ok := b.expand(s, b.env)
		if !ok {
			in.Unresolved = true
		}
		in.Sources = append(in.Sources, e)
	}
	d, ok := b.expand(dest, b.env)
	if !ok {
		in.Unresolved = true
	}
	in.DestDir = strings.HasSuffix(d, "/") || d == "." || strings.HasSuffix(d, "/.")
	in.Dest = joinImagePath(b.workdir, d)
}

func (b *builder) startStage(node *parser.Node, c *instructions.Stage) {
	b.finishStage()
	s := &Stage{
		Index:    len(b.f.Stages),
		Name:     c.Name,
		Line:     node.StartLine,
		RawBase:  c.BaseName,
		Parent:   -1,
		Platform: c.Platform,
	}
	meta := b.metaVars()
	res, err := b.process(c.BaseName, meta)
	switch {
	case err != nil:
		s.Base = c.BaseName
		s.Unresolved = []string{err.Error()}
	default:
		s.Base = res.Result
		for k := range res.Unmatched {
			s.Unresolved = append(s.Unresolved, k)
		}
		sort.Strings(s.Unresolved)
	}
	env, envOnly, workdir := newVars(), newVars(), "/"
	for _, prev := range b.f.Stages {
		if prev.Name != "" && strings.EqualFold(prev.Name, s.Base) {
			s.Parent = prev.Index
		}
	}
	if s.Parent >= 0 {
		parent := b.f.Stages[s.Parent]
		for k, v := range parent.Env {
			envOnly.set(k, v)
		}
		env = envOnly.clone()
		workdir = parent.Workdir
	}
	b.f.Stages = append(b.f.Stages, s)
	b.stage, b.env, b.envOnly, b.workdir = s, env, envOnly, workdir
}

// finishStage records the ENV and WORKDIR the current stage ends with.
func (b *builder) finishStage() {
	if b.stage == nil {
		return
	}
	b.stage.Workdir = b.workdir
	b.stage.Env = make(map[string]string, len(b.envOnly.keys))
	for _, k := range b.envOnly.keys {
		b.stage.Env[k] = b.envOnly.m[k]
	}
}

// features records BuildKit-only syntax on one instruction.
func (b *builder) features(node *parser.Node) {
	kind := strings.ToUpper(node.Value)
	if len(node.Heredocs) > 0 {
		b.f.Features = append(b.f.Features, Feature{Name: kind + " heredoc", Line: node.StartLine})
	}
	classic := map[string]bool{} // flags the legacy builder understands
	switch kind {
	case "RUN":
	case "COPY":
		classic = map[string]bool{"from": true, "chown": true}
	case "ADD":
		classic = map[string]bool{"chown": true}
	default:
		return
	}
	for _, fl := range node.Flags {
		name := strings.TrimLeft(fl, "-")
		name, _, _ = strings.Cut(name, "=")
		if !classic[name] {
			b.f.Features = append(b.f.Features, Feature{Name: kind + " --" + name, Line: node.StartLine})
		}
	}
}

// joinImagePath resolves p against the working directory wd the way
// Docker does for WORKDIR and COPY destinations.
func joinImagePath(wd, p string) string {
	if p == "" {
		return wd
	}
	if !strings.HasPrefix(p, "/") {
		p = wd + "/" + p
	}
	return path.Clean(p)
}

// IsRemoteSource reports whether a COPY/ADD source is fetched rather than
// read from the build context (a URL or a git address).
func IsRemoteSource(s string) bool {
	return strings.Contains(s, "://") || strings.HasPrefix(s, "git@")
}
