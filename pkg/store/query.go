package store

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

const validationListSQL = `
SELECT rv.id, rv.validation_uuid, rv.run_id, vr.environment, rv.repository_name, rv.organization,
       rv.validation_status, rv.validation_type, rv.build_success, rv.container_execution_success,
       rv.gpu_available, rv.cuda_detected, COALESCE(rv.error_message, ''), rv.execution_time_seconds,
       COALESCE(rv.commit_sha, ''), rv.image_size_bytes, rv.duration_ms, rv.created_at, rv.completed_at
FROM repository_validations rv
JOIN validation_runs vr ON vr.run_id = rv.run_id
WHERE rv.repository_name = $1
  AND ($2 = '' OR rv.organization = $2)
  AND ($3 = '' OR vr.environment = $3)
ORDER BY rv.created_at DESC, rv.id DESC
LIMIT $4`

const validationStreakSQL = `
WITH last_ok AS (
    SELECT max(rv.created_at) AS at
    FROM repository_validations rv
    JOIN validation_runs vr ON vr.run_id = rv.run_id
    WHERE rv.repository_name = $1 AND ($2 = '' OR rv.organization = $2)
      AND ($3 = '' OR vr.environment = $3) AND rv.validation_status = 'success'
)
SELECT (SELECT at FROM last_ok),
       (SELECT min(rv.created_at)
        FROM repository_validations rv
        JOIN validation_runs vr ON vr.run_id = rv.run_id
        WHERE rv.repository_name = $1 AND ($2 = '' OR rv.organization = $2)
          AND ($3 = '' OR vr.environment = $3) AND rv.validation_status = 'failed'
          AND rv.created_at > COALESCE((SELECT at FROM last_ok), '-infinity'))`

const runListSQL = `
SELECT r.run_id, r.environment, COALESCE(r.instance_id, ''), r.started_at, r.completed_at, r.status,
       r.repository_count, r.trigger_source, c.total, c.successful
FROM (
    SELECT * FROM validation_runs
    WHERE ($1 = '' OR environment = $1) AND ($2 = '' OR status = $2)
    ORDER BY started_at DESC, id DESC
    LIMIT $3
) r
CROSS JOIN LATERAL (
    SELECT count(*) AS total, count(*) FILTER (WHERE validation_status = 'success') AS successful
    FROM repository_validations rv WHERE rv.run_id = r.run_id
) c
ORDER BY r.started_at DESC, r.id DESC`

// QuerySQL is the SQL behind the read methods, keyed by method name, so
// that benchmarks can EXPLAIN exactly what janitor runs.
func QuerySQL() map[string]string {
	return map[string]string{
		"ValidationList":   validationListSQL,
		"ValidationStreak": validationStreakSQL,
		"RunList":          runListSQL,
	}
}

// Validation is one stored repository result.
type Validation struct {
	ID                   int64      `json:"id"`
	ValidationUUID       uuid.UUID  `json:"validation_uuid"`
	RunID                uuid.UUID  `json:"run_id"`
	Environment          string     `json:"environment"`
	Repository           string     `json:"repository_name"`
	Organization         string     `json:"organization"`
	Status               string     `json:"validation_status"`
	Type                 string     `json:"validation_type"`
	BuildSuccess         *bool      `json:"build_success"`
	ContainerSuccess     *bool      `json:"container_execution_success"`
	GPUAvailable         *bool      `json:"gpu_available"`
	CUDADetected         *bool      `json:"cuda_detected"`
	ErrorMessage         string     `json:"error_message"`
	ExecutionTimeSeconds *int       `json:"execution_time_seconds"`
	CommitSHA            string     `json:"commit_sha"`
	ImageSizeBytes       *int64     `json:"image_size_bytes"`
	DurationMs           *int64     `json:"duration_ms"`
	CreatedAt            time.Time  `json:"created_at"`
	CompletedAt          *time.Time `json:"completed_at"`
}

// ValidationListParams select a repository's history.
type ValidationListParams struct {
	Repository   string
	Organization string // any when empty
	Environment  string // any when empty
	Limit        int
}

// ValidationList returns a repository's validations, newest first.
func (db *DB) ValidationList(ctx context.Context, p ValidationListParams) ([]Validation, error) {
	if p.Limit <= 0 {
		p.Limit = 10
	}
	var out []Validation
	err := db.retry(ctx, func() error {
		rows, err := db.pool.Query(ctx, validationListSQL, p.Repository, p.Organization, p.Environment, p.Limit)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (Validation, error) {
			var v Validation
			err := r.Scan(&v.ID, &v.ValidationUUID, &v.RunID, &v.Environment, &v.Repository, &v.Organization,
				&v.Status, &v.Type, &v.BuildSuccess, &v.ContainerSuccess, &v.GPUAvailable, &v.CUDADetected,
				&v.ErrorMessage, &v.ExecutionTimeSeconds, &v.CommitSHA, &v.ImageSizeBytes, &v.DurationMs,
				&v.CreatedAt, &v.CompletedAt)
			return v, err
		})
		return err
	})
	if err != nil {
		return nil, db.queryError("list validations", err)
	}
	return out, nil
}

// Streak answers "since when": the last success and, when the repository
// has not succeeded since, the first result after it.
type Streak struct {
	LastSuccess  *time.Time `json:"last_success"`
	FailingSince *time.Time `json:"failing_since"`
}

// ValidationStreak computes the Streak of one repository.
func (db *DB) ValidationStreak(ctx context.Context, p ValidationListParams) (Streak, error) {
	var s Streak
	err := db.retry(ctx, func() error {
		return db.pool.QueryRow(ctx, validationStreakSQL,
			p.Repository, p.Organization, p.Environment).Scan(&s.LastSuccess, &s.FailingSince)
	})
	if err != nil {
		return s, db.queryError("compute validation streak", err)
	}
	return s, nil
}

// RunSummary is a run with its repository counts.
type RunSummary struct {
	RunID           uuid.UUID  `json:"run_id"`
	Environment     string     `json:"environment"`
	InstanceID      string     `json:"instance_id"`
	StartedAt       time.Time  `json:"started_at"`
	CompletedAt     *time.Time `json:"completed_at"`
	Status          string     `json:"status"`
	RepositoryCount *int       `json:"repository_count"`
	TriggerSource   string     `json:"trigger_source"`
	Total           int        `json:"total_repos"`
	Successful      int        `json:"successful_repos"`
}

// RunListParams select recent runs.
type RunListParams struct {
	Environment string // any when empty
	Status      string // any when empty
	Limit       int
}

// RunList returns recent runs, newest first, with total and successful
// repository counts.
func (db *DB) RunList(ctx context.Context, p RunListParams) ([]RunSummary, error) {
	if p.Limit <= 0 {
		p.Limit = 20
	}
	var out []RunSummary
	err := db.retry(ctx, func() error {
		rows, err := db.pool.Query(ctx, runListSQL, p.Environment, p.Status, p.Limit)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (RunSummary, error) {
			var s RunSummary
			err := r.Scan(&s.RunID, &s.Environment, &s.InstanceID, &s.StartedAt, &s.CompletedAt, &s.Status,
				&s.RepositoryCount, &s.TriggerSource, &s.Total, &s.Successful)
			return s, err
		})
		return err
	})
	if err != nil {
		return nil, db.queryError("list runs", err)
	}
	return out, nil
}
