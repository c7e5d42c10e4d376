// Package cloudtest runs moto_server, a local AWS emulator, for tests: one
// server per call on a free 127.0.0.1 port, stopped when the test ends, and
// puts into it what terraform would have made (Fixtures). It is pkg/cloud's
// test helper, so it may use the AWS SDK; other packages' tests use it
// instead of importing the SDK themselves.
package cloudtest

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/runpod-workers/janitor/pkg/testenv"
)

// Fake credentials and the region the tests use. moto accepts any keys unless
// authentication is switched on (WithAuth).
const (
	AccessKeyID     = "testing"
	SecretAccessKey = "testing"
	Region          = "us-east-1"
)

// Server is a running moto_server.
type Server struct {
	// URL is the server's base URL, the value for AWS_ENDPOINT_URL.
	URL string

	cmd  *exec.Cmd
	out  *syncBuffer
	done chan struct{}
}

type config struct {
	auth bool
}

// Option changes how Start runs moto.
type Option func(*config)

// WithAuth makes moto check credentials like AWS does: requests signed with
// keys it never issued fail with InvalidClientTokenId or
// UnrecognizedClientException, which is how tests see "expired credentials".
func WithAuth() Option {
	return func(c *config) { c.auth = true }
}

// Start runs moto_server for the rest of the test. Without moto_server it
// calls testenv.Missing, which skips locally and fails in CI.
func Start(tb testing.TB, opts ...Option) *Server {
	tb.Helper()
	var cfg config
	for _, o := range opts {
		o(&cfg)
	}
	bin, err := exec.LookPath("moto_server")
	if err != nil {
		testenv.Missing(tb, "moto_server is not on PATH: install it with pip install 'moto[server]'")
	}
	// The port is free when we look; another process may take it before moto
	// binds it, so a failed start is retried on a fresh port.
	var lastErr error
	for range 3 {
		s, err := start(tb, bin, cfg)
		if err == nil {
			tb.Cleanup(s.stop)
			return s
		}
		lastErr = err
	}
	tb.Fatalf("start moto_server: %v", lastErr)
	return nil
}

func start(tb testing.TB, bin string, cfg config) (*Server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	s := &Server{
		URL:  "http://127.0.0.1:" + strconv.Itoa(port),
		out:  &syncBuffer{},
		done: make(chan struct{}),
	}
	s.cmd = exec.Command(bin, "-H", "127.0.0.1", "-p", strconv.Itoa(port))
	// AWS-managed IAM policies (AmazonSSMManagedInstanceCore) exist in every
	// account; moto only knows them when asked to load them.
	s.cmd.Env = append(os.Environ(), "MOTO_IAM_LOAD_MANAGED_POLICIES=true")
	if cfg.auth {
		s.cmd.Env = append(s.cmd.Env, "INITIAL_NO_AUTH_ACTION_COUNT=0")
	}
	s.cmd.Stdout = s.out
	s.cmd.Stderr = s.out
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("run %s: %w", bin, err)
	}
	go func() {
		_ = s.cmd.Wait()
		close(s.done)
	}()
	ctx, cancel := context.WithTimeout(tb.Context(), 30*time.Second)
	defer cancel()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-s.done:
			return nil, fmt.Errorf("moto_server exited: %s", s.out.String())
		case <-ctx.Done():
			s.stop()
			return nil, fmt.Errorf("moto_server did not answer on %s within 30s: %s", s.URL, s.out.String())
		case <-tick.C:
			if s.ping(ctx) {
				return s, nil
			}
		}
	}
}

func (s *Server) ping(ctx context.Context) bool {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.URL+"/moto-api/", nil)
	if err != nil {
		return false
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// stop interrupts moto, then kills it if it has not gone after five seconds.
func (s *Server) stop() {
	select {
	case <-s.done:
		return
	default:
	}
	_ = s.cmd.Process.Signal(os.Interrupt)
	select {
	case <-s.done:
	case <-time.After(5 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
}

// Reset clears everything moto holds (POST /moto-api/reset).
func (s *Server) Reset(tb testing.TB) {
	tb.Helper()
	req, err := http.NewRequestWithContext(tb.Context(), http.MethodPost, s.URL+"/moto-api/reset", nil)
	if err != nil {
		tb.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatalf("reset moto: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		tb.Fatalf("reset moto: %s", resp.Status)
	}
}

// Environ is the environment that points AWS clients (the SDK, terraform,
// the aws CLI) at this server with fake credentials.
func (s *Server) Environ() []string {
	return []string{
		"AWS_ENDPOINT_URL=" + s.URL,
		"AWS_ACCESS_KEY_ID=" + AccessKeyID,
		"AWS_SECRET_ACCESS_KEY=" + SecretAccessKey,
		"AWS_REGION=" + Region,
		"AWS_DEFAULT_REGION=" + Region,
		"AWS_EC2_METADATA_DISABLED=true",
		// A profile from the developer's own configuration must not win.
		"AWS_PROFILE=",
		"AWS_CONFIG_FILE=" + os.DevNull,
		"AWS_SHARED_CREDENTIALS_FILE=" + os.DevNull,
	}
}

// Log is what moto printed so far, for failure messages.
func (s *Server) Log() string { return s.out.String() }

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// syncBuffer keeps the last 64 KiB of moto's output.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf.Write(p)
	if over := b.buf.Len() - 64<<10; over > 0 {
		b.buf.Next(over)
	}
	return len(p), nil
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
