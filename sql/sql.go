// Package sql holds janitor's database migrations, embedded into the binary.
// Files are named NNNN_verb_object.sql and are never edited once merged: a
// change is a new migration.
package sql

import "embed"

// Migrations are the migration files, in sql/migrations.
//
//go:embed migrations/*.sql
var Migrations embed.FS
