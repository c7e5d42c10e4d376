// Package logtext makes captured program output safe to store as PostgreSQL
// text and JSONB: it removes NUL bytes (which neither type accepts), replaces
// invalid UTF-8 with U+FFFD, and caps the size, keeping the head and the tail
// around a marker that says how much was left out.
//
// Clean, Cap and Safe work on text already in memory. Buffer is an io.Writer
// for output of unknown size: it holds at most its limit, however much is
// written, so a container that prints gigabytes costs a bounded amount of
// memory.
package logtext

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// DefaultLimit is a size cap, in bytes, that suits one captured log: enough
// for a build's failing step or a Python traceback with context, small enough
// to keep thousands of rows cheap.
const DefaultLimit = 256 << 10

// minMarkerLimit is the smallest limit at which a capped text still carries
// the omission marker; below it Cap only truncates.
const minMarkerLimit = 64

// Clean returns b as valid UTF-8 without NUL bytes: NUL bytes are removed and
// each run of invalid UTF-8 bytes becomes one U+FFFD.
func Clean(b []byte) string {
	s := string(b)
	if strings.IndexByte(s, 0) >= 0 {
		s = strings.ReplaceAll(s, "\x00", "")
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

// Cap returns s unchanged when it fits in limit bytes. Otherwise it keeps the
// first and the last part of s, about half the limit each, cut at UTF-8
// character boundaries, joined by a line "[... N bytes omitted ...]"; the
// result is at most limit bytes. Limits below 64 bytes only truncate, without
// a marker. s should be valid UTF-8 (see Clean).
func Cap(s string, limit int) string {
	if len(s) <= max(limit, 0) {
		return s
	}
	mid := runeFloor(s, len(s)/2)
	return join(s[:mid], s[mid:], 0, limit)
}

// Safe is Cap(Clean(b), limit): text ready for a PostgreSQL text column.
func Safe(b []byte, limit int) string {
	return Cap(Clean(b), limit)
}

// marker is the line that stands for omitted bytes.
func marker(omitted int64) string {
	return "\n[... " + strconv.FormatInt(omitted, 10) + " bytes omitted ...]\n"
}

// join returns head, a marker and tail within limit bytes: head is shortened
// from its end and tail from its start, at character boundaries, and what
// they lose is added to omitted, the count of bytes already missing between
// them. With nothing omitted and everything fitting, it is head+tail.
func join(head, tail string, omitted int64, limit int) string {
	limit = max(limit, 0)
	if omitted == 0 && len(head)+len(tail) <= limit {
		return head + tail
	}
	// The marker's length depends on its count, which is at most this.
	markerMax := len(marker(omitted + int64(len(head)) + int64(len(tail))))
	if limit < minMarkerLimit || limit < markerMax {
		return head[:runeFloor(head, min(limit, len(head)))]
	}
	budget := limit - markerMax
	hb, tb := budget/2, budget-budget/2
	if len(head) < hb {
		tb += hb - len(head)
		hb = len(head)
	}
	if len(tail) < tb {
		hb = min(len(head), hb+tb-len(tail))
		tb = len(tail)
	}
	h := head[:runeFloor(head, hb)]
	t := tail[runeCeil(tail, len(tail)-tb):]
	omitted += int64(len(head)-len(h)) + int64(len(tail)-len(t))
	return h + marker(omitted) + t
}

// runeFloor returns the largest index <= i at which a character of s starts
// (or len(s)).
func runeFloor(s string, i int) int {
	if i >= len(s) {
		return len(s)
	}
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return i
}

// runeCeil returns the smallest index >= i at which a character of s starts
// (or len(s)).
func runeCeil(s string, i int) int {
	i = max(i, 0)
	for i < len(s) && !utf8.RuneStart(s[i]) {
		i++
	}
	return i
}
