// Package iostreams holds the standard streams a command writes to and what
// is known about them: whether each is a terminal and whether colour is wanted.
// Commands take an *IOStreams instead of touching os.Stdout, so tests can
// assert exact output both as a terminal and as a pipe.
package iostreams

import (
	"bytes"
	"io"
	"os"
	"strings"

	"golang.org/x/term"
)

// IOStreams is the set of streams a command uses.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	stdinTTY  bool
	stdoutTTY bool
	stderrTTY bool
	noColor   bool
	width     int
}

// System returns the process's own streams. JANITOR_FORCE_TTY=1 makes stdout
// and stderr count as terminals (for recording examples); NO_COLOR and
// TERM=dumb turn colour off.
func System() *IOStreams {
	s := &IOStreams{
		In:        os.Stdin,
		Out:       os.Stdout,
		ErrOut:    os.Stderr,
		stdinTTY:  isTerminal(os.Stdin),
		stdoutTTY: isTerminal(os.Stdout),
		stderrTTY: isTerminal(os.Stderr),
		noColor:   os.Getenv("NO_COLOR") != "" || os.Getenv("TERM") == "dumb",
		width:     80,
	}
	if v := os.Getenv("JANITOR_FORCE_TTY"); v != "" && v != "0" && v != "false" {
		s.stdoutTTY, s.stderrTTY = true, true
	}
	if s.stdoutTTY {
		if w, _, err := term.GetSize(int(os.Stdout.Fd())); err == nil && w > 0 {
			s.width = w
		}
	}
	return s
}

// Test returns streams backed by buffers; none of them is a terminal.
func Test() (s *IOStreams, in, out, errOut *bytes.Buffer) {
	in, out, errOut = &bytes.Buffer{}, &bytes.Buffer{}, &bytes.Buffer{}
	return &IOStreams{In: in, Out: out, ErrOut: errOut, width: 80}, in, out, errOut
}

func isTerminal(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }

// IsStdinTTY reports whether standard input is a terminal.
func (s *IOStreams) IsStdinTTY() bool { return s.stdinTTY }

// IsStdoutTTY reports whether standard output is a terminal.
func (s *IOStreams) IsStdoutTTY() bool { return s.stdoutTTY }

// IsStderrTTY reports whether standard error is a terminal.
func (s *IOStreams) IsStderrTTY() bool { return s.stderrTTY }

// SetStdinTTY overrides terminal detection for standard input (tests).
func (s *IOStreams) SetStdinTTY(v bool) { s.stdinTTY = v }

// SetStdoutTTY overrides terminal detection for standard output (tests).
func (s *IOStreams) SetStdoutTTY(v bool) { s.stdoutTTY = v }

// SetStderrTTY overrides terminal detection for standard error (tests).
func (s *IOStreams) SetStderrTTY(v bool) { s.stderrTTY = v }

// SetNoColor turns colour off regardless of the terminal.
func (s *IOStreams) SetNoColor(v bool) { s.noColor = v }

// ColorEnabled reports whether stdout output may carry ANSI colour.
func (s *IOStreams) ColorEnabled() bool { return s.stdoutTTY && !s.noColor }

// TerminalWidth is stdout's width in columns (80 when unknown).
func (s *IOStreams) TerminalWidth() int { return s.width }

// ColorScheme returns the colours to use on stdout.
func (s *IOStreams) ColorScheme() ColorScheme { return ColorScheme{enabled: s.ColorEnabled()} }

// ColorScheme wraps text in ANSI colours when colour is enabled.
type ColorScheme struct{ enabled bool }

func (c ColorScheme) wrap(code, text string) string {
	if !c.enabled || text == "" {
		return text
	}
	return "\x1b[" + code + "m" + text + "\x1b[0m"
}

// Green is for success.
func (c ColorScheme) Green(t string) string { return c.wrap("32", t) }

// Red is for failure.
func (c ColorScheme) Red(t string) string { return c.wrap("31", t) }

// Yellow is for warnings and undecided results.
func (c ColorScheme) Yellow(t string) string { return c.wrap("33", t) }

// Gray is for secondary text.
func (c ColorScheme) Gray(t string) string { return c.wrap("90", t) }

// Bold is for headings.
func (c ColorScheme) Bold(t string) string { return c.wrap("1", t) }

// Status colours a result word by what it means: success/completed green,
// failed red, anything else undecided yellow.
func (c ColorScheme) Status(status string) string {
	switch strings.ToLower(status) {
	case "success", "completed", "passed", "ok":
		return c.Green(status)
	case "failed", "error":
		return c.Red(status)
	case "running":
		return status
	default:
		return c.Yellow(status)
	}
}
