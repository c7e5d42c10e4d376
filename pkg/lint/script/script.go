// Package script splits POSIX shell text (a RUN line, a start.sh) into
// simple commands with their words unquoted, which is all lint needs to see
// what a script installs, downloads or starts. It never runs anything and
// does not expand variables.
package script

import (
	"strings"
)

// Command is one simple command.
type Command struct {
	// Words are the command's words with quotes removed; $VAR and $(...)
	// are kept as written. Redirections and their targets are dropped.
	Words []string
	// Line is the 1-based line of the script the command starts on.
	Line int
	// Op is the operator after the command: "|", "||", "&&", ";", "&",
	// "\n", or "" at the end of the script.
	Op string
}

// Name returns the command's first word, "" for an empty command.
func (c Command) Name() string {
	if len(c.Words) == 0 {
		return ""
	}
	return c.Words[0]
}

// keywords that only introduce or close a compound command; the command
// proper starts after them.
var keywords = map[string]bool{
	"if": true, "then": true, "else": true, "elif": true, "fi": true, "do": true, "done": true,
	"while": true, "until": true, "{": true, "}": true, "!": true, "esac": true,
}

type splitter struct {
	src     string
	i       int
	line    int
	cmds    []Command
	words   []string
	cur     strings.Builder
	inWord  bool
	start   int
	heredoc []heredoc // pending heredocs, read after the next newline
	skip    bool      // the next word is a redirection target
}

type heredoc struct {
	delim string
	strip bool
}

// Split splits src into simple commands. Unbalanced quotes end at the end
// of the input; Split never fails.
func Split(src string) []Command {
	s := &splitter{src: src, line: 1, start: 1}
	for s.i < len(s.src) {
		s.step()
	}
	s.endCommand("")
	return s.cmds
}

func (s *splitter) step() {
	c := s.src[s.i]
	switch {
	case c == '\\' && s.i+1 < len(s.src) && s.src[s.i+1] == '\n':
		s.i += 2
		s.line++
	case c == '\\':
		s.inWord = true
		if s.i+1 < len(s.src) {
			s.cur.WriteByte(s.src[s.i+1])
			s.i++
		}
		s.i++
	case c == '\'':
		s.inWord = true
		lit := s.quoted('\'')
		s.cur.WriteString(lit)
	case c == '"':
		s.inWord = true
		s.doubleQuoted()
	case c == '$' && s.i+1 < len(s.src) && s.src[s.i+1] == '(':
		s.inWord = true
		s.balanced('(', ')', 1)
	case c == '`':
		s.inWord = true
		s.cur.WriteString("`" + s.quoted('`') + "`")
	case c == '#' && !s.inWord:
		end := strings.IndexByte(s.src[s.i:], '\n')
		if end < 0 {
			s.i = len(s.src)
			return
		}
		s.i += end
	case c == ' ' || c == '\t' || c == '\r':
		s.endWord()
		s.i++
	case c == '\n':
		s.endCommand("\n")
		s.i++
		s.line++
		s.start = s.line
		s.readHeredocs()
	case c == ';' || c == '&' || c == '|':
		s.operator()
	case c == '(' || c == ')':
		s.endWord()
		s.endCommand(";")
		s.i++
	case c == '>' || c == '<':
		s.redirect()
	default:
		s.inWord = true
		s.cur.WriteByte(c)
		s.i++
	}
}

func (s *splitter) doubleQuoted() {
	s.i++
	for s.i < len(s.src) {
		c := s.src[s.i]
		switch {
		case c == '"':
			s.i++
			return
		case c == '\\' && s.i+1 < len(s.src) && strings.IndexByte("\"\\$`\n", s.src[s.i+1]) >= 0:
			if s.src[s.i+1] == '\n' {
				s.line++
			} else {
				s.cur.WriteByte(s.src[s.i+1])
			}
			s.i += 2
		case c == '$' && s.i+1 < len(s.src) && s.src[s.i+1] == '(':
			s.balanced('(', ')', 1)
		default:
			if c == '\n' {
				s.line++
			}
			s.cur.WriteByte(c)
			s.i++
		}
	}
}

// balanced copies $( ... ) verbatim into the current word.
func (s *splitter) balanced(open, closing byte, skip int) {
	depth := 0
	j := s.i + skip
	for ; j < len(s.src); j++ {
		switch s.src[j] {
		case open:
			depth++
		case closing:
			depth--
		case '\n':
			s.line++
		}
		if depth == 0 {
			j++
			break
		}
	}
	s.cur.WriteString(s.src[s.i:min(j, len(s.src))])
	s.i = j
}

func (s *splitter) operator() {
	s.endWord()
	c := s.src[s.i]
	op := string(c)
	if s.i+1 < len(s.src) && s.src[s.i+1] == c {
		op += string(c)
	}
	if c == '&' && s.i+1 < len(s.src) && s.src[s.i+1] == '>' {
		s.redirect()
		return
	}
	if op == ";;" {
		op = ";"
		s.i++
	}
	s.i += len(op)
	s.endCommand(op)
}

// redirect drops a redirection operator (>, >>, <, 2>&1, &>, <<EOF) and
// marks its target to be dropped too.
func (s *splitter) redirect() {
	// A file descriptor number just before the operator belongs to it.
	if w := s.cur.String(); s.inWord && isDigits(w) {
		s.cur.Reset()
		s.inWord = false
	}
	s.endWord()
	j := s.i
	for j < len(s.src) && strings.IndexByte("<>&|-", s.src[j]) >= 0 && j-s.i < 3 {
		j++
	}
	op := s.src[s.i:j]
	s.i = j
	if strings.HasPrefix(op, "<<") && !strings.HasPrefix(op, "<<<") {
		s.readHeredocDelim(strings.HasSuffix(op, "-"))
		return
	}
	// >&2 and 2>&1 carry their target inside the operator.
	if strings.HasSuffix(op, "&") && s.i < len(s.src) && (isDigit(s.src[s.i]) || s.src[s.i] == '-') {
		for s.i < len(s.src) && (isDigit(s.src[s.i]) || s.src[s.i] == '-') {
			s.i++
		}
		return
	}
	s.skip = true
}

func (s *splitter) readHeredocDelim(strip bool) {
	for s.i < len(s.src) && (s.src[s.i] == ' ' || s.src[s.i] == '\t') {
		s.i++
	}
	j := s.i
	for j < len(s.src) && strings.IndexByte(" \t\n;&|<>()", s.src[j]) < 0 {
		j++
	}
	delim := strings.NewReplacer(`"`, "", `'`, "", `\`, "").Replace(s.src[s.i:j])
	s.i = j
	if delim != "" {
		s.heredoc = append(s.heredoc, heredoc{delim: delim, strip: strip})
	}
}

// readHeredocs skips the bodies of heredocs opened on the line just ended.
func (s *splitter) readHeredocs() {
	for _, h := range s.heredoc {
		for s.i < len(s.src) {
			end := strings.IndexByte(s.src[s.i:], '\n')
			lineEnd := len(s.src)
			if end >= 0 {
				lineEnd = s.i + end
			}
			text := s.src[s.i:lineEnd]
			if h.strip {
				text = strings.TrimLeft(text, "\t")
			}
			s.i = min(lineEnd+1, len(s.src))
			s.line++
			s.start = s.line
			if text == h.delim {
				break
			}
		}
	}
	s.heredoc = nil
}

func (s *splitter) endWord() {
	if !s.inWord {
		return
	}
	w := s.cur.String()
	s.cur.Reset()
	s.inWord = false
	if s.skip {
		s.skip = false
		return
	}
	if len(s.words) == 0 && keywords[w] {
		return
	}
	s.words = append(s.words, w)
}

func (s *splitter) endCommand(op string) {
	s.endWord()
	s.skip = false
	if len(s.words) == 0 {
		// An operator after nothing still ends the previous command.
		if n := len(s.cmds); n > 0 && op != "\n" && op != "" && s.cmds[n-1].Op == "\n" {
			s.cmds[n-1].Op = op
		}
		s.start = s.line
		return
	}
	s.cmds = append(s.cmds, Command{Words: s.words, Line: s.start, Op: op})
	s.words = nil
	s.start = s.line
}

// quoted consumes the text from the quote at s.i to the matching one (or
// the end of the input) and returns what is between them.
func (s *splitter) quoted(q byte) string {
	lit, _, closed := strings.Cut(s.src[s.i+1:], string(q))
	s.i += 1 + len(lit)
	if closed {
		s.i++
	}
	s.line += strings.Count(lit, "\n")
	return lit
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isDigits(w string) bool {
	if w == "" {
		return false
	}
	for i := 0; i < len(w); i++ {
		if !isDigit(w[i]) {
			return false
		}
	}
	return true
}
