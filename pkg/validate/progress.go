package validate

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// Step is one stage of a repository's validation.
type Step string

// Steps, in the order they run.
const (
	StepCheckout Step = "checkout"
	StepLint     Step = "lint"
	StepBuild    Step = "build"
	StepGPU      Step = "gpu"
	StepRun      Step = "run"
	StepCleanup  Step = "cleanup"
)

// EventKind says what an Event reports.
type EventKind int

// Event kinds.
const (
	// EventStep: the repository entered Step.
	EventStep EventKind = iota
	// EventOutput: one line of build output (Line).
	EventOutput
	// EventDone: the repository finished with Status; Message says why
	// when it did not succeed.
	EventDone
)

// Event is one progress report about a repository. Options.Progress
// receives them from several goroutines at once.
type Event struct {
	Time time.Time
	// Repo is "org/name".
	Repo string
	Kind EventKind
	Step Step
	// Elapsed is the time since the repository started.
	Elapsed time.Duration
	Line    string
	Status  Status
	Message string
}

// PlainRenderer writes progress as plain lines, for pipes and CI: a line
// when a repository enters a step and when it finishes, and with Verbose
// every build output line. It is safe for concurrent use.
type PlainRenderer struct {
	mu      sync.Mutex
	w       io.Writer
	verbose bool
}

// NewPlainRenderer writes to w; verbose adds build output lines.
func NewPlainRenderer(w io.Writer, verbose bool) *PlainRenderer {
	return &PlainRenderer{w: w, verbose: verbose}
}

// Event renders one event.
func (r *PlainRenderer) Event(e Event) {
	var line string
	switch e.Kind {
	case EventStep:
		line = fmt.Sprintf("%s: %s", e.Repo, e.Step)
	case EventOutput:
		if !r.verbose {
			return
		}
		line = fmt.Sprintf("%s | %s", e.Repo, e.Line)
	case EventDone:
		line = fmt.Sprintf("%s: %s in %s", e.Repo, e.Status, roundElapsed(e.Elapsed))
		if e.Message != "" {
			line += ": " + e.Message
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	fmt.Fprintln(r.w, oneLine(line))
}

// TerminalRenderer keeps one live line per repository in progress at the
// bottom of a terminal, redrawn in place with ANSI escapes; a finished
// repository's line is printed once above them and stays. It is safe for
// concurrent use. Call Redraw on a ticker to advance the elapsed times, and
// Close at the end.
type TerminalRenderer struct {
	mu      sync.Mutex
	w       io.Writer
	verbose bool
	width   int
	now     func() time.Time
	active  []*liveRepo
	drawn   int
}

type liveRepo struct {
	repo  string
	step  Step
	start time.Time
	last  string
}

// NewTerminalRenderer draws on w, a terminal width columns wide (80 when
// zero); verbose shows each repository's latest build output line.
func NewTerminalRenderer(w io.Writer, width int, verbose bool) *TerminalRenderer {
	if width <= 0 {
		width = 80
	}
	return &TerminalRenderer{w: w, width: width, verbose: verbose, now: time.Now}
}

// Event renders one event.
func (r *TerminalRenderer) Event(e Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	i := r.find(e.Repo)
	var done string
	switch e.Kind {
	case EventStep:
		if i < 0 {
			r.active = append(r.active, &liveRepo{repo: e.Repo, start: e.Time.Add(-e.Elapsed)})
			i = len(r.active) - 1
		}
		r.active[i].step = e.Step
	case EventOutput:
		if !r.verbose {
			// Nothing on screen changes: a build printing thousands of
			// lines must not redraw thousands of times.
			return
		}
		if i >= 0 {
			r.active[i].last = e.Line
		}
	case EventDone:
		if i >= 0 {
			r.active = append(r.active[:i], r.active[i+1:]...)
		}
		done = fmt.Sprintf("%s %s in %s", mark(e.Status), e.Repo, roundElapsed(e.Elapsed))
		if e.Message != "" {
			done += ": " + e.Message
		}
	}
	r.redraw(done)
}

// Redraw refreshes the live lines (elapsed times).
func (r *TerminalRenderer) Redraw() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.redraw("")
}

// Close leaves the cursor below the last line drawn.
func (r *TerminalRenderer) Close() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.clear()
	r.drawn = 0
	r.active = nil
}

func (r *TerminalRenderer) find(repo string) int {
	for i, a := range r.active {
		if a.repo == repo {
			return i
		}
	}
	return -1
}

// clear moves up over the live lines and erases them.
func (r *TerminalRenderer) clear() {
	var b strings.Builder
	if r.drawn > 0 {
		fmt.Fprintf(&b, "\x1b[%dA", r.drawn)
	}
	b.WriteString("\r\x1b[J")
	io.WriteString(r.w, b.String())
}

func (r *TerminalRenderer) redraw(done string) {
	r.clear()
	var b strings.Builder
	if done != "" {
		b.WriteString(fit(done, r.width))
		b.WriteByte('\n')
	}
	now := r.now()
	for _, a := range r.active {
		line := fmt.Sprintf("  %-8s %7s  %s", a.step, roundElapsed(now.Sub(a.start)), a.repo)
		if r.verbose && a.last != "" {
			line += "  " + a.last
		}
		b.WriteString(fit(line, r.width))
		b.WriteByte('\n')
	}
	r.drawn = len(r.active)
	io.WriteString(r.w, b.String())
}

func mark(s Status) string {
	switch s {
	case StatusSuccess:
		return "✓"
	case StatusFailed:
		return "✗"
	case StatusSkipped:
		return "-"
	}
	return "?"
}

// oneLine turns control characters (newlines, escapes) into spaces so that
// a line of output stays one line and cannot move the cursor.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, strings.TrimRight(s, "\r\n"))
}

// fit cuts a line to width columns (runes) so it never wraps, which would
// break the redraw.
func fit(s string, width int) string {
	s = oneLine(s)
	if utf8.RuneCountInString(s) <= width-1 {
		return s
	}
	rs := []rune(s)
	return string(rs[:width-2]) + "…"
}

func roundElapsed(d time.Duration) time.Duration {
	if d < 0 {
		return 0
	}
	return d.Round(100 * time.Millisecond)
}
