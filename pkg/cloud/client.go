// Package cloud is janitor's AWS adapter and the only package that imports the
// AWS SDK: the GPU instance's lifecycle (EC2, by the janitor:env tag),
// database credentials (Secrets Manager, with a TTL cache), the Aurora
// cluster's endpoints (RDS), the instance's logs (CloudWatch Logs) and the
// identity of the machine janitor runs on (instance metadata).
//
// Every client honours the SDK's standard settings, AWS_ENDPOINT_URL among
// them, so the same code runs against AWS and against a local emulator.
package cloud

import (
	"context"
	"errors"
	"fmt"
	"time"

	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/smithy-go"
)

// Options say how to reach AWS. Empty fields fall back to the SDK's standard
// settings (AWS_REGION, AWS_PROFILE, AWS_ENDPOINT_URL, shared config files,
// instance role).
type Options struct {
	// Region, e.g. us-east-1.
	Region string
	// Profile names a profile of the shared AWS configuration.
	Profile string
	// Endpoint overrides AWS_ENDPOINT_URL for every service.
	Endpoint string
	// AccessKeyID and SecretAccessKey, when both set, are used instead of the
	// credential chain (emulators, tests).
	AccessKeyID, SecretAccessKey string
	// PollInterval is how often waits and log follows ask AWS again; zero
	// means 5 seconds.
	PollInterval time.Duration
}

// Client reaches the AWS services janitor uses in one region.
type Client struct {
	region  string
	poll    time.Duration
	ec2     *ec2.Client
	secrets *secretsmanager.Client
	rds     *rds.Client
	logs    *cloudwatchlogs.Client
}

// New loads the AWS configuration and builds the service clients. It does not
// call AWS.
func New(ctx context.Context, o Options) (*Client, error) {
	var load []func(*config.LoadOptions) error
	if o.Region != "" {
		load = append(load, config.WithRegion(o.Region))
	}
	if o.Profile != "" {
		load = append(load, config.WithSharedConfigProfile(o.Profile))
	}
	if o.Endpoint != "" {
		load = append(load, config.WithBaseEndpoint(o.Endpoint))
	}
	if o.AccessKeyID != "" && o.SecretAccessKey != "" {
		load = append(load, config.WithCredentialsProvider(
			credentials.NewStaticCredentialsProvider(o.AccessKeyID, o.SecretAccessKey, "")))
	}
	cfg, err := config.LoadDefaultConfig(ctx, load...)
	if err != nil {
		return nil, fmt.Errorf("load AWS configuration: %w", err)
	}
	if cfg.Region == "" {
		return nil, errors.New("no AWS region configured: set it for the environment in janitor's config, or export AWS_REGION")
	}
	c := &Client{
		region:  cfg.Region,
		poll:    o.PollInterval,
		ec2:     ec2.NewFromConfig(cfg),
		secrets: secretsmanager.NewFromConfig(cfg),
		rds:     rds.NewFromConfig(cfg),
		logs:    cloudwatchlogs.NewFromConfig(cfg),
	}
	if c.poll <= 0 {
		c.poll = 5 * time.Second
	}
	return c, nil
}

// Region is the region the client talks to.
func (c *Client) Region() string { return c.region }

// ErrCredentials means AWS refused janitor's credentials: missing, expired or
// not valid in this account.
var ErrCredentials = errors.New("AWS rejected the credentials (expired or invalid): refresh them (aws sso login, or new access keys) and try again")

// credentialCodes are the error codes AWS services use for bad credentials.
var credentialCodes = map[string]bool{
	"ExpiredToken":                true,
	"ExpiredTokenException":       true,
	"RequestExpired":              true,
	"InvalidClientTokenId":        true,
	"UnrecognizedClientException": true,
	"InvalidAccessKeyId":          true,
	"AuthFailure":                 true,
	"SignatureDoesNotMatch":       true,
	"InvalidSignatureException":   true,
	"IncompleteSignature":         true,
	"MissingAuthenticationToken":  true,
}

// wrap describes err as the failure of doing; a credentials problem becomes
// ErrCredentials so callers can tell the user what to do.
func wrap(doing string, err error) error {
	var api smithy.APIError
	if errors.As(err, &api) && credentialCodes[api.ErrorCode()] {
		return fmt.Errorf("%s: %w (%s)", doing, ErrCredentials, api.ErrorCode())
	}
	if isNoCredentials(err) {
		return fmt.Errorf("%s: %w", doing, ErrCredentials)
	}
	return fmt.Errorf("%s: %w", doing, err)
}

// isNoCredentials reports whether the SDK could not get credentials to sign
// the request with (none configured, or an SSO session that expired).
func isNoCredentials(err error) bool {
	var signing *v4.SigningError
	return errors.As(err, &signing)
}

// apiCode returns the AWS error code inside err, or "".
func apiCode(err error) string {
	var api smithy.APIError
	if errors.As(err, &api) {
		return api.ErrorCode()
	}
	return ""
}
