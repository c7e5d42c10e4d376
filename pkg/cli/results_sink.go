package cli

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/google/uuid"

	"github.com/runpod-workers/janitor/pkg/config"
	"github.com/runpod-workers/janitor/pkg/spool"
	"github.com/runpod-workers/janitor/pkg/store"
	"github.com/runpod-workers/janitor/pkg/validate"
)

// storeSink writes validation results to the results database as the agent
// role: the adapter from validate.Sink onto pkg/store. It connects on each
// call until a connection succeeds (the Factory keeps that one), so a
// database that comes back during a run is used again.
type storeSink struct {
	db      func(ctx context.Context, role store.Role) (*store.DB, error)
	version string
}

var _ validate.Sink = storeSink{}

func (s storeSink) agent(ctx context.Context) (*store.DB, error) {
	return s.db(ctx, store.RoleAgent)
}

// RunStart inserts the run (a no-op when it exists: replays are safe).
func (s storeSink) RunStart(ctx context.Context, run validate.Run) error {
	id, err := uuid.Parse(run.ID)
	if err != nil {
		return fmt.Errorf("run ID %q: %w", run.ID, err)
	}
	db, err := s.agent(ctx)
	if err != nil {
		return err
	}
	return db.RunInsert(ctx, store.RunInsertParams{
		RunID:           id,
		Environment:     run.Environment,
		InstanceID:      run.InstanceID,
		StartedAt:       run.StartedAt,
		RepositoryCount: len(run.Repositories),
		ReposFilePath:   run.ReposFile,
		JanitorVersion:  s.version,
	})
}

// ValidationRecord inserts one repository's row and reports in one
// statement, keyed by the record's UUID.
func (s storeSink) ValidationRecord(ctx context.Context, rec validate.Record) error {
	p, err := validationParams(rec)
	if err != nil {
		return err
	}
	db, err := s.agent(ctx)
	if err != nil {
		return err
	}
	_, err = db.ValidationInsert(ctx, p)
	return err
}

// RunFinish sets the run's final status.
func (s storeSink) RunFinish(ctx context.Context, fin validate.RunFinish) error {
	id, err := uuid.Parse(fin.RunID)
	if err != nil {
		return fmt.Errorf("run ID %q: %w", fin.RunID, err)
	}
	db, err := s.agent(ctx)
	if err != nil {
		return err
	}
	return db.RunFinish(ctx, store.RunFinishParams{RunID: id, Status: string(fin.Status), CompletedAt: fin.CompletedAt})
}

// validationParams maps a record onto the store's insert. Steps that did not
// run leave their columns NULL.
func validationParams(rec validate.Record) (store.ValidationInsertParams, error) {
	vid, err := uuid.Parse(rec.ID)
	if err != nil {
		return store.ValidationInsertParams{}, fmt.Errorf("validation ID %q: %w", rec.ID, err)
	}
	rid, err := uuid.Parse(rec.RunID)
	if err != nil {
		return store.ValidationInsertParams{}, fmt.Errorf("run ID %q: %w", rec.RunID, err)
	}
	secs := rec.ExecutionTimeSeconds()
	p := store.ValidationInsertParams{
		ValidationUUID:       vid,
		RunID:                rid,
		Repository:           rec.Repository,
		Organization:         rec.Organization,
		Status:               string(rec.Status),
		Type:                 rec.ValidationType,
		GPUAvailable:         &rec.GPUAvailable,
		CUDADetected:         &rec.CUDADetected,
		ErrorMessage:         rec.ErrorMessage,
		ExecutionTimeSeconds: &secs,
		GitRef:               rec.Ref,
		CommitSHA:            rec.Commit,
		DurationMs:           &rec.DurationMS,
		StartedAt:            &rec.StartedAt,
		CompletedAt:          &rec.FinishedAt,
		CreatedAt:            &rec.FinishedAt,
		Reports:              make([]store.ReportInsert, len(rec.Reports)),
	}
	if b := rec.Build; b != nil {
		p.BuildSuccess = &b.Success
		p.ImageID = b.ImageID
		p.ImageSizeBytes = &b.ImageSizeBytes
	}
	if rec.Run != nil {
		p.ContainerSuccess = &rec.ContainerExecutionSuccess
	}
	for i, r := range rec.Reports {
		p.Reports[i] = store.ReportInsert{Type: string(r.Type), Data: r.Data}
	}
	return p, nil
}

// spoolDir is where results wait while the database is unreachable: one
// folder per environment, so that a flush never writes one environment's
// results into another's database.
func spoolDir(cfg *config.Config) string {
	return filepath.Join(cfg.DataDir, "spool", cfg.Env)
}

// openSpool opens the configured spool directory.
func openSpool(f *Factory) (*spool.Spool, error) {
	cfg, err := f.Config()
	if err != nil {
		return nil, err
	}
	return spool.Open(spoolDir(cfg))
}
