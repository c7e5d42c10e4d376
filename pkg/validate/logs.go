package validate

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"unicode/utf8"
)

// DefaultLogLimit is the default cap, in bytes, of each log kept in a record.
const DefaultLogLimit = 256 << 10

// cleanText makes s safe for PostgreSQL text and JSONB: NUL bytes are
// dropped and invalid UTF-8 is replaced by U+FFFD.
func cleanText(s string) string {
	if utf8.ValidString(s) && !strings.ContainsRune(s, 0) {
		return s
	}
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.ReplaceAll(s, "\x00", "")
}

// capLog cleans s and, when it is longer than limit bytes, keeps its head
// and tail (a quarter and three quarters of the limit) around a marker
// that says how much was left out. truncated reports whether anything was.
func capLog(s string, limit int) (out string, truncated bool) {
	s = cleanText(s)
	if limit <= 0 || len(s) <= limit {
		return s, false
	}
	head := limit / 4
	tail := limit - head
	for head > 0 && !utf8.RuneStart(s[head]) {
		head--
	}
	start := len(s) - tail
	for start < len(s) && !utf8.RuneStart(s[start]) {
		start++
	}
	marker := fmt.Sprintf("\n[... %d bytes left out by janitor ...]\n", start-head)
	return s[:head] + marker + s[start:], true
}

// tailLines returns the last n non-empty lines of s.
func tailLines(s string, n int) []string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	out := make([]string, 0, n)
	for i := len(lines) - 1; i >= 0 && len(out) < n; i-- {
		if l := strings.TrimSpace(lines[i]); l != "" {
			out = append(out, l)
		}
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out
}

// clip shortens one line of evidence for a message.
func clip(s string, n int) string {
	s = strings.TrimSpace(cleanText(s))
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "..."
}

// lineWriter turns written bytes into lines for emit. Lines are cleaned and
// cut at maxLine bytes so that a build printing without newlines cannot
// grow it. It is safe for concurrent use.
type lineWriter struct {
	mu   sync.Mutex
	buf  []byte
	emit func(line string)
}

const maxLine = 4 << 10

// Write emits every complete line in p and keeps the rest.
func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = append(w.buf, p...)
	for {
		i := bytes.IndexByte(w.buf, '\n')
		if i < 0 {
			if len(w.buf) > maxLine {
				w.emitLine(w.buf[:maxLine])
				w.buf = append(w.buf[:0], w.buf[maxLine:]...)
				continue
			}
			return len(p), nil
		}
		w.emitLine(w.buf[:i])
		w.buf = append(w.buf[:0], w.buf[i+1:]...)
	}
}

// Flush emits what is left after the last newline.
func (w *lineWriter) Flush() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.buf) > 0 {
		w.emitLine(w.buf)
		w.buf = w.buf[:0]
	}
}

func (w *lineWriter) emitLine(b []byte) {
	line := strings.TrimRight(cleanText(string(b)), "\r")
	if len(line) > maxLine {
		line = clip(line, maxLine)
	}
	w.emit(line)
}
