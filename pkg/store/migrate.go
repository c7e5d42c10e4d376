package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	janitorsql "github.com/runpod-workers/janitor/sql"
)

// migrationLockID is the advisory lock key that serialises migrations
// (the first 8 bytes of sha256("janitor migrations") would do as well; any
// fixed number works as long as it never changes).
const migrationLockID int64 = 0x6a616e69746f72 // "janitor"

// Migration is one embedded migration file.
type Migration struct {
	Version  int
	Name     string
	Checksum string
	SQL      string
}

// MigrationState is a migration and whether (and when) it was applied.
type MigrationState struct {
	Migration
	AppliedAt *time.Time
}

var migrationName = regexp.MustCompile(`^(\d{4})_([a-z0-9_]+)\.sql$`)

// Migrations lists the embedded migrations in order.
func Migrations() ([]Migration, error) { return loadMigrations(janitorsql.Migrations, "migrations") }

func loadMigrations(fsys fs.FS, dir string) ([]Migration, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("read embedded migrations: %w", err)
	}
	var out []Migration
	seen := map[int]string{}
	for _, e := range entries {
		m := migrationName.FindStringSubmatch(e.Name())
		if m == nil {
			return nil, fmt.Errorf("migration file %q is not named NNNN_verb_object.sql", e.Name())
		}
		v, _ := strconv.Atoi(m[1])
		if prev, ok := seen[v]; ok {
			return nil, fmt.Errorf("migrations %s and %s share version %d", prev, e.Name(), v)
		}
		seen[v] = e.Name()
		body, err := fs.ReadFile(fsys, path.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		sum := sha256.Sum256(body)
		out = append(out, Migration{Version: v, Name: m[2], Checksum: hex.EncodeToString(sum[:]), SQL: string(body)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	return out, nil
}

const createMigrationTable = `CREATE TABLE IF NOT EXISTS janitor_schema_migrations (
    version     INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    checksum    TEXT NOT NULL,
    applied_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    duration_ms BIGINT NOT NULL
)`

// Migrate applies the pending embedded migrations in order, each in its own
// transaction, under an advisory lock so that concurrent janitors wait for
// each other. Applied migrations are checked against their recorded
// checksums: an edited migration is an error, never silently re-run.
// It returns the migrations it applied (none when up to date).
func (db *DB) Migrate(ctx context.Context) ([]Migration, error) {
	all, err := Migrations()
	if err != nil {
		return nil, err
	}
	// Each migration is a transaction recorded with its version, so running
	// the whole again after a failover applies only what is missing.
	var done []Migration
	err = db.retry(ctx, func() error {
		more, err := db.migrate(ctx, all)
		done = append(done, more...)
		return err
	})
	return done, err
}

func (db *DB) migrate(ctx context.Context, all []Migration) ([]Migration, error) {
	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		return nil, db.connectError(err)
	}
	defer conn.Release()
	// Migrations may run longer than a query's statement timeout.
	if _, err := conn.Exec(ctx, "SET statement_timeout = 0"); err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", migrationLockID); err != nil {
		return nil, fmt.Errorf("migrate: take advisory lock: %w", err)
	}
	defer func() {
		// Unlock even when ctx is cancelled; the lock dies with the session otherwise.
		_, _ = conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", migrationLockID)
	}()
	if _, err := conn.Exec(ctx, createMigrationTable); err != nil {
		return nil, fmt.Errorf("migrate: create janitor_schema_migrations: %w", err)
	}
	applied, err := appliedMigrations(ctx, conn.Conn())
	if err != nil {
		return nil, err
	}
	if err := checkApplied(all, applied); err != nil {
		return nil, err
	}
	var done []Migration
	for _, m := range all {
		if _, ok := applied[m.Version]; ok {
			continue
		}
		start := time.Now()
		err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, m.SQL); err != nil {
				return err
			}
			_, err := tx.Exec(ctx,
				`INSERT INTO janitor_schema_migrations (version, name, checksum, duration_ms) VALUES ($1, $2, $3, $4)`,
				m.Version, m.Name, m.Checksum, time.Since(start).Milliseconds())
			return err
		})
		if err != nil {
			return done, fmt.Errorf("apply migration %04d_%s: %w", m.Version, m.Name, err)
		}
		done = append(done, m)
	}
	return done, nil
}

type appliedRow struct {
	name, checksum string
	at             time.Time
}

func appliedMigrations(ctx context.Context, conn *pgx.Conn) (map[int]appliedRow, error) {
	rows, err := conn.Query(ctx, `SELECT version, name, checksum, applied_at FROM janitor_schema_migrations`)
	if err != nil {
		return nil, fmt.Errorf("read applied migrations: %w", err)
	}
	out := map[int]appliedRow{}
	for rows.Next() {
		var v int
		var r appliedRow
		if err := rows.Scan(&v, &r.name, &r.checksum, &r.at); err != nil {
			return nil, err
		}
		out[v] = r
	}
	return out, rows.Err()
}

func checkApplied(all []Migration, applied map[int]appliedRow) error {
	known := map[int]Migration{}
	for _, m := range all {
		known[m.Version] = m
	}
	for v, r := range applied {
		m, ok := known[v]
		if !ok {
			return fmt.Errorf("the database has migration %04d_%s, which this janitor does not know: upgrade janitor", v, r.name)
		}
		if m.Checksum != r.checksum {
			return fmt.Errorf("migration %04d_%s differs from the one applied to this database (checksum %.12s, applied %.12s): applied migrations must never be edited; restore the file and add a new migration", v, m.Name, m.Checksum, r.checksum)
		}
	}
	return nil
}

// MigrationStatus lists every embedded migration with its applied time, or
// nil when pending. A database never migrated lists all as pending.
func (db *DB) MigrationStatus(ctx context.Context) ([]MigrationState, error) {
	all, err := Migrations()
	if err != nil {
		return nil, err
	}
	var exists bool
	if err := db.pool.QueryRow(ctx, `SELECT to_regclass('janitor_schema_migrations') IS NOT NULL`).Scan(&exists); err != nil {
		return nil, fmt.Errorf("read migration status: %w", err)
	}
	applied := map[int]appliedRow{}
	if exists {
		conn, err := db.pool.Acquire(ctx)
		if err != nil {
			return nil, db.connectError(err)
		}
		applied, err = appliedMigrations(ctx, conn.Conn())
		conn.Release()
		if err != nil {
			return nil, err
		}
		if err := checkApplied(all, applied); err != nil {
			return nil, err
		}
	}
	out := make([]MigrationState, len(all))
	for i, m := range all {
		out[i].Migration = m
		if r, ok := applied[m.Version]; ok {
			at := r.at
			out[i].AppliedAt = &at
		}
	}
	return out, nil
}

// EnsureDatabase creates database name if it does not exist. db must be
// connected as a role that may create databases (the local superuser).
func (db *DB) EnsureDatabase(ctx context.Context, name string) error {
	var exists bool
	if err := db.pool.QueryRow(ctx, `SELECT EXISTS (SELECT FROM pg_database WHERE datname = $1)`, name).Scan(&exists); err != nil {
		return fmt.Errorf("look up database %q: %w", name, err)
	}
	if exists {
		return nil
	}
	_, err := db.pool.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize())
	if err != nil && !isDuplicateDatabase(err) {
		return fmt.Errorf("create database %q: %w", name, err)
	}
	return nil
}

// CreateDatabaseFrom creates database name as a copy of template (tests).
func (db *DB) CreateDatabaseFrom(ctx context.Context, name, template string) error {
	_, err := db.pool.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()+" TEMPLATE "+pgx.Identifier{template}.Sanitize())
	if err != nil {
		return fmt.Errorf("create database %q from %q: %w", name, template, err)
	}
	return nil
}

// DropDatabase drops database name, disconnecting its sessions (tests and
// local-db destroy).
func (db *DB) DropDatabase(ctx context.Context, name string) error {
	_, err := db.pool.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
	if err != nil {
		return fmt.Errorf("drop database %q: %w", name, err)
	}
	return nil
}
