package spool

import (
	"testing"

	"github.com/google/uuid"
	"github.com/runpod-workers/janitor/pkg/validate"
)

// downSink returns a spool, a Sink over a database that is down, and the
// ID of the run it started.
func downSink(b *testing.B) (*Spool, *fakeDB, *Sink, string) {
	b.Helper()
	sp, err := Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	db := newDB()
	db.setDown(true)
	k := sp.Wrap(db, Options{Logger: quietLog})
	runID := uuid.NewString()
	if err := k.RunStart(b.Context(), validate.Run{ID: runID}); err != nil {
		b.Fatal(err)
	}
	return sp, db, k, runID
}

// BenchmarkSpoolRecord is the cost of one record when the database is down:
// encode, append, fsync.
func BenchmarkSpoolRecord(b *testing.B) {
	_, _, k, runID := downSink(b)
	rec := records(runID, 1)[0]
	for b.Loop() {
		if err := k.ValidationRecord(b.Context(), rec); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if err := k.Close(); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkReplay is the cost of replaying one spooled record (read,
// decode, deliver, progress mark with fsync and rename).
func BenchmarkReplay(b *testing.B) {
	sp, db, k, runID := downSink(b)
	for _, rec := range records(runID, b.N) {
		if err := k.ValidationRecord(b.Context(), rec); err != nil {
			b.Fatal(err)
		}
	}
	if err := k.Close(); err != nil {
		b.Fatal(err)
	}
	db.setDown(false)
	b.ResetTimer()
	rep, err := sp.Replay(b.Context(), db)
	if err != nil || rep.Sent() != b.N+1 {
		b.Fatalf("replay: %d lines, %v", rep.Sent(), err)
	}
}
