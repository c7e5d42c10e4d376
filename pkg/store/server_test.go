package store_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/runpod-workers/janitor/pkg/localdb"
	"github.com/runpod-workers/janitor/pkg/store"
	"github.com/runpod-workers/janitor/pkg/store/storetest"
	"github.com/runpod-workers/janitor/pkg/testenv"
)

func TestServerDSN(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		server store.Server
		want   string
	}{
		{
			name:   "verify-full with the CA bundle, writer only",
			server: store.Server{Host: "janitor-prod.cluster-abc.us-east-1.rds.amazonaws.com", Port: 5432, Database: "janitor", User: "janitor_agent", CABundle: "/etc/janitor/rds.pem", ReadWrite: true},
			want:   `host='janitor-prod.cluster-abc.us-east-1.rds.amazonaws.com' port=5432 dbname='janitor' user='janitor_agent' sslmode=verify-full sslrootcert='/etc/janitor/rds.pem' target_session_attrs=read-write`,
		},
		{
			name:   "TLS required without a bundle, reader",
			server: store.Server{Host: "janitor-prod.cluster-ro-abc.us-east-1.rds.amazonaws.com", Port: 5432, Database: "janitor", User: "janitor_reader"},
			want:   `host='janitor-prod.cluster-ro-abc.us-east-1.rds.amazonaws.com' port=5432 dbname='janitor' user='janitor_reader' sslmode=require`,
		},
		{
			name:   "values are quoted",
			server: store.Server{Host: "h", Port: 6432, Database: "my db", User: `o'brien\x`},
			want:   `host='h' port=6432 dbname='my db' user='o\'brien\\x' sslmode=require`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dsn := tt.server.DSN()
			if dsn != tt.want {
				t.Fatalf("DSN =\n  %s\nwant\n  %s", dsn, tt.want)
			}
			if strings.Contains(dsn, "password") {
				t.Error("the DSN names a password")
			}
		})
	}
	// What pgx makes of it: TLS on, the host name checked when a bundle is given.
	ca := writeCA(t, t.TempDir())
	cfg, err := pgconn.ParseConfig(store.Server{Host: "db.example", Port: 5432, Database: "d", User: "u", CABundle: ca.file, ReadWrite: true}.DSN())
	if err != nil {
		t.Fatal(err)
	}
	if cfg.TLSConfig == nil || cfg.TLSConfig.ServerName != "db.example" || cfg.TLSConfig.RootCAs == nil || cfg.TLSConfig.InsecureSkipVerify {
		t.Errorf("verify-full TLS config = %+v", cfg.TLSConfig)
	}
	if len(cfg.Fallbacks) != 0 {
		t.Errorf("verify-full must not fall back to plain connections: %d fallbacks", len(cfg.Fallbacks))
	}
	if cfg.ValidateConnect == nil {
		t.Error("read-write must check the server is not read-only")
	}
	cfg, err = pgconn.ParseConfig(store.Server{Host: "db.example", Port: 5432, Database: "d", User: "u"}.DSN())
	if err != nil {
		t.Fatal(err)
	}
	if cfg.TLSConfig == nil || len(cfg.Fallbacks) != 0 {
		t.Errorf("require must use TLS with no plain fallback: tls=%v fallbacks=%d", cfg.TLSConfig != nil, len(cfg.Fallbacks))
	}
}

// testCA is a certificate authority made for one test, and the PEM file
// holding its certificate.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	file string
}

func writeCA(t *testing.T, dir string) testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "janitor test CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IsCA:                  true,
		KeyUsage:              x509.KeyUsageCertSign,
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	file := filepath.Join(dir, "ca-"+strconv.FormatInt(time.Now().UnixNano(), 36)+".pem")
	if err := os.WriteFile(file, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	return testCA{cert: cert, key: key, file: file}
}

// serverCert writes a certificate for localhost signed by ca, and its key.
func (ca testCA) serverCert(t *testing.T, certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: "localhost"},
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
}

// tlsPostgres is a PostgreSQL server configured like RDS with
// rds.force_ssl: TCP on 127.0.0.1, TLS required, SCRAM passwords.
type tlsPostgres struct {
	port  int
	ca    testCA
	admin string // superuser DSN over the unix socket (trust)
}

// startTLSPostgres starts its own cluster (the shared test cluster listens
// on a unix socket only, where PostgreSQL has no TLS) with a role "app"
// whose password is "first".
func startTLSPostgres(t *testing.T) *tlsPostgres {
	t.Helper()
	bin, err := localdb.FindBinDir()
	if err != nil {
		testenv.Missing(t, "PostgreSQL server binaries: "+err.Error())
	}
	ctx := t.Context()
	dir, err := os.MkdirTemp("", "janitor-tls-")
	if err != nil {
		t.Fatal(err)
	}
	// The server may run as the postgres user, which must enter this folder.
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	c, err := localdb.New(filepath.Join(dir, "pg"), localdb.Options{Throwaway: true, BinDir: bin})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = c.Destroy(context.Background())
		os.RemoveAll(dir)
	})
	if err := c.Ensure(ctx); err != nil {
		t.Fatal(err)
	}
	admin := c.DSN(localdb.Superuser, "postgres")
	db, err := store.Open(ctx, admin, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	err = db.Exec(ctx, `CREATE ROLE app LOGIN PASSWORD 'first'`)
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Stop(ctx); err != nil {
		t.Fatal(err)
	}

	data := filepath.Join(c.Dir(), "data")
	p := &tlsPostgres{port: freePort(t), ca: writeCA(t, dir), admin: admin}
	p.ca.serverCert(t, filepath.Join(data, "server.crt"), filepath.Join(data, "server.key"))
	hba := "local all " + localdb.Superuser + " trust\nhostssl all all 127.0.0.1/32 scram-sha-256\n"
	if err := os.WriteFile(filepath.Join(data, "pg_hba.conf"), []byte(hba), 0o600); err != nil {
		t.Fatal(err)
	}
	var cred *syscall.Credential
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Fatal(err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		for _, f := range []string{"server.crt", "server.key", "pg_hba.conf"} {
			if err := os.Chown(filepath.Join(data, f), uid, gid); err != nil {
				t.Fatal(err)
			}
		}
	}
	server := fmt.Sprintf("-c listen_addresses=127.0.0.1 -c port=%d -c unix_socket_directories='%s' -c ssl=on -c fsync=off", p.port, c.SocketDir())
	cmd := exec.CommandContext(ctx, filepath.Join(bin, "pg_ctl"), "start", "-w", "-t", "60", "-D", data, "-l", filepath.Join(c.Dir(), "postgres.log"), "-o", server)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Credential: cred}
	cmd.Dir = "/"
	if out, err := cmd.CombinedOutput(); err != nil {
		log, _ := os.ReadFile(filepath.Join(c.Dir(), "postgres.log"))
		t.Fatalf("start PostgreSQL with TLS: %v\n%s\n%s", err, out, log)
	}
	// The unix socket keeps the same name; only the TCP port is new.
	p.admin = strings.Replace(admin, "port=5432", "port="+strconv.Itoa(p.port), 1)
	return p
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// rotatingPassword stands in for the Secrets Manager cache: it hands out the
// password it last fetched until told that it failed.
type rotatingPassword struct {
	mu       sync.Mutex
	cached   string
	current  string
	failures atomic.Int32
}

func (r *rotatingPassword) get(context.Context) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cached == "" {
		r.cached = r.current
	}
	return r.cached, nil
}

func (r *rotatingPassword) invalidate() {
	r.failures.Add(1)
	r.mu.Lock()
	r.cached = ""
	r.mu.Unlock()
}

func (r *rotatingPassword) rotate(pw string) {
	r.mu.Lock()
	r.current = pw
	r.mu.Unlock()
}

// TestSecretCredentialsOverTLS drives the path janitor takes with
// credentials from Secrets Manager against a real PostgreSQL that, like RDS
// with rds.force_ssl, accepts TLS and SCRAM only.
func TestSecretCredentialsOverTLS(t *testing.T) {
	t.Parallel()
	pg := startTLSPostgres(t)
	ctx := t.Context()
	server := store.Server{Host: "localhost", Port: pg.port, Database: "postgres", User: "app", CABundle: pg.ca.file, ReadWrite: true}
	pw := &rotatingPassword{current: "first"}
	opts := func() store.Options {
		return store.Options{ConnectTimeout: 5 * time.Second, Password: pw.get, OnAuthFailure: pw.invalidate, MaxConns: 1, MaxConnLifetime: time.Millisecond}
	}

	t.Run("verify-full with the CA bundle", func(t *testing.T) {
		db, err := store.Open(ctx, server.DSN(), opts())
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		rows, err := db.QueryStrings(ctx, `SELECT ssl, current_user FROM pg_stat_ssl JOIN pg_stat_activity USING (pid) WHERE pid = pg_backend_pid()`)
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 1 || rows[0][0] != "true" || rows[0][1] != "app" {
			t.Errorf("session = %v, want TLS as app", rows)
		}
	})

	t.Run("a server the bundle did not sign is refused", func(t *testing.T) {
		other := server
		other.CABundle = writeCA(t, t.TempDir()).file
		_, err := store.Open(ctx, other.DSN(), opts())
		if err == nil || !strings.Contains(err.Error(), "certificate") {
			t.Errorf("Open with a foreign CA = %v, want a certificate error", err)
		}
	})

	t.Run("TLS without a bundle", func(t *testing.T) {
		plain := server
		plain.CABundle = ""
		db, err := store.Open(ctx, plain.DSN(), opts())
		if err != nil {
			t.Fatal(err)
		}
		db.Close()
	})

	t.Run("the server refuses connections without TLS", func(t *testing.T) {
		dsn := fmt.Sprintf("host=localhost port=%d dbname=postgres user=app sslmode=disable", pg.port)
		_, err := store.Open(ctx, dsn, opts())
		if err == nil || !strings.Contains(err.Error(), "no encryption") {
			t.Errorf("Open without TLS = %v, want the server's refusal", err)
		}
	})

	admin, err := store.Open(ctx, pg.admin, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()

	t.Run("a rotated password is fetched again", func(t *testing.T) {
		db, err := store.Open(ctx, server.DSN(), opts())
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		before := pw.failures.Load()
		if err := admin.RolePasswordSet(ctx, "app", "second"); err != nil {
			t.Fatal(err)
		}
		pw.rotate("second")
		// Connections live a millisecond: this query needs a new one, which
		// the cached (old) password cannot open.
		if _, err := db.QueryStrings(ctx, `SELECT 1`); err != nil {
			t.Fatalf("query after rotation: %v", err)
		}
		if n := pw.failures.Load() - before; n != 1 {
			t.Errorf("the password source heard of %d failures, want 1", n)
		}

		// A new pool with the stale password in the cache recovers too.
		if err := admin.RolePasswordSet(ctx, "app", "third"); err != nil {
			t.Fatal(err)
		}
		pw.rotate("third")
		db2, err := store.Open(ctx, server.DSN(), opts())
		if err != nil {
			t.Fatalf("Open after rotation: %v", err)
		}
		db2.Close()
	})

	t.Run("a wrong password is reported, not retried forever", func(t *testing.T) {
		wrong := &rotatingPassword{current: "not-the-password"}
		o := opts()
		o.Password, o.OnAuthFailure = wrong.get, wrong.invalidate
		_, err := store.Open(ctx, server.DSN(), o)
		if err == nil || !strings.Contains(err.Error(), "password authentication failed: check the credentials") {
			t.Errorf("Open with a wrong password = %v", err)
		}
		if n := wrong.failures.Load(); n != 1 {
			t.Errorf("password source told %d times, want 1", n)
		}
		if strings.Contains(err.Error(), "not-the-password") {
			t.Errorf("error shows the password: %v", err)
		}
	})

	t.Run("the password set is a SCRAM verifier", func(t *testing.T) {
		rows, err := admin.QueryStrings(ctx, `SELECT rolpassword FROM pg_authid WHERE rolname = 'app'`)
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 1 || !strings.HasPrefix(rows[0][0], "SCRAM-SHA-256$4096:") || strings.Contains(rows[0][0], "third") {
			t.Errorf("stored password = %q, want a SCRAM-SHA-256 verifier", rows)
		}
	})
}

func TestRolePasswordSetRefusesEmpty(t *testing.T) {
	t.Parallel()
	d := storetest.New(t)
	admin := d.Open(t, store.RoleAdmin)
	if err := admin.RolePasswordSet(t.Context(), store.AgentRoleName, ""); err == nil {
		t.Error("an empty password was accepted")
	}
}

// TestWritesSurviveFailover: after an Aurora failover the writer's address
// leads to a read-only server for a while; writes fail with SQLSTATE 25006
// while pings still pass. Janitor drops its connections and tries again
// until the new writer answers.
func TestWritesSurviveFailover(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name     string
		dsnExtra string
	}{
		{"plain connections get 25006", ""},
		{"read-write connections refuse the reader", " target_session_attrs=read-write"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := storetest.New(t)
			admin := d.Open(t, store.RoleAdmin)
			ctx := t.Context()
			agent, err := store.Open(ctx, d.Agent+tt.dsnExtra, store.Options{MaxConnLifetime: time.Millisecond, MaxConns: 1, FailoverWait: 20 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			defer agent.Close()
			readOnly := func(on bool) {
				t.Helper()
				v := map[bool]string{true: "on", false: "off"}[on]
				if err := admin.Exec(context.WithoutCancel(ctx), fmt.Sprintf(`ALTER DATABASE %q SET default_transaction_read_only = %s`, d.Name, v)); err != nil {
					t.Error(err)
				}
			}
			readOnly(true)
			done := make(chan struct{})
			go func() {
				defer close(done)
				time.Sleep(time.Second) // the failover completes
				readOnly(false)
			}()
			run := uuid.New()
			err = agent.RunInsert(ctx, store.RunInsertParams{RunID: run, Environment: "dev"})
			<-done
			if err != nil {
				t.Fatalf("RunInsert across the failover: %v", err)
			}
			rows, err := admin.QueryStrings(ctx, `SELECT count(*) FROM validation_runs WHERE run_id = $1`, run)
			if err != nil || rows[0][0] != "1" {
				t.Errorf("run rows = %v, %v; want 1", rows, err)
			}
		})
	}

	t.Run("gives up after FailoverWait", func(t *testing.T) {
		t.Parallel()
		d := storetest.New(t)
		admin := d.Open(t, store.RoleAdmin)
		ctx := t.Context()
		if err := admin.Exec(ctx, fmt.Sprintf(`ALTER DATABASE %q SET default_transaction_read_only = on`, d.Name)); err != nil {
			t.Fatal(err)
		}
		agent, err := store.Open(ctx, d.Agent, store.Options{FailoverWait: time.Second})
		if err != nil {
			t.Fatal(err)
		}
		defer agent.Close()
		err = agent.RunInsert(ctx, store.RunInsertParams{RunID: uuid.New(), Environment: "dev"})
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != "25006" || !strings.Contains(err.Error(), "still read-only after 1s") {
			t.Errorf("RunInsert on a read-only database = %v", err)
		}
	})
}
