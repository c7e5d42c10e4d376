package validate

import (
	"bytes"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)

func progressEvents() []Event {
	return []Event{
		{Time: t0, Repo: "acme/a", Kind: EventStep, Step: StepCheckout},
		{Time: t0, Repo: "acme/b", Kind: EventStep, Step: StepCheckout},
		{Time: t0.Add(time.Second), Repo: "acme/a", Kind: EventStep, Step: StepBuild, Elapsed: time.Second},
		{Time: t0.Add(time.Second), Repo: "acme/a", Kind: EventOutput, Step: StepBuild, Elapsed: time.Second, Line: "#5 [2/3] RUN pip install\x1b[2J"},
		{Time: t0.Add(2 * time.Second), Repo: "acme/b", Kind: EventDone, Status: StatusFailed, Elapsed: 2 * time.Second, Message: "checkout: not found\nsecond line"},
		{Time: t0.Add(3 * time.Second), Repo: "acme/a", Kind: EventStep, Step: StepRun, Elapsed: 3 * time.Second},
	}
}

func TestPlainRenderer(t *testing.T) {
	t.Parallel()
	for _, verbose := range []bool{false, true} {
		var buf bytes.Buffer
		r := NewPlainRenderer(&buf, verbose)
		for _, e := range progressEvents() {
			r.Event(e)
		}
		want := "acme/a: checkout\nacme/b: checkout\nacme/a: build\n"
		if verbose {
			want += "acme/a | #5 [2/3] RUN pip install [2J\n"
		}
		want += "acme/b: failed in 2s: checkout: not found second line\nacme/a: run\n"
		if buf.String() != want {
			t.Errorf("verbose=%v:\n%s\nwant:\n%s", verbose, buf.String(), want)
		}
	}
}

func TestTerminalRenderer(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	r := NewTerminalRenderer(&buf, 60, true)
	r.now = func() time.Time { return t0.Add(4 * time.Second) }
	for _, e := range progressEvents() {
		r.Event(e)
	}
	r.Redraw()
	want := []string{
		"✗ acme/b in 2s: checkout: not found second line",
		"  run           4s  acme/a  #5 [2/3] RUN pip install [2J",
	}
	if got := screen(t, buf.String()); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("screen:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	r.Event(Event{Time: t0.Add(5 * time.Second), Repo: "acme/a", Kind: EventDone, Status: StatusSuccess, Elapsed: 5 * time.Second})
	r.Close()
	want = []string{want[0], "✓ acme/a in 5s"}
	if got := screen(t, buf.String()); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("screen after close:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, l := range screen(t, buf.String()) {
		if n := len([]rune(l)); n >= 60 {
			t.Errorf("line of %d columns on a 60-column terminal: %q", n, l)
		}
	}
}

func TestTerminalRendererQuietOutput(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	r := NewTerminalRenderer(&buf, 60, false)
	r.Event(Event{Time: t0, Repo: "acme/a", Kind: EventStep, Step: StepBuild})
	before := buf.Len()
	for range 1000 {
		r.Event(Event{Time: t0, Repo: "acme/a", Kind: EventOutput, Step: StepBuild, Line: "#5 RUN pip install"})
	}
	if buf.Len() != before {
		t.Errorf("build output without -v wrote %d bytes to the terminal, want none", buf.Len()-before)
	}
}

func TestFit(t *testing.T) {
	t.Parallel()
	if got := fit(strings.Repeat("é", 100), 10); got != strings.Repeat("é", 8)+"…" {
		t.Errorf("fit = %q", got)
	}
}

var csi = regexp.MustCompile(`^\x1b\[(\d*)([A-Za-z])`)

// screen interprets the escapes the terminal renderer uses (cursor up,
// carriage return, erase below, erase line) and returns the lines left on
// the screen.
func screen(t *testing.T, out string) []string {
	t.Helper()
	lines := []string{""}
	row := 0
	for len(out) > 0 {
		if m := csi.FindStringSubmatch(out); m != nil {
			n, _ := strconv.Atoi(m[1])
			switch m[2] {
			case "A":
				row = max(0, row-max(n, 1))
			case "J":
				lines = lines[:row+1]
				lines[row] = ""
			case "K":
				lines[row] = ""
			default:
				t.Fatalf("unexpected escape %q", m[0])
			}
			out = out[len(m[0]):]
			continue
		}
		switch out[0] {
		case '\r':
			lines[row] = ""
		case '\n':
			row++
			if row == len(lines) {
				lines = append(lines, "")
			}
		case 0x1b:
			t.Fatalf("stray escape in %q", out)
		default:
			lines[row] += out[:1]
		}
		out = out[1:]
	}
	for len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}
