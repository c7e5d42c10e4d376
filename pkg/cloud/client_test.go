package cloud

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/runpod-workers/janitor/pkg/cloud/cloudtest"
)

// setEnviron applies srv's AWS_* settings to this process (not parallel).
func setEnviron(t *testing.T, srv *cloudtest.Server) {
	t.Helper()
	for _, kv := range srv.Environ() {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
}

// TestClientHonoursEndpointURL: with no endpoint option, every service goes
// where AWS_ENDPOINT_URL says, like the SDK's other standard settings.
func TestClientHonoursEndpointURL(t *testing.T) {
	srv := cloudtest.Start(t)
	setEnviron(t, srv)
	c, err := New(t.Context(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if c.Region() != cloudtest.Region {
		t.Errorf("region = %q, want AWS_REGION's %q", c.Region(), cloudtest.Region)
	}
	ctx := t.Context()
	srv.Fixtures().Secret(t, "s", "v")
	if v, err := c.SecretString(ctx, "s"); err != nil || v != "v" {
		t.Errorf("SecretString = %q, %v", v, err)
	}
	if _, err := c.InstanceFind(ctx, "dev"); !errors.Is(err, ErrNoInstance) {
		t.Errorf("EC2 through AWS_ENDPOINT_URL: %v, want ErrNoInstance", err)
	}
	if _, err := c.DBClusterFind(ctx, "nope"); err == nil || !strings.Contains(err.Error(), "no Aurora cluster") {
		t.Errorf("RDS through AWS_ENDPOINT_URL: %v", err)
	}
	if err := c.Logs(ctx, LogsParams{Group: "/nope"}, func(LogEvent) error { return nil }); err == nil || !strings.Contains(err.Error(), "not found") {
		t.Errorf("CloudWatch Logs through AWS_ENDPOINT_URL: %v", err)
	}
}

// TestClientRejectedCredentials: moto with authentication on refuses keys it
// never issued, as AWS refuses expired ones. (Secrets Manager is left out:
// moto answers its JSON protocol with an XML error body the SDK cannot read.)
func TestClientRejectedCredentials(t *testing.T) {
	t.Parallel()
	srv := cloudtest.Start(t, cloudtest.WithAuth())
	c := newTestClient(t, srv)
	ctx := t.Context()
	checks := map[string]error{}
	_, checks["ec2"] = c.InstanceFind(ctx, "dev")
	_, checks["rds"] = c.DBClusterFind(ctx, "janitor-dev")
	for name, err := range checks {
		if !errors.Is(err, ErrCredentials) {
			t.Errorf("%s: %v, want ErrCredentials", name, err)
		}
		if err != nil && !strings.Contains(err.Error(), "refresh them") {
			t.Errorf("%s: %q does not say what to do", name, err)
		}
	}
}

func TestClientNeedsRegion(t *testing.T) {
	t.Setenv("AWS_REGION", "")
	t.Setenv("AWS_DEFAULT_REGION", "")
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_CONFIG_FILE", os.DevNull)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", os.DevNull)
	_, err := New(t.Context(), Options{})
	if err == nil || !strings.Contains(err.Error(), "no AWS region configured") {
		t.Errorf("New without a region: %v", err)
	}
}
