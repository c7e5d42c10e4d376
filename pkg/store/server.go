package store

import (
	"context"
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Server locates a database server reached over TCP with TLS, whose
// password comes from elsewhere (Options.Password): an AWS RDS or Aurora
// database whose credentials are in Secrets Manager.
type Server struct {
	Host     string
	Port     int
	Database string
	User     string
	// CABundle is a PEM file of the CAs that signed the server's
	// certificate (the RDS bundle). With it the server's certificate and host
	// name are verified (verify-full); without it TLS is still required but
	// the server is not authenticated.
	CABundle string
	// ReadWrite refuses servers that are read-only: after an Aurora failover
	// the old writer's address can briefly lead to a reader.
	ReadWrite bool
}

// DSN is the key=value connection string for the server, with no password.
func (s Server) DSN() string {
	kv := []string{
		"host=" + quoteDSN(s.Host),
		"port=" + strconv.Itoa(s.Port),
		"dbname=" + quoteDSN(s.Database),
		"user=" + quoteDSN(s.User),
	}
	if s.CABundle != "" {
		kv = append(kv, "sslmode=verify-full", "sslrootcert="+quoteDSN(s.CABundle))
	} else {
		kv = append(kv, "sslmode=require")
	}
	if s.ReadWrite {
		kv = append(kv, "target_session_attrs=read-write")
	}
	return strings.Join(kv, " ")
}

// quoteDSN quotes a value for a key=value connection string.
func quoteDSN(v string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(v) + "'"
}

// SQLSTATEs that janitor handles itself.
const (
	codeInvalidPassword = "28P01" // invalid_password
	codeReadOnly        = "25006" // read_only_sql_transaction
)

// readOnly reports whether err says the server is read-only: a write on it
// (25006), or a new connection that target_session_attrs=read-write refused.
func readOnly(err error) bool {
	return hasCode(err, codeReadOnly) || errors.Is(err, pgconn.ErrReadOnlyConnection)
}

func hasCode(err error, code string) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == code
}

// retry runs fn, which must be safe to repeat (janitor's writes are
// idempotent), and repeats it when the failure is one janitor can fix:
//
//   - the server rejected the password (28P01): the password source is told
//     (OnAuthFailure, which drops a cached secret) and fn runs once more;
//   - a write hit a read-only server (25006, or a new connection refused by
//     target_session_attrs=read-write): after an Aurora failover the pooled
//     connections lead to the old writer, now a reader, while pings still
//     pass. Every pooled connection is discarded and fn runs again, with
//     backoff, until the new writer answers or FailoverWait is over.
func (db *DB) retry(ctx context.Context, fn func() error) error {
	err := fn()
	if err == nil {
		return nil
	}
	if hasCode(err, codeInvalidPassword) && db.onAuthFailure != nil {
		db.onAuthFailure()
		return fn()
	}
	if !readOnly(err) {
		return err
	}
	deadline := time.Now().Add(db.failoverWait)
	wait := 250 * time.Millisecond
	for {
		db.pool.Reset()
		if time.Now().Add(wait).After(deadline) {
			return fmt.Errorf("%w (still read-only after %s: the database is failing over or is a replica)", err, db.failoverWait)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
		wait = min(2*wait, 4*time.Second)
		next := fn()
		// Until the new writer is reachable, reconnecting can also fail: a
		// read-only server refused by target_session_attrs, or no server.
		if next == nil || !(readOnly(next) || retryable(next)) {
			return next
		}
		err = next
	}
}

// RolePasswordSet sets a login role's password. Only a SCRAM-SHA-256
// verifier computed here travels to the server, so the password itself
// appears in no statement, log or pg_stat_activity. db must be connected as
// a role allowed to alter it (the admin).
func (db *DB) RolePasswordSet(ctx context.Context, role, password string) error {
	if password == "" {
		return fmt.Errorf("set password of role %q: the password is empty", role)
	}
	verifier, err := scramVerifier(password)
	if err != nil {
		return fmt.Errorf("set password of role %q: %w", role, err)
	}
	// ALTER ROLE takes no bound parameters; the verifier is base64 and '$'
	// only, and the role is quoted as an identifier.
	stmt := "ALTER ROLE " + pgx.Identifier{role}.Sanitize() + " WITH PASSWORD '" + verifier + "'"
	err = db.retry(ctx, func() error {
		_, err := db.pool.Exec(ctx, stmt)
		return err
	})
	if err != nil {
		return db.queryError(fmt.Sprintf("set password of role %q", role), err)
	}
	return nil
}

// scramVerifier computes the SCRAM-SHA-256 verifier PostgreSQL stores for a
// password (RFC 5802/7677, the format of pg_authid.rolpassword), with
// PostgreSQL's default 4096 iterations. Passwords are used as given: janitor's
// are ASCII, for which SASLprep changes nothing.
func scramVerifier(password string) (string, error) {
	const iterations = 4096
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("make a salt: %w", err)
	}
	salted, err := pbkdf2.Key(sha256.New, password, salt, iterations, sha256.Size)
	if err != nil {
		return "", fmt.Errorf("derive the key: %w", err)
	}
	mac := func(key []byte, msg string) []byte {
		h := hmac.New(sha256.New, key)
		h.Write([]byte(msg))
		return h.Sum(nil)
	}
	stored := sha256.Sum256(mac(salted, "Client Key"))
	server := mac(salted, "Server Key")
	b64 := base64.StdEncoding.EncodeToString
	return fmt.Sprintf("SCRAM-SHA-256$%d:%s$%s:%s", iterations, b64(salt), b64(stored[:]), b64(server)), nil
}
