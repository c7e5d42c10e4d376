// Package store is janitor's results database: the pgx connection pool, the
// embedded migrations, and every query. It is the only package with SQL and
// the only one that imports pgx.
package store

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/cenkalti/backoff/v5"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Role is one of the database roles janitor connects as.
type Role string

// The roles. Writes go through the agent, queries through the reader and
// migrations through the admin.
const (
	RoleAgent  Role = "agent"
	RoleReader Role = "reader"
	RoleAdmin  Role = "admin"
)

// The database roles the migrations create.
const (
	AgentRoleName  = "janitor_agent"
	ReaderRoleName = "janitor_reader"
)

// Options tune Open.
type Options struct {
	// ConnectTimeout bounds the whole connect-with-retries; default 10s.
	ConnectTimeout time.Duration
	// StatementTimeout is the server-side statement timeout; default 30s.
	StatementTimeout time.Duration
	// MaxConns caps the pool; default 4.
	MaxConns int32
	// MaxConnLifetime caps how long a connection is reused; default 30m.
	MaxConnLifetime time.Duration
	// Password, when set, is asked for the password before every new
	// connection, so that credentials from a secret store never appear in a
	// connection string and are refreshed when they rotate.
	Password func(ctx context.Context) (string, error)
	// OnAuthFailure is called when the server rejects the password, so a
	// cached credential can be dropped; the connection or query is then
	// tried once more.
	OnAuthFailure func()
	// AttemptTimeout bounds one connection attempt (dial, TLS, login);
	// default min(ConnectTimeout, 5s). A paused Aurora Serverless v2 cluster
	// holds the first connection 15-30 s while it resumes.
	AttemptTimeout time.Duration
	// FailoverWait is how long a write that hit a read-only server (SQLSTATE
	// 25006, an Aurora failover) keeps being retried on fresh connections;
	// default 30s.
	FailoverWait time.Duration
}

// DB is a connection pool to the results database.
type DB struct {
	pool *pgxpool.Pool
	// where names the server for error messages, never with a password.
	where         string
	onAuthFailure func()
	failoverWait  time.Duration
}

// Open connects to the database at dsn (a URL or key=value string), retrying
// with capped exponential backoff while the server is unreachable.
// Authentication and configuration errors are not retried.
func Open(ctx context.Context, dsn string, opts Options) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		// pgx's parse errors can quote the string; never echo it.
		return nil, fmt.Errorf("database URL is not valid: %s", redactParseError(err))
	}
	if opts.ConnectTimeout == 0 {
		opts.ConnectTimeout = 10 * time.Second
	}
	if opts.StatementTimeout == 0 {
		opts.StatementTimeout = 30 * time.Second
	}
	if opts.MaxConns == 0 {
		opts.MaxConns = 4
	}
	if opts.MaxConnLifetime == 0 {
		opts.MaxConnLifetime = 30 * time.Minute
	}
	if opts.AttemptTimeout == 0 {
		opts.AttemptTimeout = min(opts.ConnectTimeout, 5*time.Second)
	}
	if opts.FailoverWait == 0 {
		opts.FailoverWait = 30 * time.Second
	}
	cc := cfg.ConnConfig
	if _, ok := cc.RuntimeParams["application_name"]; !ok {
		cc.RuntimeParams["application_name"] = "janitor"
	}
	cc.RuntimeParams["statement_timeout"] = fmt.Sprint(opts.StatementTimeout.Milliseconds())
	if cc.ConnectTimeout == 0 || cc.ConnectTimeout > opts.ConnectTimeout {
		cc.ConnectTimeout = opts.AttemptTimeout
	}
	cfg.MaxConns = opts.MaxConns
	cfg.MaxConnLifetime = opts.MaxConnLifetime
	if opts.Password != nil {
		pw := opts.Password
		cfg.BeforeConnect = func(ctx context.Context, c *pgx.ConnConfig) error {
			p, err := pw(ctx)
			if err != nil {
				return fmt.Errorf("get database password: %w", err)
			}
			c.Password = p
			return nil
		}
	}
	db := &DB{where: describe(cc), onAuthFailure: opts.OnAuthFailure, failoverWait: opts.FailoverWait}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", db.where, err)
	}
	db.pool = pool

	attempts := 0
	authRetried := false
	start := time.Now()
	b := backoff.NewExponentialBackOff()
	b.InitialInterval = 100 * time.Millisecond
	b.MaxInterval = 2 * time.Second
	_, err = backoff.Retry(ctx, func() (struct{}, error) {
		attempts++
		err := pool.Ping(ctx)
		if err == nil {
			return struct{}{}, nil
		}
		if isAuthFailure(err) && opts.OnAuthFailure != nil && !authRetried {
			// A rotated password: drop the cached one and try once more.
			opts.OnAuthFailure()
			authRetried = true
			return struct{}{}, err
		}
		if !retryable(err) {
			return struct{}{}, backoff.Permanent(err)
		}
		return struct{}{}, err
	}, backoff.WithBackOff(b), backoff.WithMaxElapsedTime(opts.ConnectTimeout))
	if err != nil {
		pool.Close()
		if attempts > 1 {
			err = fmt.Errorf("%w (gave up after %d attempts in %s)", err, attempts, time.Since(start).Round(100*time.Millisecond))
		}
		return nil, db.connectError(err)
	}
	return db, nil
}

// Close releases every connection.
func (db *DB) Close() { db.pool.Close() }

// Where describes the server (host, port, database, user), without secrets.
func (db *DB) Where() string { return db.where }

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.pool.Ping(ctx); err != nil {
		return db.connectError(err)
	}
	return nil
}

func describe(cc *pgx.ConnConfig) string {
	host := cc.Host
	if strings.HasPrefix(host, "/") {
		host = "unix socket " + host
	} else {
		host = net.JoinHostPort(host, fmt.Sprint(cc.Port))
	}
	return fmt.Sprintf("database %q at %s as %q", cc.Database, host, cc.User)
}

// ErrUnreachable marks errors where the database could not be reached at
// all (as opposed to a query that failed): results should be spooled.
var ErrUnreachable = errors.New("database unreachable")

type connectErr struct {
	where string
	err   error
}

func (e *connectErr) Error() string {
	msg := e.err.Error()
	var pgErr *pgconn.PgError
	switch {
	case errors.As(e.err, &pgErr) && pgErr.Code == "28P01":
		return fmt.Sprintf("connect to %s: password authentication failed: check the credentials for this environment", e.where)
	case errors.As(e.err, &pgErr) && pgErr.Code == "3D000":
		return fmt.Sprintf("connect to %s: the database does not exist: create it, or check the database name in the URL", e.where)
	case errors.As(e.err, &pgErr) && pgErr.Code == "28000":
		return fmt.Sprintf("connect to %s: %s: check the role and pg_hba.conf", e.where, pgErr.Message)
	}
	return fmt.Sprintf("connect to %s: %s", e.where, redactParseError(errors.New(msg)))
}

func (e *connectErr) Unwrap() []error {
	if retryable(e.err) {
		return []error{e.err, ErrUnreachable}
	}
	return []error{e.err}
}

func (db *DB) connectError(err error) error {
	var ce *connectErr
	if errors.As(err, &ce) {
		return err
	}
	return &connectErr{where: db.where, err: err}
}

func isAuthFailure(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "28P01"
}

// retryable reports whether a connect error may go away by itself: the
// server is down, starting, or out of connections.
func retryable(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "57P03", // cannot_connect_now: starting up
			"53300", // too_many_connections
			"57P01", // admin_shutdown
			"08006", "08001", "08004":
			return true
		}
		return false
	}
	if errors.Is(err, context.Canceled) {
		return false
	}
	// A certificate that does not verify will not verify on the next try.
	var certErr *tls.CertificateVerificationError
	var hostErr x509.HostnameError
	var authErr x509.UnknownAuthorityError
	if errors.As(err, &certErr) || errors.As(err, &hostErr) || errors.As(err, &authErr) {
		return false
	}
	// Dial errors, timeouts and resets arrive as *pgconn.ConnectError
	// wrapping a net error.
	var netErr net.Error
	var connErr *pgconn.ConnectError
	return errors.As(err, &netErr) || errors.As(err, &connErr) || errors.Is(err, context.DeadlineExceeded)
}

// redactParseError removes anything that looks like a password from pgx's
// error text.
func redactParseError(err error) string {
	s := err.Error()
	if i := strings.Index(s, "://"); i >= 0 {
		if at := strings.Index(s[i:], "@"); at > 0 {
			cred := s[i+3 : i+at]
			if c := strings.IndexByte(cred, ':'); c >= 0 {
				s = s[:i+3] + cred[:c] + ":xxxxx" + s[i+at:]
			}
		}
	}
	if i := strings.Index(s, "password="); i >= 0 {
		end := strings.IndexAny(s[i:], " &'\"")
		if end < 0 {
			end = len(s) - i
		}
		s = s[:i] + "password=xxxxx" + s[i+end:]
	}
	return s
}
