package cloudtest

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	logtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// Fixtures puts things into moto that janitor reads but never creates
// (terraform does): launch templates, secrets, log events.
type Fixtures struct {
	ec2     *ec2.Client
	secrets *secretsmanager.Client
	logs    *cloudwatchlogs.Client
}

// Fixtures returns the fixture maker for this server.
func (s *Server) Fixtures() *Fixtures {
	cfg := aws.Config{
		Region:       Region,
		BaseEndpoint: aws.String(s.URL),
		Credentials:  credentials.NewStaticCredentialsProvider(AccessKeyID, SecretAccessKey, ""),
	}
	return &Fixtures{ec2: ec2.NewFromConfig(cfg), secrets: secretsmanager.NewFromConfig(cfg), logs: cloudwatchlogs.NewFromConfig(cfg)}
}

// LaunchTemplate creates a launch template like terraform's (g5.xlarge,
// IMDSv2 required) with an Ubuntu AMI from moto's catalogue, and returns its ID.
func (f *Fixtures) LaunchTemplate(tb testing.TB, name string) string {
	tb.Helper()
	ctx := tb.Context()
	imgs, err := f.ec2.DescribeImages(ctx, &ec2.DescribeImagesInput{
		Owners:  []string{"099720109477"},
		Filters: []types.Filter{{Name: aws.String("name"), Values: []string{"ubuntu/images/hvm-ssd/*"}}},
	})
	if err != nil || len(imgs.Images) == 0 {
		tb.Fatalf("find an Ubuntu AMI in moto: %v", err)
	}
	lt, err := f.ec2.CreateLaunchTemplate(ctx, &ec2.CreateLaunchTemplateInput{
		LaunchTemplateName: aws.String(name),
		LaunchTemplateData: &types.RequestLaunchTemplateData{
			ImageId:         imgs.Images[0].ImageId,
			InstanceType:    types.InstanceTypeG5Xlarge,
			MetadataOptions: &types.LaunchTemplateInstanceMetadataOptionsRequest{HttpTokens: types.LaunchTemplateHttpTokensStateRequired},
		},
	})
	if err != nil {
		tb.Fatalf("create launch template: %v", err)
	}
	return aws.ToString(lt.LaunchTemplate.LaunchTemplateId)
}

// Instance describes one instance: its state and whether it requires IMDSv2.
func (f *Fixtures) Instance(tb testing.TB, id string) (state string, imdsv2 bool) {
	tb.Helper()
	out, err := f.ec2.DescribeInstances(tb.Context(), &ec2.DescribeInstancesInput{InstanceIds: []string{id}})
	if err != nil || len(out.Reservations) == 0 {
		tb.Fatalf("describe instance %s: %v", id, err)
	}
	in := out.Reservations[0].Instances[0]
	return string(in.State.Name), in.MetadataOptions != nil && in.MetadataOptions.HttpTokens == types.HttpTokensStateRequired
}

// Terminate terminates an instance.
func (f *Fixtures) Terminate(tb testing.TB, id string) {
	tb.Helper()
	if _, err := f.ec2.TerminateInstances(tb.Context(), &ec2.TerminateInstancesInput{InstanceIds: []string{id}}); err != nil {
		tb.Fatalf("terminate %s: %v", id, err)
	}
}

// RunTagged starts an instance from the template tagged janitor:env=env
// behind janitor's back (a second one, to test that janitor notices).
func (f *Fixtures) RunTagged(tb testing.TB, templateID, env string) {
	tb.Helper()
	_, err := f.ec2.RunInstances(tb.Context(), &ec2.RunInstancesInput{
		MinCount: aws.Int32(1), MaxCount: aws.Int32(1),
		LaunchTemplate: &types.LaunchTemplateSpecification{LaunchTemplateId: aws.String(templateID)},
		TagSpecifications: []types.TagSpecification{{ResourceType: types.ResourceTypeInstance,
			Tags: []types.Tag{{Key: aws.String("janitor:env"), Value: aws.String(env)}}}},
	})
	if err != nil {
		tb.Fatalf("run an instance: %v", err)
	}
}

// Secret creates a secret and returns its ARN.
func (f *Fixtures) Secret(tb testing.TB, name, value string) string {
	tb.Helper()
	out, err := f.secrets.CreateSecret(tb.Context(), &secretsmanager.CreateSecretInput{Name: aws.String(name), SecretString: aws.String(value)})
	if err != nil {
		tb.Fatalf("create secret %s: %v", name, err)
	}
	return aws.ToString(out.ARN)
}

// PutSecret gives a secret a new value (a rotation).
func (f *Fixtures) PutSecret(tb testing.TB, id, value string) {
	tb.Helper()
	if _, err := f.secrets.PutSecretValue(tb.Context(), &secretsmanager.PutSecretValueInput{SecretId: aws.String(id), SecretString: aws.String(value)}); err != nil {
		tb.Fatalf("put secret %s: %v", id, err)
	}
}

// LogGroup creates a log group with the given streams.
func (f *Fixtures) LogGroup(tb testing.TB, group string, streams ...string) {
	tb.Helper()
	ctx := tb.Context()
	if _, err := f.logs.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String(group)}); err != nil {
		tb.Fatalf("create log group %s: %v", group, err)
	}
	for _, s := range streams {
		if _, err := f.logs.CreateLogStream(ctx, &cloudwatchlogs.CreateLogStreamInput{LogGroupName: aws.String(group), LogStreamName: aws.String(s)}); err != nil {
			tb.Fatalf("create log stream %s: %v", s, err)
		}
	}
}

// LogEvents appends messages to a stream, one millisecond apart from at.
func (f *Fixtures) LogEvents(tb testing.TB, group, stream string, at time.Time, msgs ...string) {
	tb.Helper()
	events := make([]logtypes.InputLogEvent, len(msgs))
	for i, m := range msgs {
		events[i] = logtypes.InputLogEvent{Message: aws.String(m), Timestamp: aws.Int64(at.Add(time.Duration(i) * time.Millisecond).UnixMilli())}
	}
	if _, err := f.logs.PutLogEvents(tb.Context(), &cloudwatchlogs.PutLogEventsInput{
		LogGroupName: aws.String(group), LogStreamName: aws.String(stream), LogEvents: events,
	}); err != nil {
		tb.Fatalf("put log events: %v", err)
	}
}
