package logtext

import (
	"sync"
	"unicode/utf8"
)

// Buffer is an io.Writer that captures output of any size in bounded memory:
// it keeps the first half of its limit and the last half (a ring), and counts
// what falls between. String returns the captured text cleaned and capped to
// the limit. The zero value is not usable; use NewBuffer. A Buffer is safe for
// concurrent use.
type Buffer struct {
	mu    sync.Mutex
	limit int
	head  []byte // the first bytes written, up to cap(head)
	ring  []byte // the last bytes written once head is full, circular
	next  int    // where the next byte goes in ring once it is full
	total int64  // bytes written in all
}

// NewBuffer returns a Buffer whose String is at most limit bytes; limit <= 0
// means DefaultLimit.
func NewBuffer(limit int) *Buffer {
	if limit <= 0 {
		limit = DefaultLimit
	}
	headCap := limit / 2
	return &Buffer{
		limit: limit,
		head:  make([]byte, 0, headCap),
		ring:  make([]byte, 0, limit-headCap),
	}
}

// Write records p. It never fails and always reports len(p).
func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := len(p)
	b.total += int64(n)
	if room := cap(b.head) - len(b.head); room > 0 {
		k := min(room, len(p))
		b.head = append(b.head, p[:k]...)
		p = p[k:]
	}
	if len(p) == 0 {
		return n, nil
	}
	rc := cap(b.ring)
	if len(p) >= rc {
		// p alone fills the ring: keep its end, in order.
		b.ring = append(b.ring[:0], p[len(p)-rc:]...)
		b.next = 0
		return n, nil
	}
	if room := rc - len(b.ring); room > 0 {
		k := min(room, len(p))
		b.ring = append(b.ring, p[:k]...)
		p = p[k:]
	}
	for len(p) > 0 {
		k := copy(b.ring[b.next:], p)
		p = p[k:]
		b.next = (b.next + k) % rc
	}
	return n, nil
}

// Len returns how many bytes were written in all, kept or not.
func (b *Buffer) Len() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.total
}

// Truncated reports whether some written bytes were not kept.
func (b *Buffer) Truncated() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.total > int64(len(b.head)+len(b.ring))
}

// String returns the captured text: valid UTF-8, no NUL bytes, at most the
// limit in bytes, with a marker where bytes were left out.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	tail := make([]byte, 0, len(b.ring))
	tail = append(tail, b.ring[b.next:]...)
	tail = append(tail, b.ring[:b.next]...)
	omitted := b.total - int64(len(b.head)+len(tail))
	if omitted == 0 {
		return Cap(Clean(append(append([]byte(nil), b.head...), tail...)), b.limit)
	}
	// Bytes were lost between head and tail: do not let a character cut in
	// two at either edge turn into a replacement character.
	head := b.head
	if cut := partialRuneSuffix(head); cut > 0 {
		head = head[:len(head)-cut]
		omitted += int64(cut)
	}
	skip := 0
	for skip < len(tail) && skip < utf8.UTFMax-1 && !utf8.RuneStart(tail[skip]) {
		skip++
	}
	omitted += int64(skip)
	return join(Clean(head), Clean(tail[skip:]), omitted, b.limit)
}

// partialRuneSuffix returns how many bytes at the end of p begin a UTF-8
// character that p does not complete.
func partialRuneSuffix(p []byte) int {
	for i := 1; i < utf8.UTFMax && i <= len(p); i++ {
		c := p[len(p)-i]
		if !utf8.RuneStart(c) {
			continue
		}
		if c >= utf8.RuneSelf && !utf8.FullRune(p[len(p)-i:]) {
			return i
		}
		return 0
	}
	return 0
}
