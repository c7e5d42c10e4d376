package logtext

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestClean(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   []byte
		want string
	}{
		{"empty", nil, ""},
		{"plain", []byte("hello\nworld\n"), "hello\nworld\n"},
		{"nul bytes removed", []byte("a\x00b\x00\x00c"), "abc"},
		{"only nul", []byte{0, 0, 0}, ""},
		{"invalid byte replaced", []byte("a\xffb"), "a\uFFFDb"},
		{"run of invalid bytes is one replacement", []byte("a\xff\xfe\xfdb"), "a\uFFFDb"},
		{"truncated sequence", []byte("caf\xc3"), "caf\uFFFD"},
		{"overlong encoding", []byte("\xc0\xafx"), "\uFFFDx"},
		{"surrogate half", []byte("\xed\xa0\x80!"), "\uFFFD!"},
		{"valid multibyte kept", []byte("日本語 ✓ 😀"), "日本語 ✓ 😀"},
		{"nul inside invalid run", []byte("a\xff\x00\xfeb"), "a\uFFFDb"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := Clean(tt.in); got != tt.want {
				t.Errorf("Clean(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestCap(t *testing.T) {
	t.Parallel()
	digits := strings.Repeat("0123456789", 100) // 1000 bytes
	tests := []struct {
		name  string
		in    string
		limit int
		want  string
	}{
		{"fits", "short", 100, "short"},
		{"exactly the limit", digits[:100], 100, digits[:100]},
		{
			// marker for at most 1000 bytes is 30 bytes: 70 left, 35 each side.
			name: "head and tail kept", in: digits, limit: 100,
			want: digits[:35] + "\n[... 930 bytes omitted ...]\n" + digits[965:],
		},
		{"tiny limit truncates without marker", digits, 10, digits[:10]},
		{"zero limit", digits, 0, ""},
		{"negative limit", "abc", -1, ""},
		{
			// 3-byte characters: the cuts fall back to character boundaries.
			name: "multibyte cut at boundaries", in: strings.Repeat("語", 100), limit: 100,
			want: strings.Repeat("語", 11) + "\n[... 231 bytes omitted ...]\n" + strings.Repeat("語", 12),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := Cap(tt.in, tt.limit)
			if got != tt.want {
				t.Errorf("Cap(%d bytes, %d) =\n%q\nwant\n%q", len(tt.in), tt.limit, got, tt.want)
			}
			if len(got) > max(tt.limit, 0) {
				t.Errorf("Cap returned %d bytes, over the limit %d", len(got), tt.limit)
			}
			if !utf8.ValidString(got) {
				t.Errorf("Cap returned invalid UTF-8: %q", got)
			}
		})
	}
}

func TestSafe(t *testing.T) {
	t.Parallel()
	in := append(bytes.Repeat([]byte("x\x00\xff"), 1000), "END"...)
	got := Safe(in, 200)
	if len(got) > 200 || strings.Contains(got, "\x00") || !utf8.ValidString(got) {
		t.Fatalf("Safe returned unsafe text (%d bytes): %q", len(got), got)
	}
	if !strings.HasPrefix(got, "x\uFFFDx") || !strings.HasSuffix(got, "x\uFFFDEND") {
		t.Errorf("Safe lost the head or the tail: %q", got)
	}
	if !strings.Contains(got, "bytes omitted") {
		t.Errorf("Safe dropped bytes without a marker: %q", got)
	}
}

var markerRE = regexp.MustCompile(`\n\[\.\.\. (\d+) bytes omitted \.\.\.\]\n`)

func TestBuffer(t *testing.T) {
	t.Parallel()
	digits := []byte(strings.Repeat("0123456789", 100))
	tests := []struct {
		name      string
		chunks    [][]byte
		limit     int
		want      string
		truncated bool
	}{
		{name: "empty", limit: 100, want: ""},
		{name: "small", chunks: [][]byte{[]byte("ab"), []byte("cd")}, limit: 100, want: "abcd"},
		{name: "exactly the limit", chunks: [][]byte{digits[:60], digits[60:100]}, limit: 100, want: string(digits[:100])},
		{
			// Head keeps 50, ring the last 50; 900 lost; the marker (30 bytes
			// at most) leaves 35 per side.
			name: "one big write", chunks: [][]byte{digits}, limit: 100, truncated: true,
			want: string(digits[:35]) + "\n[... 930 bytes omitted ...]\n" + string(digits[965:]),
		},
		{
			name: "many small writes wrap the ring", chunks: splitEvery(digits, 7), limit: 100, truncated: true,
			want: string(digits[:35]) + "\n[... 930 bytes omitted ...]\n" + string(digits[965:]),
		},
		{
			name: "nul and invalid bytes cleaned", chunks: [][]byte{[]byte("a\x00b\xffc")}, limit: 100,
			want: "ab\uFFFDc",
		},
		{
			// The head ends inside "é" (2 bytes) and the tail starts inside
			// one: neither half-character becomes U+FFFD.
			name: "characters cut at the edges are dropped", limit: 64, truncated: true,
			chunks: [][]byte{[]byte(strings.Repeat("a", 31) + strings.Repeat("é", 100) + "z")},
			want:   strings.Repeat("a", 17) + "\n[... 198 bytes omitted ...]\n" + strings.Repeat("é", 8) + "z",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := NewBuffer(tt.limit)
			var total int64
			for _, c := range tt.chunks {
				n, err := b.Write(c)
				if n != len(c) || err != nil {
					t.Fatalf("Write(%d bytes) = %d, %v", len(c), n, err)
				}
				total += int64(len(c))
			}
			if got := b.String(); got != tt.want {
				t.Errorf("String() =\n%q\nwant\n%q", got, tt.want)
			}
			if b.Len() != total {
				t.Errorf("Len() = %d, want %d", b.Len(), total)
			}
			if b.Truncated() != tt.truncated {
				t.Errorf("Truncated() = %v, want %v", b.Truncated(), tt.truncated)
			}
		})
	}
}

func TestBufferDefaultLimit(t *testing.T) {
	t.Parallel()
	b := NewBuffer(0)
	chunk := bytes.Repeat([]byte{'z'}, 64<<10)
	for range 64 { // 4 MiB
		_, _ = b.Write(chunk)
	}
	if got := len(b.String()); got > DefaultLimit || got < DefaultLimit-64 {
		t.Errorf("String() is %d bytes, want just under DefaultLimit %d", got, DefaultLimit)
	}
}

func splitEvery(p []byte, n int) [][]byte {
	var out [][]byte
	for len(p) > n {
		out = append(out, p[:n])
		p = p[n:]
	}
	return append(out, p)
}

// checkSafe fails when s is not storable text within limit.
func checkSafe(t *testing.T, s string, limit int) {
	t.Helper()
	if strings.IndexByte(s, 0) >= 0 {
		t.Fatalf("NUL byte in %q", s)
	}
	if !utf8.ValidString(s) {
		t.Fatalf("invalid UTF-8 in %q", s)
	}
	if len(s) > max(limit, 0) {
		t.Fatalf("%d bytes, over the limit %d", len(s), limit)
	}
}

func FuzzSafe(f *testing.F) {
	f.Add([]byte("hello\x00world\xff"), 100)
	f.Add(bytes.Repeat([]byte("é\x00"), 500), 64)
	f.Add([]byte(strings.Repeat("0123456789", 50)), 70)
	f.Fuzz(func(t *testing.T, data []byte, limit int) {
		limit %= 1 << 16
		got := Safe(data, limit)
		checkSafe(t, got, limit)
		if clean := Clean(data); len(clean) <= limit && got != clean {
			t.Fatalf("Safe changed text that fits: %q -> %q", clean, got)
		}
	})
}

func FuzzBuffer(f *testing.F) {
	f.Add([]byte("hello\x00world\xff"), uint16(100), uint8(3))
	f.Add([]byte(strings.Repeat("0123456789", 50)), uint16(70), uint8(1))
	f.Add(bytes.Repeat([]byte("語\xff"), 300), uint16(64), uint8(17))
	f.Fuzz(func(t *testing.T, data []byte, limit uint16, chunk uint8) {
		lim := int(limit)
		b := NewBuffer(lim)
		if lim <= 0 {
			lim = DefaultLimit
		}
		for _, c := range splitEvery(data, int(chunk)+1) {
			_, _ = b.Write(c)
		}
		got := b.String()
		checkSafe(t, got, lim)
		if len(data) <= lim {
			if want := Safe(data, lim); got != want {
				t.Fatalf("Buffer and Safe differ on %d bytes: %q vs %q", len(data), got, want)
			}
			return
		}
		// Text that needs no cleaning comes back as a prefix and a suffix of
		// the input around one marker.
		if lim < minMarkerLimit || Clean(data) != string(data) || bytes.Contains(data, []byte("omitted")) {
			return
		}
		m := markerRE.FindStringIndex(got)
		if m == nil {
			t.Fatalf("no marker in truncated text %q", got)
		}
		if !bytes.HasPrefix(data, []byte(got[:m[0]])) || !bytes.HasSuffix(data, []byte(got[m[1]:])) {
			t.Fatalf("head or tail not taken from the input: %q", got)
		}
	})
}
