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
	// AWS_EC2_METADATA_SERVICE_ENDPOINT, or the standard address when the
	// machine looks like EC2.
	Endpoint string
	// Timeout bounds the metadata lookup; zero means 500ms, plenty on EC2,
	// where the service answers in about a millisecond.
	Timeout time.Duration
}

// MachineID names the machine janitor runs on, for the results database: the
// EC2 instance ID from the instance metadata service (IMDSv2 only) when on
// EC2, else the host name. It asks the metadata service only when told where
// it is or when the firmware says EC2 (so elsewhere nothing leaves the
// machine), gives up after a short timeout, and never asks with
// AWS_EC2_METADATA_DISABLED=true.
func MachineID(ctx context.Context, o IdentityOptions) string {
	if o.Timeout <= 0 {
		o.Timeout = 500 * time.Millisecond
	}
	ask := o.Endpoint != "" || os.Getenv("AWS_EC2_METADATA_SERVICE_ENDPOINT") != "" || looksLikeEC2(dmiFiles)
	if ask {
		if id := instanceID(ctx, o); id != "" {
			return id
		}
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

// dmiFiles are where Linux shows what the firmware says about the machine:
// "Amazon EC2" on Nitro instances, a UUID starting with "ec2" on Xen ones.
var dmiFiles = []string{
	"/sys/devices/virtual/dmi/id/sys_vendor",
	"/sys/devices/virtual/dmi/id/bios_vendor",
	"/sys/hypervisor/uuid",
}

func looksLikeEC2(files []string) bool {
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		v := strings.ToLower(strings.TrimSpace(string(b)))
		if strings.Contains(v, "amazon ec2") || strings.HasPrefix(v, "ec2") {
			return true
		}
	}
	return false
}
