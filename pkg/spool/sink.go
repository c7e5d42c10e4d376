package spool

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/runpod-workers/janitor/pkg/validate"
)

// DefaultRetryInterval is how long a Sink waits after a failed database
// write before it tries the database again.
const DefaultRetryInterval = 30 * time.Second

// Options tune a Sink.
type Options struct {
	// RetryInterval is the pause after a database failure before the next
	// try (DefaultRetryInterval when zero); meanwhile writes go straight
	// to the spool.
	RetryInterval time.Duration
	// Logger gets a line when results start going to the spool, when they
	// are replayed, and when a run's results stay spooled.
	Logger *slog.Logger
}

// Sink is a validate.Sink that never loses a result: it writes to the next
// sink (the database) and falls back to the spool when that fails. It is
// safe for concurrent use.
type Sink struct {
	sp   *Spool
	next validate.Sink
	opts Options

	mu   sync.Mutex
	runs map[string]*runState
}

// runState is one run's spool file and whether the database is failing.
type runState struct {
	file string
	f    *os.File // open and locked once a line is spooled
	// good is the size of the whole lines written.
	good     int64
	degraded bool
	retryAt  time.Time
}

// Wrap returns a Sink writing to next, spooling when next fails. next may
// be nil: everything is spooled (no database configured or reachable).
func (s *Spool) Wrap(next validate.Sink, opts Options) *Sink {
	if opts.RetryInterval <= 0 {
		opts.RetryInterval = DefaultRetryInterval
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	return &Sink{sp: s, next: next, opts: opts, runs: map[string]*runState{}}
}

// RunStart records the start of a run. Once the database took it, the spool
// files of earlier runs not in use are replayed (their failures are logged,
// not returned).
func (k *Sink) RunStart(ctx context.Context, run validate.Run) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	st, err := k.put(ctx, run.ID, envelope{Kind: KindRunStart, Run: &run}, func() error { return k.next.RunStart(ctx, run) })
	if err == nil && !st.degraded && k.next != nil {
		rep, rerr := k.sp.replayExcept(ctx, k.next, run.ID)
		k.logReplay(rep, rerr)
	}
	return err
}

// ValidationRecord records one repository's result.
func (k *Sink) ValidationRecord(ctx context.Context, rec validate.Record) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	_, err := k.put(ctx, rec.RunID, envelope{Kind: KindValidation, Record: &rec}, func() error { return k.next.ValidationRecord(ctx, rec) })
	return err
}

// RunFinish records the end of a run and closes its spool file: removed
// when everything reached the database, kept for janitor db-flush otherwise.
func (k *Sink) RunFinish(ctx context.Context, fin validate.RunFinish) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	st, err := k.put(ctx, fin.RunID, envelope{Kind: KindRunFinish, Finish: &fin}, func() error { return k.next.RunFinish(ctx, fin) })
	if st == nil {
		return err
	}
	delete(k.runs, fin.RunID)
	return errors.Join(err, k.close(st))
}

// Close releases the spool files of runs that did not finish (their lines
// stay for janitor db-flush).
func (k *Sink) Close() error {
	k.mu.Lock()
	defer k.mu.Unlock()
	var errs []error
	for id, st := range k.runs {
		errs = append(errs, k.close(st))
		delete(k.runs, id)
	}
	return errors.Join(errs...)
}

// put writes one line of run runID (see write); the caller holds k.mu. The
// state is nil only when runID cannot name a spool file.
func (k *Sink) put(ctx context.Context, runID string, e envelope, direct func() error) (*runState, error) {
	st, err := k.state(runID)
	if err != nil {
		return nil, err
	}
	return st, k.write(ctx, st, e, direct)
}

func (k *Sink) state(runID string) (*runState, error) {
	if st, ok := k.runs[runID]; ok {
		return st, nil
	}
	file, err := k.sp.file(runID)
	if err != nil {
		return nil, err
	}
	st := &runState{file: file}
	k.runs[runID] = st
	return st, nil
}

// write delivers one line to the database, or to the spool when the
// database failed now or recently. Lines of a run reach the database in
// order: spooled lines are replayed before the next direct write.
func (k *Sink) write(ctx context.Context, st *runState, e envelope, direct func() error) error {
	if k.next != nil && st.degraded && !time.Now().Before(st.retryAt) {
		rr := RunReport{RunID: runIDOf(st.file), File: st.file}
		deliverFile(ctx, st.file, k.next, false, &rr)
		if rr.Err == nil {
			st.degraded = false
			k.opts.Logger.Info("database reachable again; spooled results delivered", "run_id", rr.RunID, "lines", rr.Sent)
		} else {
			st.retryAt = time.Now().Add(k.opts.RetryInterval)
		}
	}
	var dbErr error
	if k.next != nil && !st.degraded {
		if dbErr = direct(); dbErr == nil {
			return nil
		}
		k.opts.Logger.Warn("results database unreachable; spooling results locally", "run_id", runIDOf(st.file), "file", st.file, "error", dbErr)
	}
	st.degraded = true
	if dbErr != nil {
		st.retryAt = time.Now().Add(k.opts.RetryInterval)
	}
	if err := k.append(st, e); err != nil {
		if dbErr != nil {
			return fmt.Errorf("the database failed (%v) and so did the spool: %w", dbErr, err)
		}
		return err
	}
	return nil
}

// append writes one line to the run's spool file and fsyncs it. A failed
// write is cut off so that the file ends with a whole line.
func (k *Sink) append(st *runState, e envelope) error {
	line, err := encode(e)
	if err != nil {
		return err
	}
	if st.f == nil {
		if err := k.create(st); err != nil {
			return err
		}
	}
	_, err = st.f.Write(line)
	if err == nil {
		err = st.f.Sync()
	}
	if err != nil {
		if terr := st.f.Truncate(st.good); terr != nil {
			err = errors.Join(err, terr)
		}
		return fmt.Errorf("write to spool file %s: %w", st.file, err)
	}
	st.good += int64(len(line))
	return nil
}

// create makes the run's spool file, locked before it gets its final name
// so that a replay never sees it unlocked.
func (k *Sink) create(st *runState) error {
	tmp := st.file + ".new"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("create spool file: %w", err)
	}
	if err := lock(f); err != nil {
		f.Close()
		return fmt.Errorf("lock spool file %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, st.file); err != nil {
		f.Close()
		return fmt.Errorf("create spool file: %w", err)
	}
	st.f, st.good = f, 0
	return nil
}

// close releases a run's spool file: removed when all its lines reached the
// database, kept (and announced) otherwise.
func (k *Sink) close(st *runState) error {
	if st.f == nil {
		return nil
	}
	defer func() { st.f = nil }()
	if !st.degraded {
		rr := RunReport{RunID: runIDOf(st.file), File: st.file}
		deliverFile(context.Background(), st.file, k.next, true, &rr)
		if rr.Err != nil {
			st.f.Close()
			return rr.Err
		}
		return st.f.Close()
	}
	k.opts.Logger.Warn("results kept in the local spool; run janitor db-flush when the database is reachable",
		"run_id", runIDOf(st.file), "file", st.file)
	if err := st.f.Close(); err != nil {
		return fmt.Errorf("close spool file: %w", err)
	}
	return nil
}

func (k *Sink) logReplay(rep Report, err error) {
	for _, r := range rep.Runs {
		if r.Sent > 0 || len(r.Damaged) > 0 {
			k.opts.Logger.Info("replayed spooled results of an earlier run", "run_id", r.RunID, "lines", r.Sent, "damaged", len(r.Damaged), "complete", r.Done)
		}
		for _, d := range r.Damaged {
			k.opts.Logger.Warn("damaged spool line kept aside", "run_id", r.RunID, "detail", d.String())
		}
	}
	if err != nil {
		k.opts.Logger.Warn("replay of earlier spooled results failed; run janitor db-flush later", "error", err)
	}
}

var _ validate.Sink = (*Sink)(nil)
