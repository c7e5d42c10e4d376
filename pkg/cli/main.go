// Package cli is janitor's command line: the root command, the Factory that
// hands commands their lazily built dependencies, one file per command, and
// the mapping from errors to exit codes. Commands parse flags and call
// domain packages; they hold no business logic.
package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/runpod-workers/janitor/pkg/docker"
	"github.com/runpod-workers/janitor/pkg/iostreams"
	"github.com/runpod-workers/janitor/pkg/localdb"
	"github.com/runpod-workers/janitor/pkg/store"
)

// Exit codes (see STYLE.md).
const (
	ExitOK          = 0
	ExitError       = 1
	ExitUsage       = 2
	ExitFailed      = 3
	ExitInterrupted = 130
)

// ExitError carries a specific exit code; Err, when set, is printed.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

// withExitCode makes err end janitor with code; a nil err prints nothing.
func withExitCode(code int, err error) error { return &exitError{code: code, err: err} }

// usageError marks bad flags or arguments: exit 2 with the usage printed.
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

func usageErrorf(format string, args ...any) error {
	return &usageError{err: fmt.Errorf(format, args...)}
}

// Main runs janitor with args and returns the process exit code.
func Main(ctx context.Context, args []string, ios *iostreams.IOStreams, version string) int {
	f := NewFactory(ios, version)
	defer f.Close()
	root := NewRootCmd(f)
	root.SetArgs(args)
	root.SetIn(ios.In)
	root.SetOut(ios.Out)
	root.SetErr(ios.ErrOut)
	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return ExitOK
	}
	var ee *exitError
	var ue *usageError
	switch {
	case errors.As(err, &ee) && ee.err == nil:
		return ee.code
	case ctx.Err() != nil && errors.Is(err, context.Canceled):
		fmt.Fprintln(ios.ErrOut, "janitor: interrupted")
		return ExitInterrupted
	case errors.As(err, &ue) || isCobraUsage(err):
		fmt.Fprintf(ios.ErrOut, "janitor: %s\n\n", err)
		if cmd != nil {
			fmt.Fprint(ios.ErrOut, cmd.UsageString())
		}
		return ExitUsage
	}
	fmt.Fprintf(ios.ErrOut, "janitor: %s\n", err)
	if h := hint(err); h != "" {
		fmt.Fprintln(ios.ErrOut, h)
	}
	if errors.As(err, &ee) {
		return ee.code
	}
	if ctx.Err() != nil {
		return ExitInterrupted
	}
	return ExitError
}

// isCobraUsage recognises cobra's own argument and flag errors.
func isCobraUsage(err error) bool {
	msg := err.Error()
	for _, p := range []string{"unknown command", "unknown flag", "unknown shorthand flag", "flag needs an argument",
		"invalid argument", "accepts ", "requires at least", "requires at most", "required flag", "if any flags in the group"} {
		if strings.Contains(msg, p) {
			return true
		}
	}
	return false
}

// hint adds one line for known causes.
func hint(err error) string {
	switch {
	case errors.Is(err, store.ErrNotMigrated):
		return ""
	case errors.Is(err, localdb.ErrNoBinaries):
		return ""
	case docker.Hint(err) != "":
		return "hint: " + docker.Hint(err)
	case errors.Is(err, store.ErrUnreachable):
		return "hint: is the database running and reachable from here? `janitor config show` prints where janitor looks."
	}
	return ""
}
