// Package python reads Python source without running Python: a tokenizer
// that follows the language's own rules for strings, comments, brackets and
// indentation, and a light statement parser that finds what lint needs:
// functions (async, generator), imports, the runpod.serverless.start call and
// its handler, and environment variables required at import time.
package python

import (
	"fmt"
	"strings"
)

// TokenKind is a token's kind.
type TokenKind int

// Token kinds, as Python's own tokenizer names them.
const (
	Name TokenKind = iota + 1
	Number
	String
	Op
	Newline
	Indent
	Dedent
	EOF
)

// Token is one token with the line it starts on.
type Token struct {
	Kind TokenKind
	Text string
	Line int
}

// SyntaxError is source the tokenizer cannot read, with its line.
type SyntaxError struct {
	Line int
	Msg  string
}

func (e *SyntaxError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Msg) }

// Python's own limits; deeper input is rejected the way CPython rejects it.
const (
	maxIndent = 100
	maxParen  = 200
)

var ops3 = []string{"**=", "//=", ">>=", "<<=", "..."}
var ops2 = []string{"**", "//", "==", "!=", "<=", ">=", "->", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "@=", ":=", "<<", ">>"}

type lexer struct {
	src     string
	i       int
	line    int
	toks    []Token
	indents []int
	parens  int
	bol     bool // at the beginning of a logical line
}

// Tokenize splits src into tokens. Blank lines and comments produce no
// tokens; NEWLINE ends each logical line; INDENT and DEDENT bracket blocks.
func Tokenize(src []byte) ([]Token, error) {
	lx := &lexer{src: string(src), line: 1, indents: []int{0}, bol: true}
	if strings.HasPrefix(lx.src, "\ufeff") {
		lx.i = 3
	}
	for lx.i < len(lx.src) {
		if err := lx.next(); err != nil {
			return lx.toks, err
		}
	}
	if n := len(lx.toks); n > 0 && lx.toks[n-1].Kind != Newline && lx.toks[n-1].Kind != Dedent {
		lx.emit(Newline, "")
	}
	for len(lx.indents) > 1 {
		lx.indents = lx.indents[:len(lx.indents)-1]
		lx.emit(Dedent, "")
	}
	lx.emit(EOF, "")
	return lx.toks, nil
}

func (lx *lexer) emit(k TokenKind, text string) {
	lx.toks = append(lx.toks, Token{Kind: k, Text: text, Line: lx.line})
}

func (lx *lexer) next() error {
	if lx.bol && lx.parens == 0 {
		if done, err := lx.indentation(); done || err != nil {
			return err
		}
	}
	c := lx.src[lx.i]
	switch {
	case c == ' ' || c == '\t' || c == '\f' || c == '\r':
		lx.i++
	case c == '#':
		lx.skipComment()
	case c == '\\' && lx.i+1 < len(lx.src) && (lx.src[lx.i+1] == '\n' || lx.src[lx.i+1] == '\r'):
		lx.i++
		if lx.src[lx.i] == '\r' && lx.i+1 < len(lx.src) && lx.src[lx.i+1] == '\n' {
			lx.i++
		}
		lx.i++
		lx.line++
	case c == '\n':
		if lx.parens == 0 {
			lx.emit(Newline, "")
			lx.bol = true
		}
		lx.i++
		lx.line++
	case isNameStart(c):
		start := lx.i
		for lx.i < len(lx.src) && isNameChar(lx.src[lx.i]) {
			lx.i++
		}
		word := lx.src[start:lx.i]
		if lx.i < len(lx.src) && (lx.src[lx.i] == '\'' || lx.src[lx.i] == '"') && isStringPrefix(word) {
			return lx.str(start, strings.ContainsAny(word, "fFtT"))
		}
		lx.emit(Name, word)
	case c == '\'' || c == '"':
		return lx.str(lx.i, false)
	case isDigit(c) || (c == '.' && lx.i+1 < len(lx.src) && isDigit(lx.src[lx.i+1])):
		lx.number()
	default:
		return lx.op()
	}
	return nil
}

// indentation measures a new logical line's indent and emits INDENT or
// DEDENT; done is true when the line was blank or a comment.
func (lx *lexer) indentation() (done bool, err error) {
	col := 0
	for lx.i < len(lx.src) {
		switch lx.src[lx.i] {
		case ' ':
			col++
		case '\t':
			col = (col/8 + 1) * 8
		case '\f':
			col = 0
		default:
			goto measured
		}
		lx.i++
	}
measured:
	if lx.i >= len(lx.src) {
		return true, nil
	}
	switch lx.src[lx.i] {
	case '\n', '#', '\r':
		// A blank or comment-only line does not change the indentation.
		if lx.src[lx.i] == '#' {
			lx.skipComment()
		}
		if lx.i < len(lx.src) && lx.src[lx.i] == '\r' {
			lx.i++
		}
		if lx.i < len(lx.src) && lx.src[lx.i] == '\n' {
			lx.i++
			lx.line++
		}
		return true, nil
	}
	lx.bol = false
	top := lx.indents[len(lx.indents)-1]
	switch {
	case col > top:
		if len(lx.indents) > maxIndent {
			return true, &SyntaxError{Line: lx.line, Msg: "too many levels of indentation"}
		}
		lx.indents = append(lx.indents, col)
		lx.emit(Indent, "")
	case col < top:
		for len(lx.indents) > 1 && col < lx.indents[len(lx.indents)-1] {
			lx.indents = lx.indents[:len(lx.indents)-1]
			lx.emit(Dedent, "")
		}
		if col != lx.indents[len(lx.indents)-1] {
			return true, &SyntaxError{Line: lx.line, Msg: "unindent does not match any outer indentation level"}
		}
	}
	return false, nil
}

func (lx *lexer) skipComment() {
	end := strings.IndexByte(lx.src[lx.i:], '\n')
	if end < 0 {
		lx.i = len(lx.src)
		return
	}
	lx.i += end
}

// str reads a string literal whose prefix starts at start and whose quote
// is at lx.i; f-strings may hold nested strings inside their braces.
func (lx *lexer) str(start int, fstring bool) error {
	line := lx.line
	end, err := lx.scanString(lx.i, fstring, 0)
	if err != nil {
		return err
	}
	lx.toks = append(lx.toks, Token{Kind: String, Text: lx.src[start:end], Line: line})
	lx.i = end
	return nil
}

// scanString returns the index just past the string whose opening quote is
// at i, counting the lines it spans.
func (lx *lexer) scanString(i int, fstring bool, depth int) (int, error) {
	if depth > maxParen {
		return 0, &SyntaxError{Line: lx.line, Msg: "f-string nesting too deep"}
	}
	q := lx.src[i]
	triple := strings.HasPrefix(lx.src[i:], strings.Repeat(string(q), 3))
	delim := string(q)
	if triple {
		delim = strings.Repeat(string(q), 3)
	}
	startLine := lx.line
	j := i + len(delim)
	braces := 0
	for j < len(lx.src) {
		c := lx.src[j]
		switch {
		case c == '\\':
			if j+1 < len(lx.src) && lx.src[j+1] == '\n' {
				lx.line++
			}
			j += 2
			continue
		case c == '\n':
			if !triple && braces == 0 {
				return 0, &SyntaxError{Line: startLine, Msg: "unterminated string literal"}
			}
			lx.line++
		case fstring && c == '{':
			if braces == 0 && j+1 < len(lx.src) && lx.src[j+1] == '{' {
				j += 2
				continue
			}
			braces++
		case fstring && c == '}' && braces > 0:
			braces--
		case braces > 0 && (c == '\'' || c == '"'):
			// A string nested in an f-string replacement field.
			end, err := lx.scanString(j, false, depth+1)
			if err != nil {
				return 0, err
			}
			j = end
			continue
		case braces == 0 && strings.HasPrefix(lx.src[j:], delim):
			return j + len(delim), nil
		}
		j++
	}
	return 0, &SyntaxError{Line: startLine, Msg: "unterminated string literal"}
}

func (lx *lexer) number() {
	start := lx.i
	for lx.i < len(lx.src) {
		c := lx.src[lx.i]
		if isNameChar(c) || c == '.' {
			lx.i++
			continue
		}
		if (c == '+' || c == '-') && lx.i > start && (lx.src[lx.i-1] == 'e' || lx.src[lx.i-1] == 'E') &&
			!strings.HasPrefix(lx.src[start:], "0x") && !strings.HasPrefix(lx.src[start:], "0X") {
			lx.i++
			continue
		}
		break
	}
	lx.emit(Number, lx.src[start:lx.i])
}

func (lx *lexer) op() error {
	rest := lx.src[lx.i:]
	for _, group := range [][]string{ops3, ops2} {
		for _, o := range group {
			if strings.HasPrefix(rest, o) {
				lx.emit(Op, o)
				lx.i += len(o)
				return nil
			}
		}
	}
	c := lx.src[lx.i]
	switch c {
	case '(', '[', '{':
		lx.parens++
		if lx.parens > maxParen {
			return &SyntaxError{Line: lx.line, Msg: "too many nested parentheses"}
		}
	case ')', ']', '}':
		if lx.parens > 0 {
			lx.parens--
		}
	}
	lx.emit(Op, string(c))
	lx.i++
	return nil
}

func isDigit(c byte) bool     { return c >= '0' && c <= '9' }
func isNameStart(c byte) bool { return c == '_' || c >= 0x80 || (c|0x20 >= 'a' && c|0x20 <= 'z') }
func isNameChar(c byte) bool  { return isNameStart(c) || isDigit(c) }

// isStringPrefix reports whether word can prefix a string literal
// (r, b, u, f, t and their two-letter combinations, any case).
func isStringPrefix(word string) bool {
	if len(word) > 2 {
		return false
	}
	for i := 0; i < len(word); i++ {
		if !strings.ContainsRune("rRbBuUfFtT", rune(word[i])) {
			return false
		}
	}
	return true
}

// StringValue returns the text of a plain string literal token (no
// f-string, no implicit concatenation), with simple escapes resolved.
func StringValue(t Token) (string, bool) {
	if t.Kind != String {
		return "", false
	}
	s := t.Text
	prefix := strings.IndexAny(s, `'"`)
	if prefix < 0 || strings.ContainsAny(s[:prefix], "fFtTbB") {
		return "", false
	}
	raw := strings.ContainsAny(s[:prefix], "rR")
	s = s[prefix:]
	for _, d := range []string{`"""`, `'''`, `"`, `'`} {
		if len(s) >= 2*len(d) && strings.HasPrefix(s, d) && strings.HasSuffix(s, d) {
			s = s[len(d) : len(s)-len(d)]
			break
		}
	}
	if !raw && strings.ContainsRune(s, '\\') {
		s = strings.NewReplacer(`\\`, `\`, `\'`, `'`, `\"`, `"`, `\n`, "\n", `\t`, "\t").Replace(s)
	}
	return s, true
}
