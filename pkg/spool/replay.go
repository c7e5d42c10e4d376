package spool

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/runpod-workers/janitor/pkg/validate"
)

// Report says what a replay did.
type Report struct {
	Runs []RunReport
}

// Sent is the number of lines delivered over all runs.
func (r Report) Sent() int {
	n := 0
	for _, x := range r.Runs {
		n += x.Sent
	}
	return n
}

// Damaged lists the damaged lines found over all runs.
func (r Report) Damaged() []Damage {
	var out []Damage
	for _, x := range r.Runs {
		out = append(out, x.Damaged...)
	}
	return out
}

// RunReport is one spool file's replay.
type RunReport struct {
	RunID string
	File  string
	// Sent is how many lines this replay delivered; Skipped how many an
	// earlier replay had already delivered.
	Sent    int
	Skipped int
	// Damaged are lines that did not parse, kept in Quarantine.
	Damaged []Damage
	// Finished is set when the file held the run's end; a file without
	// one comes from a janitor that stopped mid-run.
	Finished bool
	// Done is set when every line was handled and the file removed.
	Done bool
	// InUse is set when a running janitor holds the file: it was skipped.
	InUse bool
	// Err is why delivery stopped; the rest stays spooled.
	Err error
}

// Damage is a line of a spool file that did not parse.
type Damage struct {
	File   string
	Offset int64
	Length int
	// Torn is set for a last line without its newline (a crash mid-write).
	Torn bool
	// Reason is the parse error.
	Reason string
	// Quarantine is the file that keeps the bytes.
	Quarantine string
}

func (d Damage) String() string {
	what := "damaged line"
	if d.Torn {
		what = "torn last line"
	}
	return fmt.Sprintf("%s at byte %d of %s (%d bytes, %s), kept in %s", what, d.Offset, d.File, d.Length, d.Reason, d.Quarantine)
}

// Replay delivers every spool file not in use to the sink, oldest first,
// removing each file whose lines were all delivered. It goes on with the
// next file when one fails and returns the joined errors; the report says
// what happened to each file.
func (s *Spool) Replay(ctx context.Context, to validate.Sink) (Report, error) {
	return s.replayExcept(ctx, to, "")
}

func (s *Spool) replayExcept(ctx context.Context, to validate.Sink, skipRunID string) (Report, error) {
	files, err := s.files()
	if err != nil {
		return Report{}, err
	}
	var rep Report
	var errs []error
	for _, file := range files {
		if runIDOf(file) == skipRunID {
			continue
		}
		if err := ctx.Err(); err != nil {
			errs = append(errs, err)
			break
		}
		rr := replayClosed(ctx, file, to)
		if rr.Err != nil {
			errs = append(errs, fmt.Errorf("replay run %s: %w", rr.RunID, rr.Err))
		}
		rep.Runs = append(rep.Runs, rr)
	}
	return rep, errors.Join(errs...)
}

// replayClosed replays a file no writer holds: it takes the lock, and the
// file is final (a torn tail will never be completed).
func replayClosed(ctx context.Context, file string, to validate.Sink) RunReport {
	rr := RunReport{RunID: runIDOf(file), File: file}
	f, err := os.Open(file)
	if errors.Is(err, os.ErrNotExist) {
		rr.Done = true // another replay finished it meanwhile
		return rr
	}
	if err != nil {
		rr.Err = fmt.Errorf("open spool file: %w", err)
		return rr
	}
	defer f.Close()
	if err := lock(f); err != nil {
		if errors.Is(err, errLocked) {
			rr.InUse = true
		} else {
			rr.Err = fmt.Errorf("lock spool file: %w", err)
		}
		return rr
	}
	// Between open and lock another replay may have finished and removed
	// the file: then this descriptor is stale.
	held, err1 := f.Stat()
	now, err2 := os.Stat(file)
	if err1 != nil || err2 != nil || !os.SameFile(held, now) {
		rr.Done = true
		return rr
	}
	deliverFile(ctx, file, to, true, &rr)
	return rr
}

// deliverFile sends the undelivered lines of file, marking progress after
// each. final says no writer will append to it again: a torn tail is then
// quarantined and a fully delivered file removed.
func deliverFile(ctx context.Context, file string, to validate.Sink, final bool, rr *RunReport) {
	data, err := os.ReadFile(file)
	if err != nil {
		rr.Err = fmt.Errorf("read spool file: %w", err)
		return
	}
	sent, err := readSent(file)
	if err != nil {
		rr.Err = err
		return
	}
	if sent > int64(len(data)) {
		sent = 0 // a stale mark: resend, the database ignores duplicates
	}
	rr.Skipped = bytes.Count(data[:sent], []byte("\n"))
	off := sent
	rest := data[sent:]
	for len(rest) > 0 {
		i := bytes.IndexByte(rest, '\n')
		if i < 0 {
			if !final {
				return
			}
			if !rr.damage(file, off, rest, true, "no newline: the write was cut short") {
				return
			}
			off += int64(len(rest))
			if rr.mark(file, off) != nil {
				return
			}
			break
		}
		line := rest[:i+1]
		env, err := decode(line[:i])
		if err != nil {
			if !rr.damage(file, off, line, false, err.Error()) {
				return
			}
		} else {
			if err := deliver(ctx, to, env); err != nil {
				rr.Err = err
				return
			}
			rr.Sent++
			if env.Kind == KindRunFinish {
				rr.Finished = true
			}
		}
		off += int64(len(line))
		rest = rest[i+1:]
		if rr.mark(file, off) != nil {
			return
		}
	}
	if !final {
		return
	}
	for _, p := range []string{file, sentFile(file)} {
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			rr.Err = fmt.Errorf("remove delivered spool file: %w", err)
			return
		}
	}
	rr.Done = true
}

func (rr *RunReport) mark(file string, off int64) error {
	if err := writeSent(file, off); err != nil {
		rr.Err = err
		return err
	}
	return nil
}

// damage quarantines a line that did not parse; false when it could not.
func (rr *RunReport) damage(file string, off int64, data []byte, torn bool, reason string) bool {
	q, err := quarantine(file, data)
	if err != nil {
		rr.Err = err
		return false
	}
	rr.Damaged = append(rr.Damaged, Damage{File: file, Offset: off, Length: len(data), Torn: torn, Reason: reason, Quarantine: q})
	return true
}

func deliver(ctx context.Context, to validate.Sink, e envelope) error {
	switch e.Kind {
	case KindRunStart:
		return to.RunStart(ctx, *e.Run)
	case KindValidation:
		return to.ValidationRecord(ctx, *e.Record)
	default:
		return to.RunFinish(ctx, *e.Finish)
	}
}

// inUse reports whether a running janitor holds file.
func inUse(file string) bool {
	f, err := os.Open(file)
	if err != nil {
		return false
	}
	defer f.Close()
	return errors.Is(lock(f), errLocked)
}
