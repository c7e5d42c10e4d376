package python

import "strings"

// Module is what lint knows about one Python source file.
type Module struct {
	// Functions are every def in the file, nested ones and methods included.
	Functions []Function
	// Imports in file order.
	Imports []Import
	// StartCalls are the calls to runpod.serverless.start.
	StartCalls []StartCall
	// RequiredEnv are environment variables read with os.environ["NAME"]
	// while the module is imported (outside any function), so the process
	// fails at start-up when they are unset.
	RequiredEnv []EnvRef

	aliases map[string]string  // bound name -> dotted path it refers to
	assigns map[string][]Token // module-level NAME = <tokens>
}

// Function is a def.
type Function struct {
	Name      string
	Line      int
	Async     bool
	Generator bool
	// TopLevel is true for a def at module level (not in a class or a def).
	TopLevel bool
}

// Kind is what a handler function is, as the SDK sees it.
type Kind string

// Handler kinds. Generators are not run by the SDK's local test mode.
const (
	Plain          Kind = "plain"
	Async          Kind = "async"
	Generator      Kind = "generator"
	AsyncGenerator Kind = "async_generator"
	Unknown        Kind = "unknown"
)

// Kind classifies the function.
func (f Function) Kind() Kind {
	switch {
	case f.Async && f.Generator:
		return AsyncGenerator
	case f.Async:
		return Async
	case f.Generator:
		return Generator
	}
	return Plain
}

// Import is one imported module.
type Import struct {
	// Module is the dotted module name; relative imports keep their dots
	// (".handler", ".." for "from .. import x").
	Module string
	// Names are what "from Module import ..." imports ("*" for a star).
	Names []string
	Line  int
}

// StartCall is a call to runpod.serverless.start.
type StartCall struct {
	Line int
	// Handler is the expression given as "handler": a (dotted) name,
	// "lambda", or "" when it is something lint cannot follow.
	Handler string
	// ReturnAggregateStream is true when the config sets it to True.
	ReturnAggregateStream bool
	// InFunction names the def the call sits in, "" at module level.
	InFunction string
}

// EnvRef is a use of an environment variable.
type EnvRef struct {
	Name string
	Line int
}

// stmt is a logical line and, for a compound statement, its body.
type stmt struct {
	toks     []Token // the line (for a compound statement: up to its colon)
	compound bool
	inline   []Token // a compound statement's body on the same line
	body     []*stmt
}

// keyword returns the statement's first keyword, skipping "async".
func (st *stmt) keyword() (string, []Token) {
	head := st.toks
	if len(head) > 1 && head[0].Text == "async" {
		head = head[1:]
	}
	if len(head) == 0 || head[0].Kind != Name {
		return "", head
	}
	return head[0].Text, head
}

// Parse tokenizes and reads src.
func Parse(src []byte) (*Module, error) {
	toks, err := Tokenize(src)
	if err != nil {
		return nil, err
	}
	p := &stmtParser{toks: toks}
	tree := p.block()
	m := &Module{aliases: map[string]string{}, assigns: map[string][]Token{}}
	var calls []rawCall
	m.walk(tree, scope{module: true, top: true}, &calls)
	for _, c := range calls {
		if m.resolve(c.name) == "runpod.serverless.start" {
			sc := StartCall{Line: c.line, InFunction: c.fn}
			m.readConfig(c.args, &sc, 0)
			m.StartCalls = append(m.StartCalls, sc)
		}
	}
	return m, nil
}

type stmtParser struct {
	toks []Token
	i    int
}

func (p *stmtParser) peek() Token { return p.toks[p.i] }

// block reads statements up to the DEDENT that closes the block (consumed)
// or EOF.
func (p *stmtParser) block() []*stmt {
	var out []*stmt
	for {
		switch p.peek().Kind {
		case EOF:
			return out
		case Dedent:
			p.i++
			return out
		case Indent:
			// An indented block nobody opened: read it as plain statements.
			p.i++
			out = append(out, p.block()...)
			continue
		}
		start := p.i
		for p.peek().Kind != Newline && p.peek().Kind != EOF {
			p.i++
		}
		line := p.toks[start:p.i]
		if p.peek().Kind == Newline {
			p.i++
		}
		st := &stmt{toks: line}
		if colon := headerColon(line); colon >= 0 {
			st.toks, st.inline, st.compound = line[:colon+1], line[colon+1:], true
			if len(st.inline) == 0 && p.peek().Kind == Indent {
				p.i++
				st.body = p.block()
			}
		}
		out = append(out, st)
	}
}

var compoundKeywords = map[string]bool{
	"def": true, "async": true, "class": true, "if": true, "elif": true, "else": true, "for": true,
	"while": true, "try": true, "except": true, "finally": true, "with": true, "match": true, "case": true,
}

// headerColon returns the index of the colon ending a compound statement's
// header, or -1 for a simple statement.
func headerColon(line []Token) int {
	if len(line) == 0 || line[0].Kind != Name || !compoundKeywords[line[0].Text] {
		return -1
	}
	depth := 0
	for i, t := range line {
		depth += bracket(t)
		switch {
		case depth != 0 || t.Kind != Op:
		case t.Text == ":":
			return i
		case t.Text == "=" && (line[0].Text == "match" || line[0].Text == "case"):
			return -1 // "match = 3" is an assignment
		}
	}
	return -1
}

type scope struct {
	module bool   // code that runs when the module is imported
	fn     string // enclosing def
	top    bool   // directly at module level (not in a class or def)
}

type rawCall struct {
	name string
	args []Token
	line int
	fn   string
}

func (m *Module) walk(stmts []*stmt, sc scope, calls *[]rawCall) {
	for _, st := range stmts {
		kw, head := st.keyword()
		switch {
		case st.compound && kw == "def" && len(head) > 1:
			fn := Function{
				Name:      head[1].Text,
				Line:      head[0].Line,
				Async:     st.toks[0].Text == "async",
				Generator: hasYield(st.inline) || bodyYields(st.body),
				TopLevel:  sc.top,
			}
			m.Functions = append(m.Functions, fn)
			inner := scope{fn: fn.Name}
			m.simple(st.inline, inner, calls)
			m.walk(st.body, inner, calls)
		case st.compound && kw == "class":
			inner := scope{module: sc.module, fn: sc.fn}
			m.simple(st.inline, inner, calls)
			m.walk(st.body, inner, calls)
		case st.compound:
			m.scan(st.toks, sc, calls)
			m.simple(st.inline, sc, calls)
			m.walk(st.body, sc, calls)
		default:
			m.simple(st.toks, sc, calls)
		}
	}
}

// simple reads one or more simple statements separated by ';'.
func (m *Module) simple(toks []Token, sc scope, calls *[]rawCall) {
	for len(toks) > 0 {
		end := 0
		for end < len(toks) && !(toks[end].Kind == Op && toks[end].Text == ";") {
			end++
		}
		one := toks[:end]
		switch {
		case len(one) > 0 && one[0].Text == "import":
			m.importStmt(one)
		case len(one) > 1 && one[0].Text == "from":
			m.fromStmt(one)
		default:
			if sc.module && sc.fn == "" && len(one) > 2 && one[0].Kind == Name && one[1].Kind == Op && one[1].Text == "=" {
				m.assigns[one[0].Text] = one[2:]
			}
			m.scan(one, sc, calls)
		}
		if end < len(toks) {
			end++
		}
		toks = toks[end:]
	}
}

// scan finds calls and environment reads in an expression.
func (m *Module) scan(toks []Token, sc scope, calls *[]rawCall) {
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		if t.Kind != Name || (i > 0 && toks[i-1].Kind == Op && toks[i-1].Text == ".") {
			continue
		}
		name, j := dotted(toks, i)
		if j < len(toks) && toks[j].Kind == Op && toks[j].Text == "(" {
			end := matching(toks, j)
			*calls = append(*calls, rawCall{name: name, args: toks[j+1 : end], line: t.Line, fn: sc.fn})
		}
		if sc.module && sc.fn == "" && (name == "environ" || strings.HasSuffix(name, ".environ")) &&
			j+2 < len(toks) && toks[j].Text == "[" && toks[j+2].Text == "]" &&
			(j+3 >= len(toks) || toks[j+3].Text != "=") {
			if v, ok := StringValue(toks[j+1]); ok {
				m.RequiredEnv = append(m.RequiredEnv, EnvRef{Name: v, Line: t.Line})
			}
		}
		i = j - 1
	}
}

// dotted reads NAME(.NAME)* from i; j is the index after it.
func dotted(toks []Token, i int) (string, int) {
	var b strings.Builder
	b.WriteString(toks[i].Text)
	j := i + 1
	for j+1 < len(toks) && toks[j].Kind == Op && toks[j].Text == "." && toks[j+1].Kind == Name {
		b.WriteString("." + toks[j+1].Text)
		j += 2
	}
	return b.String(), j
}

// matching returns the index of the bracket closing the one at open (or
// len(toks) when it is never closed).
func matching(toks []Token, open int) int {
	depth := 0
	for i := open; i < len(toks); i++ {
		if d := bracket(toks[i]); d != 0 {
			if depth += d; depth == 0 {
				return i
			}
		}
	}
	return len(toks)
}

func (m *Module) importStmt(toks []Token) {
	for _, part := range splitTop(toks[1:], ",") {
		if len(part) == 0 || part[0].Kind != Name {
			continue
		}
		name, j := dotted(part, 0)
		m.Imports = append(m.Imports, Import{Module: name, Line: toks[0].Line})
		if j+1 < len(part) && part[j].Text == "as" {
			m.aliases[part[j+1].Text] = name
		} else {
			first, _, _ := strings.Cut(name, ".")
			m.aliases[first] = first
		}
	}
}

func (m *Module) fromStmt(toks []Token) {
	i := 1
	var mod strings.Builder
	for i < len(toks) && toks[i].Kind == Op && (toks[i].Text == "." || toks[i].Text == "...") {
		mod.WriteString(toks[i].Text)
		i++
	}
	if i < len(toks) && toks[i].Kind == Name && toks[i].Text != "import" {
		name, j := dotted(toks, i)
		mod.WriteString(name)
		i = j
	}
	if i >= len(toks) || toks[i].Text != "import" {
		return
	}
	imp := Import{Module: mod.String(), Line: toks[0].Line}
	rest := toks[i+1:]
	if len(rest) > 0 && rest[0].Text == "(" {
		rest = rest[1:matching(toks[i+1:], 0)]
	}
	for _, part := range splitTop(rest, ",") {
		if len(part) == 0 || (part[0].Kind != Name && part[0].Text != "*") {
			continue
		}
		imp.Names = append(imp.Names, part[0].Text)
		bound := part[0].Text
		if len(part) > 2 && part[1].Text == "as" {
			bound = part[2].Text
		}
		target := imp.Module + "." + part[0].Text
		if strings.HasSuffix(imp.Module, ".") {
			target = imp.Module + part[0].Text
		}
		m.aliases[bound] = target
	}
	m.Imports = append(m.Imports, imp)
}

// splitTop splits toks on sep at bracket depth 0.
func splitTop(toks []Token, sep string) [][]Token {
	var out [][]Token
	depth, start := 0, 0
	for i, t := range toks {
		depth += bracket(t)
		if depth == 0 && t.Kind == Op && t.Text == sep {
			out = append(out, toks[start:i])
			start = i + 1
		}
	}
	return append(out, toks[start:])
}

// bracket is +1 for an opening bracket token, -1 for a closing one, else 0.
func bracket(t Token) int {
	if t.Kind != Op {
		return 0
	}
	switch t.Text {
	case "(", "[", "{":
		return 1
	case ")", "]", "}":
		return -1
	}
	return 0
}

// resolve expands the first element of a dotted name through the imports.
func (m *Module) resolve(name string) string {
	first, rest, hasRest := strings.Cut(name, ".")
	full, ok := m.aliases[first]
	if !ok {
		return name
	}
	if hasRest {
		return full + "." + rest
	}
	return full
}

// readConfig reads the handler from the arguments of serverless.start:
// a dict literal, dict(...), or a module-level name bound to one.
func (m *Module) readConfig(args []Token, sc *StartCall, depth int) {
	if depth > 4 {
		return
	}
	parts := splitTop(args, ",")
	for _, part := range parts {
		if len(part) > 2 && part[0].Kind == Name && part[1].Text == "=" {
			if part[0].Text != "config" {
				continue
			}
			part = part[2:]
		}
		switch {
		case len(part) == 0:
		case part[0].Text == "{":
			m.readDict(part[1:matching(part, 0)], sc)
		case part[0].Kind == Name && part[0].Text == "dict" && len(part) > 1 && part[1].Text == "(":
			for _, kv := range splitTop(part[2:matching(part, 1)], ",") {
				if len(kv) > 2 && kv[1].Text == "=" {
					m.setKey(kv[0].Text, kv[2:], sc)
				}
			}
		case part[0].Kind == Name && len(part) == 1:
			if rhs, ok := m.assigns[part[0].Text]; ok {
				m.readConfig(rhs, sc, depth+1)
			}
		}
		return // only the first positional argument is the config
	}
}

func (m *Module) readDict(body []Token, sc *StartCall) {
	for _, kv := range splitTop(body, ",") {
		colon := -1
		for i, t := range kv {
			if t.Kind == Op && t.Text == ":" {
				colon = i
				break
			}
		}
		if colon != 1 {
			continue
		}
		if key, ok := StringValue(kv[0]); ok {
			m.setKey(key, kv[2:], sc)
		}
	}
}

func (m *Module) setKey(key string, value []Token, sc *StartCall) {
	switch key {
	case "handler":
		switch {
		case len(value) > 0 && value[0].Text == "lambda":
			sc.Handler = "lambda"
		case len(value) > 0 && value[0].Kind == Name:
			if name, j := dotted(value, 0); j == len(value) {
				sc.Handler = name
			}
		}
	case "return_aggregate_stream":
		sc.ReturnAggregateStream = len(value) == 1 && value[0].Text == "True"
	}
}

// Lookup finds what a handler name refers to: a def in this module (fn),
// or a dotted path into another module through the imports (target, e.g.
// "src.handler.run" or ".worker.handler").
func (m *Module) Lookup(name string) (fn *Function, target string) {
	if !strings.Contains(name, ".") {
		var found *Function
		for i := range m.Functions {
			f := &m.Functions[i]
			if f.Name == name && (found == nil || f.TopLevel || !found.TopLevel) {
				found = f
			}
		}
		if found != nil {
			return found, ""
		}
	}
	if full := m.resolve(name); full != name || strings.Contains(name, ".") {
		return nil, full
	}
	return nil, ""
}

// hasYield reports a yield among toks.
func hasYield(toks []Token) bool {
	for _, t := range toks {
		if t.Kind == Name && t.Text == "yield" {
			return true
		}
	}
	return false
}

// bodyYields reports whether a function body yields, not counting nested
// functions and classes, which have bodies of their own.
func bodyYields(body []*stmt) bool {
	for _, st := range body {
		if kw, _ := st.keyword(); st.compound && (kw == "def" || kw == "class") {
			continue
		}
		if hasYield(st.toks) || hasYield(st.inline) || bodyYields(st.body) {
			return true
		}
	}
	return false
}
