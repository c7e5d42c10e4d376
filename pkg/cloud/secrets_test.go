package cloud

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/runpod-workers/janitor/pkg/cloud/cloudtest"
)

// countingSource is a SecretSource for the cache's own logic: it counts reads
// and can hold one back until released.
type countingSource struct {
	mu     sync.Mutex
	value  string
	err    error
	reads  atomic.Int32
	gate   chan struct{} // when set, reads wait for it
	inRead chan struct{} // when set, receives once a read has begun
}

func (s *countingSource) SecretString(ctx context.Context, id string) (string, error) {
	s.reads.Add(1)
	s.mu.Lock()
	v, err, gate, inRead := s.value, s.err, s.gate, s.inRead
	s.mu.Unlock()
	if inRead != nil {
		select {
		case inRead <- struct{}{}:
		default:
		}
	}
	if gate != nil {
		select {
		case <-gate:
		case <-ctx.Done():
			return "", ctx.Err()
		}
	}
	return v, err
}

func (s *countingSource) set(v string) {
	s.mu.Lock()
	s.value = v
	s.mu.Unlock()
}

type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time      { return c.t }
func (c *fakeClock) add(d time.Duration) { c.t = c.t.Add(d) }
func newCache(src SecretSource) (*SecretCache, *fakeClock) {
	clock := &fakeClock{t: time.Date(2026, 1, 15, 12, 0, 0, 0, time.UTC)}
	c := NewSecretCache(src, time.Minute)
	c.now = clock.now
	return c, clock
}

func TestSecretCacheTTL(t *testing.T) {
	t.Parallel()
	src := &countingSource{value: "v1"}
	cache, clock := newCache(src)
	ctx := t.Context()

	for range 3 {
		if v, err := cache.SecretString(ctx, "s"); err != nil || v != "v1" {
			t.Fatalf("SecretString = %q, %v; want v1", v, err)
		}
	}
	if n := src.reads.Load(); n != 1 {
		t.Fatalf("reads within the TTL = %d, want 1", n)
	}

	src.set("v2")
	clock.add(59 * time.Second)
	if v, _ := cache.SecretString(ctx, "s"); v != "v1" {
		t.Errorf("just before the TTL got %q, want the cached v1", v)
	}
	clock.add(time.Second)
	if v, _ := cache.SecretString(ctx, "s"); v != "v2" {
		t.Errorf("at the TTL got %q, want a fresh v2", v)
	}
	if n := src.reads.Load(); n != 2 {
		t.Errorf("reads = %d, want 2", n)
	}
}

func TestSecretCacheInvalidate(t *testing.T) {
	t.Parallel()
	src := &countingSource{value: "old"}
	cache, _ := newCache(src)
	ctx := t.Context()
	if _, err := cache.SecretString(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	if _, err := cache.SecretString(ctx, "b"); err != nil {
		t.Fatal(err)
	}
	src.set("new")
	cache.Invalidate("a")
	if v, _ := cache.SecretString(ctx, "a"); v != "new" {
		t.Errorf("after Invalidate(a), a = %q, want new", v)
	}
	if v, _ := cache.SecretString(ctx, "b"); v != "old" {
		t.Errorf("Invalidate(a) touched b: %q, want old", v)
	}
}

func TestSecretCacheDoesNotKeepErrors(t *testing.T) {
	t.Parallel()
	src := &countingSource{err: errors.New("throttled")}
	cache, _ := newCache(src)
	if _, err := cache.SecretString(t.Context(), "s"); err == nil {
		t.Fatal("want the source's error")
	}
	src.mu.Lock()
	src.err, src.value = nil, "v"
	src.mu.Unlock()
	if v, err := cache.SecretString(t.Context(), "s"); err != nil || v != "v" {
		t.Errorf("after the error cleared: %q, %v; want v", v, err)
	}
}

func TestSecretCacheSharesConcurrentReads(t *testing.T) {
	t.Parallel()
	src := &countingSource{value: "v", gate: make(chan struct{}), inRead: make(chan struct{}, 1)}
	cache, _ := newCache(src)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Go(func() {
			v, err := cache.SecretString(t.Context(), "s")
			if err == nil && v != "v" {
				err = fmt.Errorf("got %q", v)
			}
			errs <- err
		})
	}
	<-src.inRead
	close(src.gate)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if n := src.reads.Load(); n != 1 {
		t.Errorf("8 concurrent readers made %d reads, want them to share one", n)
	}
}

func TestSecretCacheInvalidateDuringRead(t *testing.T) {
	t.Parallel()
	src := &countingSource{value: "stale", gate: make(chan struct{}), inRead: make(chan struct{}, 1)}
	cache, _ := newCache(src)
	done := make(chan string)
	go func() {
		v, _ := cache.SecretString(t.Context(), "s")
		done <- v
	}()
	<-src.inRead
	cache.Invalidate("s") // the password was rotated while the read was under way
	close(src.gate)
	<-done
	src.mu.Lock()
	src.value, src.gate, src.inRead = "fresh", nil, nil
	src.mu.Unlock()
	if v, _ := cache.SecretString(t.Context(), "s"); v != "fresh" {
		t.Errorf("a read begun before Invalidate put back %q, want fresh", v)
	}
}

// TestSecretsAgainstMoto reads RDS-shaped secrets from Secrets Manager
// (moto), caches them, and refreshes one after it changes.
func TestSecretsAgainstMoto(t *testing.T) {
	t.Parallel()
	srv := cloudtest.Start(t)
	c := newTestClient(t, srv)
	ctx := t.Context()

	agent := `{"engine":"postgres","host":"db.example","port":5432,"username":"janitor_agent","password":"` + testPassword + `","dbname":"janitor"}`
	fx := srv.Fixtures()
	arn := fx.Secret(t, "janitor-test/agent", agent)
	fx.Secret(t, "janitor-test/broken", "user=x password="+testPassword)

	cache := NewSecretCache(c, time.Hour)
	for _, id := range []string{"janitor-test/agent", arn} {
		got, err := cache.Credentials(ctx, id, Endpoint{})
		if err != nil {
			t.Fatalf("Credentials(%s): %v", id, err)
		}
		want := Credentials{Engine: "postgres", Host: "db.example", Port: 5432, Username: "janitor_agent", Password: testPassword, DBName: "janitor"}
		if got != want {
			t.Errorf("Credentials(%s) = %v, want %v", id, got, want)
		}
	}

	rotated := strings.Replace(agent, testPassword, "rotated-password", 1)
	fx.PutSecret(t, arn, rotated)
	if got, _ := cache.Credentials(ctx, arn, Endpoint{}); got.Password != testPassword {
		t.Errorf("within the TTL the cache should still hold the old password")
	}
	cache.Invalidate(arn)
	if got, _ := cache.Credentials(ctx, arn, Endpoint{}); got.Password != "rotated-password" {
		t.Errorf("after Invalidate the cache should read the rotated password")
	}

	_, err := cache.Credentials(ctx, "janitor-test/broken", Endpoint{})
	if !errors.Is(err, ErrSecretShape) || !strings.Contains(err.Error(), `secret "janitor-test/broken": secret is not JSON`) {
		t.Errorf("broken secret: error = %v, want a not-JSON error naming the secret", err)
	}
	if err != nil && strings.Contains(err.Error(), testPassword) {
		t.Errorf("error shows the secret: %v", err)
	}

	_, err = cache.Credentials(ctx, "janitor-test/missing", Endpoint{})
	if !errors.Is(err, ErrSecretNotFound) {
		t.Errorf("missing secret: error = %v, want ErrSecretNotFound", err)
	}
}

// BenchmarkSecretRead compares a read from Secrets Manager (moto on
// loopback) with a read the cache answers.
func BenchmarkSecretRead(b *testing.B) {
	srv := cloudtest.Start(b)
	c, err := New(b.Context(), Options{Region: cloudtest.Region, Endpoint: srv.URL, AccessKeyID: cloudtest.AccessKeyID, SecretAccessKey: cloudtest.SecretAccessKey})
	if err != nil {
		b.Fatal(err)
	}
	srv.Fixtures().Secret(b, "s", `{"username":"u","password":"p"}`)
	b.Run("secretsmanager", func(b *testing.B) {
		for b.Loop() {
			if _, err := c.SecretString(b.Context(), "s"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("cached", func(b *testing.B) {
		cache := NewSecretCache(c, time.Hour)
		for b.Loop() {
			if _, err := cache.SecretString(b.Context(), "s"); err != nil {
				b.Fatal(err)
			}
		}
	})
}
