// Package localdb manages PostgreSQL clusters that janitor owns: the
// zero-config local results database and the throwaway clusters that tests
// start. A cluster is a folder holding the data directory, a private socket
// directory and the server log. It listens on a unix socket only, never TCP.
//
// PostgreSQL refuses to run as root, so when janitor runs as root the server
// runs as the "postgres" system user and the folder is owned by it.
package localdb

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Superuser is the cluster's bootstrap superuser; janitor connects as it to
// create databases and run migrations.
const Superuser = "janitor"

// port only names the socket file: the server has no TCP listener.
const port = 5432

// ErrNoBinaries means the PostgreSQL server programs were not found.
var ErrNoBinaries = errors.New("PostgreSQL server binaries (initdb, pg_ctl, postgres) not found: install them (Debian/Ubuntu: sudo apt-get install -y postgresql) or configure a database URL (--database-url or JANITOR_DATABASE_URL)")

// Options tune a cluster.
type Options struct {
	// Throwaway trades durability for speed (fsync off): for tests.
	Throwaway bool
	// BinDir holds initdb, pg_ctl and postgres; found automatically when empty.
	BinDir string
}

// Cluster is a PostgreSQL cluster in a folder.
type Cluster struct {
	dir  string
	bin  string
	opts Options
	cred *syscall.Credential // set when running as root
	uid  int
	gid  int
}

// Status describes a cluster.
type Status struct {
	Dir         string `json:"dir"`
	Initialized bool   `json:"initialized"`
	Running     bool   `json:"running"`
	PID         int    `json:"pid,omitempty"`
	Socket      string `json:"socket"`
	Version     string `json:"version,omitempty"`
	BinDir      string `json:"bin_dir"`
}

// New describes the cluster in dir; nothing is created until Ensure.
func New(dir string, opts Options) (*Cluster, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("local database folder %q: %w", dir, err)
	}
	bin := opts.BinDir
	if bin == "" {
		if bin, err = FindBinDir(); err != nil {
			return nil, err
		}
	}
	c := &Cluster{dir: abs, bin: bin, opts: opts, uid: -1, gid: -1}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			return nil, fmt.Errorf("PostgreSQL cannot run as root and there is no \"postgres\" user to run it as: create one (useradd -r postgres) or run janitor as an ordinary user")
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		c.uid, c.gid = uid, gid
		c.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	}
	return c, nil
}

// FindBinDir looks for the PostgreSQL server programs on PATH, then in the
// Debian/Ubuntu location /usr/lib/postgresql/<version>/bin (newest first).
func FindBinDir() (string, error) {
	if p, err := exec.LookPath("pg_ctl"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			p = real
		}
		dir := filepath.Dir(p)
		if _, err := os.Stat(filepath.Join(dir, "initdb")); err == nil {
			return dir, nil
		}
	}
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/pg_ctl")
	sort.Slice(matches, func(i, j int) bool {
		return versionOf(matches[i]) > versionOf(matches[j])
	})
	for _, m := range matches {
		dir := filepath.Dir(m)
		if _, err := os.Stat(filepath.Join(dir, "initdb")); err == nil {
			return dir, nil
		}
	}
	return "", ErrNoBinaries
}

func versionOf(pgctl string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(pgctl))))
	return v
}

// Dir is the cluster's folder.
func (c *Cluster) Dir() string { return c.dir }

func (c *Cluster) dataDir() string   { return filepath.Join(c.dir, "data") }
func (c *Cluster) socketDir() string { return filepath.Join(c.dir, "run") }
func (c *Cluster) logFile() string   { return filepath.Join(c.dir, "postgres.log") }

// SocketDir is where the server's unix socket lives.
func (c *Cluster) SocketDir() string { return c.socketDir() }

// DSN is a connection string for user to database over the unix socket.
func (c *Cluster) DSN(user, database string) string {
	return fmt.Sprintf("host=%s port=%d user=%s dbname=%s sslmode=disable", c.socketDir(), port, user, database)
}

// Initialized reports whether the data directory exists.
func (c *Cluster) Initialized() bool {
	_, err := os.Stat(filepath.Join(c.dataDir(), "PG_VERSION"))
	return err == nil
}

// Ensure initialises the cluster if needed and starts it if it is not
// running. Concurrent callers (two janitor processes) are serialised by a
// lock file in the cluster folder.
func (c *Cluster) Ensure(ctx context.Context) error {
	if err := os.MkdirAll(c.dir, 0o755); err != nil {
		return fmt.Errorf("create local database folder %s: %w", c.dir, err)
	}
	unlock, err := c.lock(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	if !c.Initialized() {
		if err := c.initdb(ctx); err != nil {
			return err
		}
	}
	if st, _ := c.running(ctx); st {
		return nil
	}
	return c.start(ctx)
}

func (c *Cluster) lock(ctx context.Context) (func(), error) {
	f, err := os.OpenFile(filepath.Join(c.dir, ".lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock local database: %w", err)
	}
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() { _ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN); f.Close() }, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			f.Close()
			return nil, fmt.Errorf("lock local database: %w", err)
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func (c *Cluster) chown(paths ...string) error {
	if c.cred == nil {
		return nil
	}
	for _, p := range paths {
		if err := os.Chown(p, c.uid, c.gid); err != nil {
			return fmt.Errorf("give %s to the postgres user: %w", p, err)
		}
	}
	return nil
}

func (c *Cluster) initdb(ctx context.Context) error {
	for _, d := range []string{c.dataDir(), c.socketDir()} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return fmt.Errorf("create %s: %w", d, err)
		}
	}
	if err := c.chown(c.dir, c.dataDir(), c.socketDir()); err != nil {
		return err
	}
	if c.cred != nil {
		if err := checkTraversable(c.dir); err != nil {
			return err
		}
	}
	_, err := c.cmd(ctx, "initdb", InitdbArgs(c.dataDir())...)
	if err != nil {
		os.RemoveAll(c.dataDir())
		return fmt.Errorf("initialise local database in %s: %w", c.dataDir(), err)
	}
	return nil
}

// InitdbArgs is initdb's argv (without the program) for a data directory.
func InitdbArgs(dataDir string) []string {
	return []string{"-D", dataDir, "-U", Superuser, "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync"}
}

// StartArgs is pg_ctl's argv (without the program) to start a cluster.
func StartArgs(dataDir, socketDir, logFile string, throwaway bool) []string {
	server := fmt.Sprintf("-c listen_addresses='' -c unix_socket_directories='%s' -c port=%d -c unix_socket_permissions=0700", socketDir, port)
	if throwaway {
		server += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
	}
	return []string{"start", "-w", "-t", "60", "-D", dataDir, "-l", logFile, "-o", server}
}

func (c *Cluster) start(ctx context.Context) error {
	if err := os.MkdirAll(c.socketDir(), 0o700); err != nil {
		return err
	}
	if err := c.chown(c.socketDir()); err != nil {
		return err
	}
	// The log file must be writable by the server's user.
	if f, err := os.OpenFile(c.logFile(), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600); err == nil {
		f.Close()
		if err := c.chown(c.logFile()); err != nil {
			return err
		}
	}
	if _, err := c.cmd(ctx, "pg_ctl", StartArgs(c.dataDir(), c.socketDir(), c.logFile(), c.opts.Throwaway)...); err != nil {
		return fmt.Errorf("start local database (log: %s): %w%s", c.logFile(), err, c.logTail())
	}
	return nil
}

func (c *Cluster) logTail() string {
	b, err := os.ReadFile(c.logFile())
	if err != nil || len(b) == 0 {
		return ""
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) > 5 {
		lines = lines[len(lines)-5:]
	}
	return "\n  " + strings.Join(lines, "\n  ")
}

func (c *Cluster) running(ctx context.Context) (bool, int) {
	if !c.Initialized() {
		return false, 0
	}
	out, err := c.cmd(ctx, "pg_ctl", "status", "-D", c.dataDir())
	if err != nil {
		return false, 0
	}
	// pg_ctl: server is running (PID: 1234)
	if i := strings.Index(out, "PID: "); i >= 0 {
		rest := out[i+5:]
		if j := strings.IndexByte(rest, ')'); j > 0 {
			pid, _ := strconv.Atoi(rest[:j])
			return true, pid
		}
	}
	return true, 0
}

// Status reports whether the cluster exists and runs.
func (c *Cluster) Status(ctx context.Context) Status {
	st := Status{Dir: c.dir, Initialized: c.Initialized(), Socket: c.socketDir(), BinDir: c.bin}
	st.Running, st.PID = c.running(ctx)
	if b, err := os.ReadFile(filepath.Join(c.dataDir(), "PG_VERSION")); err == nil {
		st.Version = strings.TrimSpace(string(b))
	}
	return st
}

// Stop shuts the server down (fast mode); stopping a stopped cluster is fine.
func (c *Cluster) Stop(ctx context.Context) error {
	if ok, _ := c.running(ctx); !ok {
		return nil
	}
	if _, err := c.cmd(ctx, "pg_ctl", "stop", "-w", "-m", "fast", "-D", c.dataDir()); err != nil {
		return fmt.Errorf("stop local database: %w", err)
	}
	return nil
}

// Destroy stops the server and removes the whole folder.
func (c *Cluster) Destroy(ctx context.Context) error {
	if err := c.Stop(ctx); err != nil {
		return err
	}
	if err := os.RemoveAll(c.dir); err != nil {
		return fmt.Errorf("remove local database folder %s: %w", c.dir, err)
	}
	return nil
}

func (c *Cluster) cmd(ctx context.Context, prog string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, filepath.Join(c.bin, prog), args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	// The server must not inherit the caller's session: it outlives janitor.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Credential: c.cred}
	cmd.Dir = "/"
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	cmd.WaitDelay = 5 * time.Second
	err := cmd.Run()
	if err != nil {
		msg := strings.TrimSpace(out.String())
		if msg != "" {
			return out.String(), fmt.Errorf("%s: %w: %s", prog, err, msg)
		}
		return out.String(), fmt.Errorf("%s: %w", prog, err)
	}
	return out.String(), nil
}

// checkTraversable makes sure the postgres user can reach dir: every parent
// must be searchable by others.
func checkTraversable(dir string) error {
	for p := filepath.Dir(dir); ; p = filepath.Dir(p) {
		fi, err := os.Stat(p)
		if err != nil {
			return err
		}
		if fi.Mode().Perm()&0o001 == 0 {
			return fmt.Errorf("the postgres user cannot enter %s (mode %v): choose a data directory outside it (--data-dir or JANITOR_DATA_DIR) or chmod o+x %s", p, fi.Mode().Perm(), p)
		}
		if p == "/" || p == "." {
			return nil
		}
	}
}
