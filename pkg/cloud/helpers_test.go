package cloud

import (
	"testing"
	"time"

	"github.com/runpod-workers/janitor/pkg/cloud/cloudtest"
)

// newTestClient is a Client for srv that polls quickly.
func newTestClient(t *testing.T, srv *cloudtest.Server) *Client {
	t.Helper()
	c, err := New(t.Context(), Options{
		Region:          cloudtest.Region,
		Endpoint:        srv.URL,
		AccessKeyID:     cloudtest.AccessKeyID,
		SecretAccessKey: cloudtest.SecretAccessKey,
		PollInterval:    20 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}
