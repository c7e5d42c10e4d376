package cloud

import (
	"context"
	"io"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds"
)

// IdentityOptions tune MachineID.
type IdentityOptions struct {
	// Endpoint of the instance metadata service; empty uses
	// AWS_EC2_METADATA_SERVICE_ENDPOINT or the standard address.
	Endpoint string
	// Timeout bounds the metadata lookup; zero means 500ms, plenty on EC2,
	// where the service answers in about a millisecond.
	Timeout time.Duration
}

// MachineID names the machine janitor runs on, for the results database: the
// EC2 instance ID from the instance metadata service (IMDSv2 only) when on
// EC2, else the host name. Off EC2 it gives up after a short timeout; with
// AWS_EC2_METADATA_DISABLED=true it does not ask at all.
func MachineID(ctx context.Context, o IdentityOptions) string {
	if o.Timeout <= 0 {
		o.Timeout = 500 * time.Millisecond
	}
	if id := instanceID(ctx, o); id != "" {
		return id
	}
	host, err := os.Hostname()
	if err != nil || host == "" {
		return "unknown"
	}
	return host
}

func instanceID(ctx context.Context, o IdentityOptions) string {
	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	client := imds.New(imds.Options{
		Endpoint:       o.Endpoint,
		Retryer:        aws.NopRetryer{},
		EnableFallback: aws.FalseTernary,
	})
	out, err := client.GetMetadata(ctx, &imds.GetMetadataInput{Path: "instance-id"})
	if err != nil {
		return ""
	}
	defer out.Content.Close()
	b, err := io.ReadAll(io.LimitReader(out.Content, 256))
	if err != nil {
		return ""
	}
	id := strings.TrimSpace(string(b))
	if !strings.HasPrefix(id, "i-") {
		return ""
	}
	return id
}
