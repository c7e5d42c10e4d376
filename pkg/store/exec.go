package store

import (
	"context"
	"database/sql/driver"
	"fmt"
)

// Exec runs SQL that returns no rows: for migrations in tests, benchmarks
// and the seed tool. Query commands never use it.
func (db *DB) Exec(ctx context.Context, sql string, args ...any) error {
	return db.retry(ctx, func() error {
		_, err := db.pool.Exec(ctx, sql, args...)
		return err
	})
}

// QueryStrings runs a query and returns every value as text: for checking
// hand-written SQL (the contract queries) in tests and benchmarks.
func (db *DB) QueryStrings(ctx context.Context, sql string, args ...any) ([][]string, error) {
	var out [][]string
	err := db.retry(ctx, func() (err error) {
		out, err = db.queryStrings(ctx, sql, args...)
		return err
	})
	return out, err
}

func (db *DB) queryStrings(ctx context.Context, sql string, args ...any) ([][]string, error) {
	rows, err := db.pool.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out [][]string
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			return nil, err
		}
		row := make([]string, len(vals))
		for i, v := range vals {
			row[i] = text(v)
		}
		out = append(out, row)
	}
	return out, rows.Err()
}

func text(v any) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case [16]byte:
		return fmt.Sprintf("%x-%x-%x-%x-%x", x[0:4], x[4:6], x[6:8], x[8:10], x[10:16])
	case driver.Valuer:
		if dv, err := x.Value(); err == nil {
			return text(dv)
		}
		return fmt.Sprint(x)
	case fmt.Stringer:
		return x.String()
	default:
		return fmt.Sprint(x)
	}
}
