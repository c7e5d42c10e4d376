package cloud

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"golang.org/x/sync/singleflight"
)

// ErrSecretNotFound means Secrets Manager has no such secret (or no value in it).
var ErrSecretNotFound = errors.New("secret not found")

// SecretString returns the current value of a secret (name or ARN).
func (c *Client) SecretString(ctx context.Context, id string) (string, error) {
	out, err := c.secrets.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(id)})
	if err != nil {
		if apiCode(err) == "ResourceNotFoundException" {
			return "", fmt.Errorf("read secret %q in %s: %w: check the secret ID, or run janitor infra apply", id, c.region, ErrSecretNotFound)
		}
		return "", wrap(fmt.Sprintf("read secret %q", id), err)
	}
	if out.SecretString == nil {
		return "", fmt.Errorf("read secret %q: %w: it holds binary data, not the RDS JSON shape", id, ErrSecretShape)
	}
	return *out.SecretString, nil
}

// SecretSource reads secrets; *Client is one.
type SecretSource interface {
	SecretString(ctx context.Context, id string) (string, error)
}

// DefaultSecretTTL is how long a SecretCache trusts a value it read.
const DefaultSecretTTL = 5 * time.Minute

// SecretCache keeps secret values in memory for a while, so that opening
// database connections does not ask Secrets Manager every time. When a
// password stops working (it was rotated), Invalidate makes the next read go
// to Secrets Manager again. Concurrent reads of one secret share one request.
type SecretCache struct {
	src   SecretSource
	ttl   time.Duration
	now   func() time.Time
	group singleflight.Group

	mu      sync.Mutex
	entries map[string]cacheEntry
	// gen counts invalidations, so a read that began before one does not
	// put the stale value back.
	gen map[string]uint64
}

type cacheEntry struct {
	value   string
	fetched time.Time
}

// NewSecretCache caches what src reads for ttl (DefaultSecretTTL when zero).
func NewSecretCache(src SecretSource, ttl time.Duration) *SecretCache {
	if ttl <= 0 {
		ttl = DefaultSecretTTL
	}
	return &SecretCache{src: src, ttl: ttl, now: time.Now, entries: map[string]cacheEntry{}, gen: map[string]uint64{}}
}

// SecretString returns the secret's value, from memory while it is fresh.
func (s *SecretCache) SecretString(ctx context.Context, id string) (string, error) {
	if v, ok := s.fresh(id); ok {
		return v, nil
	}
	v, err, _ := s.group.Do(id, func() (any, error) {
		// A read that finished between the check above and now has
		// filled the entry already.
		if v, ok := s.fresh(id); ok {
			return v, nil
		}
		s.mu.Lock()
		gen := s.gen[id]
		s.mu.Unlock()
		v, err := s.src.SecretString(ctx, id)
		if err != nil {
			return "", err
		}
		s.mu.Lock()
		if s.gen[id] == gen {
			s.entries[id] = cacheEntry{value: v, fetched: s.now()}
		}
		s.mu.Unlock()
		return v, nil
	})
	if err != nil {
		return "", err
	}
	return v.(string), nil
}

func (s *SecretCache) fresh(id string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.entries[id]
	if !ok || s.now().Sub(e.fetched) >= s.ttl {
		return "", false
	}
	return e.value, true
}

// Credentials reads the secret and parses it (see ParseCredentials).
func (s *SecretCache) Credentials(ctx context.Context, id string, fallback Endpoint) (Credentials, error) {
	v, err := s.SecretString(ctx, id)
	if err != nil {
		return Credentials{}, err
	}
	c, err := ParseCredentials(v, fallback)
	if err != nil {
		return Credentials{}, fmt.Errorf("secret %q: %w", id, err)
	}
	return c, nil
}

// Invalidate forgets the secret's value, so the next read fetches it again.
func (s *SecretCache) Invalidate(id string) {
	s.mu.Lock()
	delete(s.entries, id)
	s.gen[id]++
	s.mu.Unlock()
	// Readers arriving now must not join a request that began before.
	s.group.Forget(id)
}
