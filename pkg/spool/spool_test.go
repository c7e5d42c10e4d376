package spool

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/runpod-workers/janitor/pkg/validate"
)

var errDown = errors.New("dial tcp 127.0.0.1:5432: connect: connection refused")

// fakeDB is a validate.Sink that fails on demand. It does NOT deduplicate:
// every delivery is kept, so tests can count duplicates.
type fakeDB struct {
	mu sync.Mutex
	// down fails every call; failAfter, when >= 0, fails every call after
	// that many more successes; flap fails every other call.
	down      bool
	failAfter int
	flap      bool
	calls     int

	log []string // "kind id" in delivery order
}

func newDB() *fakeDB { return &fakeDB{failAfter: -1} }

func (d *fakeDB) setDown(down bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.down = down
}

func (d *fakeDB) deliver(kind, id string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.calls++
	switch {
	case d.down:
		return errDown
	case d.flap && d.calls%2 == 0:
		return errDown
	case d.failAfter == 0:
		return errDown
	case d.failAfter > 0:
		d.failAfter--
	}
	d.log = append(d.log, kind+" "+id)
	return nil
}

func (d *fakeDB) RunStart(ctx context.Context, run validate.Run) error {
	return d.deliver(KindRunStart, run.ID)
}

func (d *fakeDB) ValidationRecord(ctx context.Context, rec validate.Record) error {
	return d.deliver(KindValidation, rec.ID)
}

func (d *fakeDB) RunFinish(ctx context.Context, fin validate.RunFinish) error {
	return d.deliver(KindRunFinish, fin.RunID)
}

func (d *fakeDB) delivered() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.log)
}

// checkRun checks that the database got the run exactly once, all of recs
// exactly once, and the finish exactly once, start first and finish last.
func checkRun(t *testing.T, d *fakeDB, runID string, recs []validate.Record) {
	t.Helper()
	got := d.delivered()
	want := map[string]int{KindRunStart + " " + runID: 1, KindRunFinish + " " + runID: 1}
	for _, r := range recs {
		want[KindValidation+" "+r.ID] = 1
	}
	count := map[string]int{}
	for _, l := range got {
		count[l]++
	}
	for k, n := range count {
		if n > 1 {
			t.Errorf("%s delivered %d times", k, n)
		}
		if want[k] == 0 {
			t.Errorf("unexpected delivery %s", k)
		}
	}
	for k := range want {
		if count[k] == 0 {
			t.Errorf("%s never delivered", k)
		}
	}
	if len(got) > 0 && (got[0] != KindRunStart+" "+runID || got[len(got)-1] != KindRunFinish+" "+runID) {
		t.Errorf("order: first %q, last %q", got[0], got[len(got)-1])
	}
}

var quietLog = slog.New(slog.DiscardHandler)

func newSpool(t *testing.T) *Spool {
	t.Helper()
	sp, err := Open(filepath.Join(t.TempDir(), "spool"))
	if err != nil {
		t.Fatal(err)
	}
	return sp
}

func records(runID string, n int) []validate.Record {
	out := make([]validate.Record, n)
	for i := range out {
		out[i] = validate.Record{ID: uuid.NewString(), RunID: runID, Repository: fmt.Sprintf("w%d", i), Organization: "acme",
			Status: validate.StatusSuccess, Reports: []validate.Report{{Type: validate.ReportPerformance, Data: []byte(`{"total_ms":1}`)}}}
	}
	return out
}

// simulate runs a run through sink the way the pipeline does: start, the
// records from concurrent workers, finish.
func simulate(t *testing.T, sink validate.Sink, recs []validate.Record, between func(i int)) string {
	t.Helper()
	ctx := t.Context()
	runID := recs[0].RunID
	if err := sink.RunStart(ctx, validate.Run{ID: runID, Environment: "test", Status: validate.RunRunning}); err != nil {
		t.Fatalf("run start: %v", err)
	}
	var wg sync.WaitGroup
	for i, r := range recs {
		if between != nil {
			between(i)
			if err := sink.ValidationRecord(ctx, r); err != nil {
				t.Errorf("record %d: %v", i, err)
			}
			continue
		}
		wg.Go(func() {
			if err := sink.ValidationRecord(ctx, r); err != nil {
				t.Errorf("record %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	if err := sink.RunFinish(ctx, validate.RunFinish{RunID: runID, Status: validate.RunCompleted}); err != nil {
		t.Fatalf("run finish: %v", err)
	}
	return runID
}

func opts() Options { return Options{RetryInterval: time.Nanosecond, Logger: quietLog} }

func TestDatabaseDownForTheWholeRunThenFlush(t *testing.T) {
	t.Parallel()
	sp := newSpool(t)
	db := newDB()
	db.setDown(true)
	recs := records(uuid.NewString(), 12)
	runID := simulate(t, sp.Wrap(db, Options{Logger: quietLog}), recs, nil)

	pending, damaged, err := sp.Pending()
	if err != nil || len(pending) != 1 || pending[0].RunID != runID || pending[0].Bytes == 0 || pending[0].InUse || len(damaged) != 0 {
		t.Fatalf("pending = %+v, damaged %v, %v", pending, damaged, err)
	}
	if len(db.delivered()) != 0 {
		t.Fatalf("delivered while down: %v", db.delivered())
	}

	db.setDown(false)
	rep, err := sp.Replay(t.Context(), db)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Runs) != 1 || !rep.Runs[0].Done || !rep.Runs[0].Finished || rep.Sent() != 14 {
		t.Errorf("report = %+v", rep)
	}
	checkRun(t, db, runID, recs)
	if entries, _ := os.ReadDir(sp.Dir()); len(entries) != 0 {
		t.Errorf("spool not empty after flush: %v", entries)
	}
}

func TestDatabaseDownMidRun(t *testing.T) {
	t.Parallel()
	sp := newSpool(t)
	db := newDB()
	recs := records(uuid.NewString(), 6)
	runID := simulate(t, sp.Wrap(db, opts()), recs, func(i int) {
		if i == 3 {
			db.setDown(true)
		}
	})
	got := db.delivered()
	if len(got) != 4 { // start and the first three records
		t.Fatalf("delivered before the outage: %v", got)
	}
	db.setDown(false)
	if _, err := sp.Replay(t.Context(), db); err != nil {
		t.Fatal(err)
	}
	checkRun(t, db, runID, recs)
}

// TestDatabaseBackMidRun: spooled lines are delivered, in order, before the
// next direct write, and the spool file goes away at the end.
func TestDatabaseBackMidRun(t *testing.T) {
	t.Parallel()
	sp := newSpool(t)
	db := newDB()
	recs := records(uuid.NewString(), 6)
	runID := simulate(t, sp.Wrap(db, opts()), recs, func(i int) {
		switch i {
		case 1:
			db.setDown(true)
		case 4:
			db.setDown(false)
		}
	})
	checkRun(t, db, runID, recs)
	got := db.delivered()
	var order []string
	for _, l := range got[1 : len(got)-1] {
		for i, r := range recs {
			if strings.HasSuffix(l, r.ID) {
				order = append(order, fmt.Sprint(i))
			}
		}
	}
	if strings.Join(order, "") != "012345" {
		t.Errorf("record order = %v", order)
	}
	if entries, _ := os.ReadDir(sp.Dir()); len(entries) != 0 {
		t.Errorf("spool not empty: %v", entries)
	}
}

func TestReplayTwiceGivesNoDuplicates(t *testing.T) {
	t.Parallel()
	sp := newSpool(t)
	db := newDB()
	db.setDown(true)
	recs := records(uuid.NewString(), 5)
	runID := simulate(t, sp.Wrap(db, opts()), recs, nil)

	db.setDown(false)
	db.failAfter = 3 // the database goes away during the first replay
	rep, err := sp.Replay(t.Context(), db)
	if err == nil || !errors.Is(err, errDown) || rep.Sent() != 3 || rep.Runs[0].Done {
		t.Fatalf("first replay: %+v, %v", rep, err)
	}
	db.failAfter = -1
	rep, err = sp.Replay(t.Context(), db)
	if err != nil || rep.Sent() != 4 || rep.Runs[0].Skipped != 3 || !rep.Runs[0].Done {
		t.Fatalf("second replay: %+v, %v", rep, err)
	}
	rep, err = sp.Replay(t.Context(), db)
	if err != nil || len(rep.Runs) != 0 {
		t.Fatalf("third replay: %+v, %v", rep, err)
	}
	checkRun(t, db, runID, recs)
}

// TestReplayResendsTheSameIDs: when the progress mark is lost (a crash
// between delivery and mark), the replay resends lines with their original
// IDs, which the database's ON CONFLICT DO NOTHING ignores.
func TestReplayResendsTheSameIDs(t *testing.T) {
	t.Parallel()
	sp := newSpool(t)
	db := newDB()
	db.setDown(true)
	recs := records(uuid.NewString(), 3)
	simulate(t, sp.Wrap(db, opts()), recs, nil)
	file := filepath.Join(sp.Dir(), recs[0].RunID+".jsonl")
	saved, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	db.setDown(false)
	if _, err := sp.Replay(t.Context(), db); err != nil {
		t.Fatal(err)
	}
	first := db.delivered()
	// Put the file back without its mark, as if the process died.
	if err := os.WriteFile(file, saved, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := sp.Replay(t.Context(), db); err != nil {
		t.Fatal(err)
	}
	all := db.delivered()
	if !slices.Equal(all[len(first):], first) {
		t.Errorf("resent %v, want the same IDs %v", all[len(first):], first)
	}
}

func TestTornLastLine(t *testing.T) {
	t.Parallel()
	sp := newSpool(t)
	db := newDB()
	db.setDown(true)
	runID := uuid.NewString()
	recs := records(runID, 2)
	k := sp.Wrap(db, opts())
	ctx := t.Context()
	if err := k.RunStart(ctx, validate.Run{ID: runID}); err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		if err := k.ValidationRecord(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	// The process dies in the middle of writing the next record.
	if err := k.Close(); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(sp.Dir(), runID+".jsonl")
	torn := []byte(`{"v":1,"kind":"validation","record":{"id":"` + uuid.NewString() + `","run_id":"` + runID + `","repos`)
	f, err := os.OpenFile(file, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.Write(torn)
	f.Close()

	db.setDown(false)
	rep, err := sp.Replay(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	r := rep.Runs[0]
	if r.Sent != 3 || r.Finished || !r.Done || len(r.Damaged) != 1 {
		t.Fatalf("report = %+v", r)
	}
	d := r.Damaged[0]
	if !d.Torn || d.Length != len(torn) || d.Quarantine != file+".damaged" || !strings.Contains(d.String(), "torn last line at byte") {
		t.Errorf("damage = %+v", d)
	}
	kept, err := os.ReadFile(d.Quarantine)
	if err != nil || !bytes.Equal(kept, append(torn, '\n')) {
		t.Errorf("quarantined %q, %v", kept, err)
	}
	if _, damaged, _ := sp.Pending(); !slices.Equal(damaged, []string{d.Quarantine}) {
		t.Errorf("pending damaged = %v", damaged)
	}
	if len(db.delivered()) != 3 {
		t.Errorf("delivered %v", db.delivered())
	}
}

func TestDamagedMiddleLine(t *testing.T) {
	t.Parallel()
	sp := newSpool(t)
	runID := uuid.NewString()
	lines := []string{
		`{"v":1,"kind":"run_start","run":{"run_id":"` + runID + `"}}`,
		`garbage from a bad disk`,
		`{"v":9,"kind":"run_start","run":{"run_id":"x"}}`,
		`{"v":1,"kind":"validation"}`,
		`{"v":1,"kind":"run_finish","finish":{"run_id":"` + runID + `","status":"completed"}}`,
	}
	file := filepath.Join(sp.Dir(), runID+".jsonl")
	if err := os.WriteFile(file, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	db := newDB()
	rep, err := sp.Replay(t.Context(), db)
	if err != nil {
		t.Fatal(err)
	}
	r := rep.Runs[0]
	if r.Sent != 2 || len(r.Damaged) != 3 || !r.Done || !r.Finished {
		t.Errorf("report = %+v", r)
	}
	reasons := []string{"invalid character", "unknown spool format version 9", `kind "validation" without its payload`}
	for i, d := range r.Damaged {
		if d.Torn || !strings.Contains(d.Reason, reasons[i]) {
			t.Errorf("damage %d = %+v, want %q", i, d, reasons[i])
		}
	}
	if got := db.delivered(); !slices.Equal(got, []string{"run_start " + runID, "run_finish " + runID}) {
		t.Errorf("delivered %v", got)
	}
}

func TestInUseFileSkipped(t *testing.T) {
	t.Parallel()
	sp := newSpool(t)
	db := newDB()
	db.setDown(true)
	runID := uuid.NewString()
	k := sp.Wrap(db, opts())
	if err := k.RunStart(t.Context(), validate.Run{ID: runID}); err != nil {
		t.Fatal(err)
	}
	db.setDown(false)
	other := newDB()
	rep, err := sp.Replay(t.Context(), other) // db-flush while validate runs
	if err != nil || len(rep.Runs) != 1 || !rep.Runs[0].InUse || len(other.delivered()) != 0 {
		t.Errorf("replay of a file in use: %+v, %v, delivered %v", rep, err, other.delivered())
	}
	if pending, _, _ := sp.Pending(); len(pending) != 1 || !pending[0].InUse {
		t.Errorf("pending = %+v", pending)
	}
	if err := k.RunFinish(t.Context(), validate.RunFinish{RunID: runID}); err != nil {
		t.Fatal(err)
	}
	if got := db.delivered(); !slices.Equal(got, []string{"run_start " + runID, "run_finish " + runID}) {
		t.Errorf("delivered %v", got)
	}
}

// TestRunStartReplaysEarlierRuns: a run that reaches the database delivers
// what earlier runs left in the spool.
func TestRunStartReplaysEarlierRuns(t *testing.T) {
	t.Parallel()
	sp := newSpool(t)
	db := newDB()
	db.setDown(true)
	old := records(uuid.NewString(), 2)
	simulate(t, sp.Wrap(db, opts()), old, nil)
	db.setDown(false)
	recs := records(uuid.NewString(), 1)
	simulate(t, sp.Wrap(db, opts()), recs, nil)
	got := db.delivered()
	if len(got) != 4+3 {
		t.Fatalf("delivered %v", got)
	}
	if got[0] != "run_start "+recs[0].RunID || got[1] != "run_start "+old[0].RunID {
		t.Errorf("order = %v", got)
	}
	if entries, _ := os.ReadDir(sp.Dir()); len(entries) != 0 {
		t.Errorf("spool not empty: %v", entries)
	}
}

// TestConcurrentFlappingDatabase: workers write at once while every other
// database call fails; after a flush, everything arrived exactly once.
func TestConcurrentFlappingDatabase(t *testing.T) {
	t.Parallel()
	sp := newSpool(t)
	db := newDB()
	db.flap = true
	recs := records(uuid.NewString(), 40)
	runID := simulate(t, sp.Wrap(db, opts()), recs, nil)
	db.mu.Lock()
	db.flap = false
	db.mu.Unlock()
	if _, err := sp.Replay(t.Context(), db); err != nil {
		t.Fatal(err)
	}
	checkRun(t, db, runID, recs)
}

func TestNoDatabase(t *testing.T) {
	t.Parallel()
	sp := newSpool(t)
	recs := records(uuid.NewString(), 2)
	simulate(t, sp.Wrap(nil, opts()), recs, nil)
	file := filepath.Join(sp.Dir(), recs[0].RunID+".jsonl")
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	if len(lines) != 4 || !strings.HasPrefix(lines[0], `{"v":1,"kind":"run_start","run":{"run_id":"`+recs[0].RunID+`"`) ||
		!strings.HasPrefix(lines[1], `{"v":1,"kind":"validation","record":{"id":"`) ||
		!strings.HasPrefix(lines[3], `{"v":1,"kind":"run_finish","finish":{"run_id":"`) {
		t.Errorf("spool file:\n%s", data)
	}
	db := newDB()
	if _, err := sp.Replay(t.Context(), db); err != nil {
		t.Fatal(err)
	}
	checkRun(t, db, recs[0].RunID, recs)
}

func TestSpoolUnwritable(t *testing.T) {
	t.Parallel()
	sp := newSpool(t)
	// The spool directory disappears and a file takes its place.
	if err := os.Remove(sp.Dir()); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(sp.Dir(), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	db := newDB()
	db.setDown(true)
	err := sp.Wrap(db, opts()).RunStart(t.Context(), validate.Run{ID: uuid.NewString()})
	if err == nil || !strings.Contains(err.Error(), "the database failed (dial tcp") || !strings.Contains(err.Error(), "so did the spool") {
		t.Errorf("error = %v", err)
	}
}

func TestBadRunID(t *testing.T) {
	t.Parallel()
	err := newSpool(t).Wrap(nil, opts()).RunStart(t.Context(), validate.Run{ID: "../../etc/passwd"})
	if err == nil || !strings.Contains(err.Error(), "cannot name a spool file") {
		t.Errorf("error = %v", err)
	}
}
