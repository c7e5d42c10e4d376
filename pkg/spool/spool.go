// Package spool makes sure no validation result is lost when the results
// database is unreachable.
//
// A Sink wraps the database sink of pkg/validate. While the database takes
// writes, the Sink passes them through. When a write fails, that write and
// every later one of the same run go to a local spool file instead, in
// order, until the database answers again (tried at most every
// Options.RetryInterval), when the Sink first replays the spooled lines and
// then writes directly again. Replay (janitor db-flush, and the Sink after
// a successful RunStart) sends the spool files of earlier runs.
//
// The spool directory is the caller's choice; janitor uses
// <data_dir>/spool (see pkg/config).
//
// Format: one file per run, <dir>/<run-id>.jsonl, append-only JSON lines,
// each line an envelope {"v":1,"kind":"run_start"|"validation"|"run_finish",
// ...} written in one write and fsynced before the write counts as done. A
// failed write is truncated away so the file never holds half a line it
// can continue from.
//
// Replay is idempotent: every line carries client-generated IDs (the run
// UUID, the validation UUID) and the database inserts with ON CONFLICT DO
// NOTHING on them. Replay also remembers how far it got in
// <run-id>.jsonl.sent (the byte offset of the first unsent line, replaced
// atomically after each delivered line), so a second replay after a partial
// one sends only the rest; a crash between a delivery and its mark resends
// one line, which the database ignores.
//
// A line that does not parse (a torn last line after a crash mid-write, or
// damage) is never dropped silently: its bytes are appended to
// <run-id>.jsonl.damaged, and the replay report names it.
//
// A file being written is locked (flock) by its writer; Replay skips locked
// files, so db-flush and a running validate can share the directory.
package spool

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/runpod-workers/janitor/pkg/validate"
)

// Line kinds.
const (
	KindRunStart   = "run_start"
	KindValidation = "validation"
	KindRunFinish  = "run_finish"
)

// formatVersion is the envelope version written; readers reject newer ones.
const formatVersion = 1

// envelope is one line of a spool file.
type envelope struct {
	V      int                 `json:"v"`
	Kind   string              `json:"kind"`
	Run    *validate.Run       `json:"run,omitempty"`
	Record *validate.Record    `json:"record,omitempty"`
	Finish *validate.RunFinish `json:"finish,omitempty"`
}

// Spool is a directory of spool files.
type Spool struct {
	dir string
}

// Open uses dir as the spool, creating it (mode 0700: records may hold
// environment values) when needed.
func Open(dir string) (*Spool, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create the spool directory: %w", err)
	}
	return &Spool{dir: dir}, nil
}

// Dir is the spool directory.
func (s *Spool) Dir() string { return s.dir }

var runIDPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9-]{0,63}$`)

func (s *Spool) file(runID string) (string, error) {
	if !runIDPattern.MatchString(runID) {
		return "", fmt.Errorf("run ID %q cannot name a spool file", runID)
	}
	return filepath.Join(s.dir, runID+".jsonl"), nil
}

// PendingRun is a run with lines not yet delivered.
type PendingRun struct {
	RunID string
	File  string
	// Bytes not yet delivered.
	Bytes int64
	// InUse is set while a running janitor writes the file.
	InUse bool
}

// Pending lists the spool files with undelivered lines, and the damaged
// files kept for inspection.
func (s *Spool) Pending() (runs []PendingRun, damaged []string, err error) {
	files, err := s.files()
	if err != nil {
		return nil, nil, err
	}
	for _, f := range files {
		fi, err := os.Stat(f)
		if err != nil {
			return nil, nil, fmt.Errorf("inspect %s: %w", f, err)
		}
		sent, err := readSent(f)
		if err != nil {
			return nil, nil, err
		}
		runs = append(runs, PendingRun{RunID: runIDOf(f), File: f, Bytes: fi.Size() - sent, InUse: inUse(f)})
	}
	damaged, err = filepath.Glob(filepath.Join(s.dir, "*.jsonl.damaged"))
	if err != nil {
		return nil, nil, fmt.Errorf("list damaged spool files: %w", err)
	}
	return runs, damaged, nil
}

// files lists the spool files, oldest first.
func (s *Spool) files() ([]string, error) {
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return nil, fmt.Errorf("list the spool directory: %w", err)
	}
	type file struct {
		path string
		mod  int64
	}
	var fs []file
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".jsonl") {
			continue
		}
		info, err := e.Info()
		if err != nil {
			continue // removed meanwhile
		}
		fs = append(fs, file{filepath.Join(s.dir, e.Name()), info.ModTime().UnixNano()})
	}
	slices.SortFunc(fs, func(a, b file) int {
		return cmp.Or(cmp.Compare(a.mod, b.mod), strings.Compare(a.path, b.path))
	})
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.path
	}
	return out, nil
}

func runIDOf(file string) string {
	return strings.TrimSuffix(filepath.Base(file), ".jsonl")
}

func encode(e envelope) ([]byte, error) {
	e.V = formatVersion
	b, err := json.Marshal(e)
	if err != nil {
		return nil, fmt.Errorf("encode a %s spool line: %w", e.Kind, err)
	}
	return append(b, '\n'), nil
}

func decode(line []byte) (envelope, error) {
	var e envelope
	if err := json.Unmarshal(line, &e); err != nil {
		return e, err
	}
	switch {
	case e.V < 1 || e.V > formatVersion:
		return e, fmt.Errorf("unknown spool format version %d", e.V)
	case e.Kind == KindRunStart && e.Run != nil,
		e.Kind == KindValidation && e.Record != nil,
		e.Kind == KindRunFinish && e.Finish != nil:
		return e, nil
	}
	return e, fmt.Errorf("spool line of kind %q without its payload", e.Kind)
}

// sentFile holds the offset of the first undelivered line of file.
func sentFile(file string) string { return file + ".sent" }

func readSent(file string) (int64, error) {
	b, err := os.ReadFile(sentFile(file))
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("read replay progress: %w", err)
	}
	n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	if err != nil || n < 0 {
		// A damaged mark only costs duplicates the database ignores.
		return 0, nil
	}
	return n, nil
}

// writeSent records replay progress atomically (write, fsync, rename).
func writeSent(file string, off int64) error {
	tmp := sentFile(file) + ".tmp"
	if err := writeSync(tmp, []byte(strconv.FormatInt(off, 10)+"\n"), os.O_WRONLY|os.O_CREATE|os.O_TRUNC); err != nil {
		return fmt.Errorf("record replay progress: %w", err)
	}
	if err := os.Rename(tmp, sentFile(file)); err != nil {
		return fmt.Errorf("record replay progress: %w", err)
	}
	return nil
}

// quarantine appends damaged bytes to <file>.damaged so nothing is dropped.
func quarantine(file string, data []byte) (string, error) {
	q := file + ".damaged"
	if len(data) == 0 || data[len(data)-1] != '\n' {
		data = append(data[:len(data):len(data)], '\n')
	}
	if err := writeSync(q, data, os.O_WRONLY|os.O_CREATE|os.O_APPEND); err != nil {
		return "", fmt.Errorf("keep a damaged spool line: %w", err)
	}
	return q, nil
}

func writeSync(name string, data []byte, flag int) error {
	f, err := os.OpenFile(name, flag, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
