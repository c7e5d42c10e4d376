package cloud

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/google/uuid"
)

// EnvTag is the tag that ties an instance to a janitor environment.
const EnvTag = "janitor:env"

// Instance states, as EC2 names them.
const (
	StatePending      = "pending"
	StateRunning      = "running"
	StateStopping     = "stopping"
	StateStopped      = "stopped"
	StateShuttingDown = "shutting-down"
	StateTerminated   = "terminated"
)

// ErrNoInstance means no instance carries the environment's tag.
var ErrNoInstance = errors.New("no instance")

// ErrTerminated means the environment's instance is terminated (or on its way).
var ErrTerminated = errors.New("instance terminated")

// Instance is an EC2 instance of one janitor environment.
type Instance struct {
	ID       string
	Env      string
	State    string
	Type     string
	PublicIP string
	// LaunchTime is when the instance last started: EC2 resets it on every
	// start, so uptime and cost count from the latest start.
	LaunchTime       time.Time
	LaunchTemplateID string
}

// Uptime is how long the instance has been up at now; zero unless it is
// pending or running.
func (i Instance) Uptime(now time.Time) time.Duration {
	if (i.State != StateRunning && i.State != StatePending) || i.LaunchTime.IsZero() || now.Before(i.LaunchTime) {
		return 0
	}
	return now.Sub(i.LaunchTime)
}

// Cost estimates the on-demand cost in USD since the latest start, and
// whether the instance type's price is known (see HourlyPrice).
func (i Instance) Cost(now time.Time) (usd float64, known bool) {
	price, ok := HourlyPrice(i.Type)
	if !ok {
		return 0, false
	}
	return price * i.Uptime(now).Hours(), true
}

func (i Instance) terminated() bool {
	return i.State == StateTerminated || i.State == StateShuttingDown
}

// Change is the outcome of a lifecycle call: the instance afterwards, whether
// anything was done, and a line for the user.
type Change struct {
	Instance Instance
	Changed  bool
	Message  string
}

// InstanceFind returns the environment's instance: the one live (not
// terminated) instance tagged janitor:env=env, or, when all are terminated,
// the latest of those. It fails with ErrNoInstance when none carries the tag,
// and when several live ones do.
func (c *Client) InstanceFind(ctx context.Context, env string) (Instance, error) {
	var all []Instance
	p := ec2.NewDescribeInstancesPaginator(c.ec2, &ec2.DescribeInstancesInput{
		Filters: []types.Filter{{Name: aws.String("tag:" + EnvTag), Values: []string{env}}},
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return Instance{}, wrap(fmt.Sprintf("find the instance of environment %q", env), err)
		}
		for _, r := range page.Reservations {
			for _, in := range r.Instances {
				all = append(all, instanceFrom(in, env))
			}
		}
	}
	if len(all) == 0 {
		return Instance{}, fmt.Errorf("%w tagged %s=%s in %s: launch one with janitor launch-instance --env %s", ErrNoInstance, EnvTag, env, c.region, env)
	}
	var live []Instance
	for _, in := range all {
		if !in.terminated() {
			live = append(live, in)
		}
	}
	switch len(live) {
	case 1:
		return live[0], nil
	case 0:
		slices.SortFunc(all, func(a, b Instance) int { return b.LaunchTime.Compare(a.LaunchTime) })
		return all[0], nil
	default:
		ids := make([]string, len(live))
		for i, in := range live {
			ids[i] = in.ID
		}
		return Instance{}, fmt.Errorf("%d instances are tagged %s=%s (%s): terminate the extra ones in the EC2 console", len(live), EnvTag, env, strings.Join(ids, ", "))
	}
}

// LaunchParams say which instance to launch.
type LaunchParams struct {
	Env string
	// LaunchTemplateID is the template terraform made (output launch_template_id).
	LaunchTemplateID string
	// InstanceType overrides the template's type when set.
	InstanceType string
}

// InstanceLaunch starts a new instance from the launch template, tagged with
// the environment. It does nothing when the environment already has a pending
// or running instance, and refuses when it has a stopped one (start that).
func (c *Client) InstanceLaunch(ctx context.Context, p LaunchParams) (Change, error) {
	if p.LaunchTemplateID == "" {
		return Change{}, fmt.Errorf("no launch template for environment %q: run janitor infra apply --env %s first", p.Env, p.Env)
	}
	cur, err := c.InstanceFind(ctx, p.Env)
	switch {
	case errors.Is(err, ErrNoInstance):
	case err != nil:
		return Change{}, err
	case cur.State == StateRunning || cur.State == StatePending:
		return Change{Instance: cur, Message: fmt.Sprintf("instance %s of %s is already %s; nothing launched", cur.ID, p.Env, cur.State)}, nil
	case !cur.terminated():
		return Change{}, fmt.Errorf("instance %s of %s exists and is %s: start it with janitor start-instance --env %s", cur.ID, p.Env, cur.State, p.Env)
	}
	tags := []types.Tag{
		{Key: aws.String(EnvTag), Value: aws.String(p.Env)},
		{Key: aws.String("Name"), Value: aws.String("janitor-" + p.Env)},
	}
	in := &ec2.RunInstancesInput{
		MinCount:       aws.Int32(1),
		MaxCount:       aws.Int32(1),
		LaunchTemplate: &types.LaunchTemplateSpecification{LaunchTemplateId: aws.String(p.LaunchTemplateID), Version: aws.String("$Default")},
		// The template requires IMDSv2 already; saying it again keeps that
		// true even for a template edited by hand.
		MetadataOptions: &types.InstanceMetadataOptionsRequest{
			HttpTokens:   types.HttpTokensStateRequired,
			HttpEndpoint: types.InstanceMetadataEndpointStateEnabled,
		},
		TagSpecifications: []types.TagSpecification{
			{ResourceType: types.ResourceTypeInstance, Tags: tags},
			{ResourceType: types.ResourceTypeVolume, Tags: tags},
		},
		// The same token on the SDK's retries: one launch, however often sent.
		ClientToken: aws.String(uuid.NewString()),
	}
	if p.InstanceType != "" {
		in.InstanceType = types.InstanceType(p.InstanceType)
	}
	out, err := c.ec2.RunInstances(ctx, in)
	if err != nil {
		return Change{}, wrap(fmt.Sprintf("launch an instance for %q from %s", p.Env, p.LaunchTemplateID), err)
	}
	if len(out.Instances) == 0 {
		return Change{}, fmt.Errorf("launch an instance for %q: EC2 returned no instance", p.Env)
	}
	inst := instanceFrom(out.Instances[0], p.Env)
	return Change{Instance: inst, Changed: true, Message: fmt.Sprintf("launched %s (%s) for %s", inst.ID, inst.Type, p.Env)}, nil
}

// InstanceStart starts the environment's stopped instance. A pending or
// running instance is left alone; a stopping one is waited for, then started.
func (c *Client) InstanceStart(ctx context.Context, env string) (Change, error) {
	cur, err := c.findLive(ctx, env)
	if err != nil {
		return Change{}, err
	}
	switch cur.State {
	case StateRunning, StatePending:
		return Change{Instance: cur, Message: fmt.Sprintf("instance %s of %s is already %s", cur.ID, env, cur.State)}, nil
	case StateStopping:
		w := ec2.NewInstanceStoppedWaiter(c.ec2, func(o *ec2.InstanceStoppedWaiterOptions) { o.MinDelay, o.MaxDelay = c.poll, 4*c.poll })
		if err := w.Wait(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{cur.ID}}, waitLimit(ctx)); err != nil {
			return Change{}, wrap(fmt.Sprintf("wait for instance %s to stop before starting it", cur.ID), err)
		}
	}
	out, err := c.ec2.StartInstances(ctx, &ec2.StartInstancesInput{InstanceIds: []string{cur.ID}})
	if err != nil {
		return Change{}, wrap(fmt.Sprintf("start instance %s of %s", cur.ID, env), err)
	}
	cur.State = stateAfter(out.StartingInstances, cur.State)
	return Change{Instance: cur, Changed: true, Message: fmt.Sprintf("starting %s of %s", cur.ID, env)}, nil
}

// InstanceStop stops the environment's instance; its volumes, and with them
// Docker's layer cache, stay. A stopped or stopping instance is left alone; a
// pending one is waited for, then stopped.
func (c *Client) InstanceStop(ctx context.Context, env string) (Change, error) {
	cur, err := c.findLive(ctx, env)
	if err != nil {
		return Change{}, err
	}
	switch cur.State {
	case StateStopped, StateStopping:
		return Change{Instance: cur, Message: fmt.Sprintf("instance %s of %s is already %s", cur.ID, env, cur.State)}, nil
	case StatePending:
		if cur, err = c.InstanceWaitRunning(ctx, cur.ID); err != nil {
			return Change{}, err
		}
	}
	out, err := c.ec2.StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: []string{cur.ID}})
	if err != nil {
		return Change{}, wrap(fmt.Sprintf("stop instance %s of %s", cur.ID, env), err)
	}
	cur.State = stateAfter(out.StoppingInstances, cur.State)
	return Change{Instance: cur, Changed: true, Message: fmt.Sprintf("stopping %s of %s", cur.ID, env)}, nil
}

// InstanceWaitRunning waits until the instance runs, for as long as ctx lets
// it, and returns it then. An instance that terminates meanwhile is an error.
func (c *Client) InstanceWaitRunning(ctx context.Context, id string) (Instance, error) {
	w := ec2.NewInstanceRunningWaiter(c.ec2, func(o *ec2.InstanceRunningWaiterOptions) { o.MinDelay, o.MaxDelay = c.poll, 4*c.poll })
	out, err := w.WaitForOutput(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{id}}, waitLimit(ctx))
	if err != nil {
		return Instance{}, wrap(fmt.Sprintf("wait for instance %s to run", id), err)
	}
	for _, r := range out.Reservations {
		for _, in := range r.Instances {
			return instanceFrom(in, tagValue(in.Tags, EnvTag)), nil
		}
	}
	return Instance{}, fmt.Errorf("wait for instance %s to run: EC2 no longer lists it", id)
}

// findLive is InstanceFind that turns a terminated instance into an error.
func (c *Client) findLive(ctx context.Context, env string) (Instance, error) {
	cur, err := c.InstanceFind(ctx, env)
	if err != nil {
		return Instance{}, err
	}
	if cur.terminated() {
		return Instance{}, fmt.Errorf("%w: instance %s of %s is %s; launch a new one with janitor launch-instance --env %s", ErrTerminated, cur.ID, env, cur.State, env)
	}
	return cur, nil
}

// stateAfter is the state a start or stop call reports, else the old one.
func stateAfter(changes []types.InstanceStateChange, old string) string {
	if len(changes) == 0 || changes[0].CurrentState == nil {
		return old
	}
	return string(changes[0].CurrentState.Name)
}

// waitLimit is the SDK waiters' required maximum: what ctx leaves, or a day.
func waitLimit(ctx context.Context) time.Duration {
	if dl, ok := ctx.Deadline(); ok {
		return max(time.Until(dl), time.Millisecond)
	}
	return 24 * time.Hour
}

func instanceFrom(in types.Instance, env string) Instance {
	i := Instance{
		ID:       aws.ToString(in.InstanceId),
		Env:      env,
		Type:     string(in.InstanceType),
		PublicIP: aws.ToString(in.PublicIpAddress),
	}
	if in.State != nil {
		i.State = string(in.State.Name)
	}
	if in.LaunchTime != nil {
		i.LaunchTime = in.LaunchTime.UTC()
	}
	i.LaunchTemplateID = tagValue(in.Tags, "aws:ec2launchtemplate:id")
	return i
}

func tagValue(tags []types.Tag, key string) string {
	for _, t := range tags {
		if aws.ToString(t.Key) == key {
			return aws.ToString(t.Value)
		}
	}
	return ""
}
