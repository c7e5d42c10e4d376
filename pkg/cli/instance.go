package cli

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/runpod-workers/janitor/pkg/cloud"
	"github.com/runpod-workers/janitor/pkg/config"
	"github.com/runpod-workers/janitor/pkg/tableprinter"
)

// instanceOptions serve launch-instance, start-instance, stop-instance and
// instance-status.
type instanceOptions struct {
	f            *Factory
	instanceType string
	wait         time.Duration
	output       string
	// healthURL is where the API answers on inst; tests point it at loopback.
	healthURL func(inst cloud.Instance, port int) string
	// poll is how often the health check asks again.
	poll time.Duration
}

func newInstanceOptions(f *Factory) *instanceOptions {
	return &instanceOptions{f: f, healthURL: publicHealthURL, poll: 5 * time.Second, output: "table"}
}

func publicHealthURL(inst cloud.Instance, port int) string {
	return "http://" + net.JoinHostPort(inst.PublicIP, strconv.Itoa(port)) + "/health"
}

func newLaunchInstanceCmd(f *Factory) *cobra.Command {
	opts := newInstanceOptions(f)
	cmd := &cobra.Command{
		Use:   "launch-instance [--instance-type <type>] [--wait <duration>]",
		Short: "Launch the environment's GPU instance from its launch template",
		Long: `Launch a GPU instance from the launch template janitor infra apply made, tagged
janitor:env=<env>, wait until it runs and janitor's API answers /health on it.
With an instance already running this does nothing; a stopped one is started
with janitor start-instance instead. The API must be reachable from here
(api_ingress_cidrs in terraform/env/<env>.tfvars); --wait 0 skips the health wait.`,
		Example: `  janitor launch-instance --env dev
  janitor launch-instance --env prod --instance-type g6.xlarge --wait 20m`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if opts.wait < 0 {
				return usageErrorf("--wait must not be negative")
			}
			return runLaunchInstance(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.instanceType, "instance-type", "", "EC2 instance type (default: the environment's, else the template's g5.xlarge)")
	cmd.Flags().DurationVar(&opts.wait, "wait", 15*time.Minute, "how long to wait for the instance and its API (0: do not wait for the API)")
	return cmd
}

func runLaunchInstance(ctx context.Context, opts *instanceOptions) error {
	envName, env, err := awsEnv(opts.f)
	if err != nil {
		return err
	}
	if env.AWS.LaunchTemplateID == "" {
		return fmt.Errorf("environment %q has no launch template: run janitor infra apply --env %s first", envName, envName)
	}
	c, err := opts.f.AWS(ctx, "")
	if err != nil {
		return err
	}
	typ := opts.instanceType
	if typ == "" {
		typ = env.AWS.InstanceType
	}
	ch, err := c.InstanceLaunch(ctx, cloud.LaunchParams{Env: envName, LaunchTemplateID: env.AWS.LaunchTemplateID, InstanceType: typ})
	if err != nil {
		return err
	}
	fmt.Fprintln(opts.f.IO.ErrOut, ch.Message)
	if ch.Changed {
		cfg, _ := opts.f.Config()
		if err := config.Set(cfg.File, map[string]any{"environments." + envName + ".aws.instance_id": ch.Instance.ID}); err != nil {
			return fmt.Errorf("instance %s launched, but: %w", ch.Instance.ID, err)
		}
	}
	inst, err := waitRunning(ctx, opts, c, ch.Instance)
	if err != nil {
		return err
	}
	if opts.wait > 0 {
		if err := waitHealthy(ctx, opts, inst, env.AWS.APIPort); err != nil {
			return err
		}
	}
	return printInstance(opts, envName, inst)
}

// envClient is the selected environment's name and an AWS client for it.
func envClient(ctx context.Context, f *Factory) (string, *cloud.Client, error) {
	envName, _, err := awsEnv(f)
	if err != nil {
		return "", nil, err
	}
	c, err := f.AWS(ctx, "")
	return envName, c, err
}

// waitRunning waits, within --wait (at least five minutes), for inst to run.
func waitRunning(ctx context.Context, opts *instanceOptions, c *cloud.Client, inst cloud.Instance) (cloud.Instance, error) {
	if inst.State == cloud.StateRunning && inst.PublicIP != "" {
		return inst, nil
	}
	wctx, cancel := context.WithTimeout(ctx, max(opts.wait, 5*time.Minute))
	defer cancel()
	return c.InstanceWaitRunning(wctx, inst.ID)
}

// waitHealthy polls the API's /health until it answers 200, within --wait.
func waitHealthy(ctx context.Context, opts *instanceOptions, inst cloud.Instance, port int) error {
	if port == 0 {
		port = 8080
	}
	if inst.PublicIP == "" {
		return fmt.Errorf("instance %s has no public IP address, so its API cannot be checked from here: use --wait 0, or janitor logs --env %s", inst.ID, inst.Env)
	}
	url := opts.healthURL(inst, port)
	wctx, cancel := context.WithTimeout(ctx, opts.wait)
	defer cancel()
	client := &http.Client{Timeout: 5 * time.Second}
	fmt.Fprintf(opts.f.IO.ErrOut, "waiting for %s ...\n", url)
	tick := time.NewTicker(opts.poll)
	defer tick.Stop()
	for {
		req, err := http.NewRequestWithContext(wctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		if resp, err := client.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-wctx.Done():
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return fmt.Errorf("instance %s runs, but its API at %s did not answer within %s: check that api_ingress_cidrs in terraform/env/%s.tfvars admits you, and janitor logs --env %s", inst.ID, url, opts.wait, inst.Env, inst.Env)
		case <-tick.C:
		}
	}
}

func newStartInstanceCmd(f *Factory) *cobra.Command {
	opts := newInstanceOptions(f)
	cmd := &cobra.Command{
		Use:   "start-instance [--wait <duration>]",
		Short: "Start the environment's stopped GPU instance",
		Long: `Start the instance tagged janitor:env=<env> and wait until it runs. Starting a
running instance does nothing. Its volumes, and Docker's layer cache on them,
are as they were when it stopped.`,
		Example: `  janitor start-instance --env dev`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runStartInstance(cmd.Context(), opts)
		},
	}
	cmd.Flags().DurationVar(&opts.wait, "wait", 5*time.Minute, "how long to wait for the instance to run (0: do not wait)")
	return cmd
}

func runStartInstance(ctx context.Context, opts *instanceOptions) error {
	envName, c, err := envClient(ctx, opts.f)
	if err != nil {
		return err
	}
	ch, err := c.InstanceStart(ctx, envName)
	if err != nil {
		return err
	}
	fmt.Fprintln(opts.f.IO.ErrOut, ch.Message)
	inst := ch.Instance
	if opts.wait > 0 {
		if inst, err = waitRunning(ctx, opts, c, inst); err != nil {
			return err
		}
	}
	return printInstance(opts, envName, inst)
}

func newStopInstanceCmd(f *Factory) *cobra.Command {
	opts := newInstanceOptions(f)
	return &cobra.Command{
		Use:   "stop-instance",
		Short: "Stop the environment's GPU instance (its volumes stay)",
		Long: `Stop the instance tagged janitor:env=<env>. It costs nothing while stopped
except its volumes; janitor start-instance brings it back with Docker's cache
intact. Stopping a stopped instance does nothing.`,
		Example: `  janitor stop-instance --env dev`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runStopInstance(cmd.Context(), opts)
		},
	}
}

func runStopInstance(ctx context.Context, opts *instanceOptions) error {
	envName, c, err := envClient(ctx, opts.f)
	if err != nil {
		return err
	}
	ch, err := c.InstanceStop(ctx, envName)
	if err != nil {
		return err
	}
	fmt.Fprintln(opts.f.IO.ErrOut, ch.Message)
	return nil
}

func newInstanceStatusCmd(f *Factory) *cobra.Command {
	opts := newInstanceOptions(f)
	cmd := &cobra.Command{
		Use:   "instance-status",
		Short: "Show the environment's GPU instance: state, address, uptime, cost so far",
		Long: `Show the instance tagged janitor:env=<env>: its state, type, public IP, when it
last started, and the estimated on-demand cost since then (us-east-1 list
prices; unknown types show no estimate).`,
		Example: `  janitor instance-status --env dev
  janitor instance-status -o json | jq -r .public_ip`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkOutput(opts.output); err != nil {
				return err
			}
			return runInstanceStatus(cmd.Context(), opts)
		},
	}
	addOutputFlag(cmd, &opts.output)
	return cmd
}

func runInstanceStatus(ctx context.Context, opts *instanceOptions) error {
	envName, c, err := envClient(ctx, opts.f)
	if err != nil {
		return err
	}
	inst, err := c.InstanceFind(ctx, envName)
	if err != nil {
		return err
	}
	return printInstance(opts, envName, inst)
}

// instanceRow is the JSON of an instance; its field names are an API.
type instanceRow struct {
	InstanceID       string   `json:"instance_id"`
	Environment      string   `json:"environment"`
	State            string   `json:"state"`
	InstanceType     string   `json:"instance_type"`
	PublicIP         string   `json:"public_ip"`
	LaunchedAt       *string  `json:"launched_at"`
	UptimeMs         int64    `json:"uptime_ms"`
	HourlyPriceUSD   *float64 `json:"hourly_price_usd"`
	EstimatedCostUSD *float64 `json:"estimated_cost_usd"`
}

func printInstance(opts *instanceOptions, env string, inst cloud.Instance) error {
	io := opts.f.IO
	now := opts.f.Now()
	row := instanceRow{
		InstanceID:   inst.ID,
		Environment:  env,
		State:        inst.State,
		InstanceType: inst.Type,
		PublicIP:     inst.PublicIP,
		UptimeMs:     inst.Uptime(now).Milliseconds(),
	}
	if !inst.LaunchTime.IsZero() {
		at := inst.LaunchTime.UTC().Format(time.RFC3339)
		row.LaunchedAt = &at
	}
	if price, ok := cloud.HourlyPrice(inst.Type); ok {
		cost, _ := inst.Cost(now)
		row.HourlyPriceUSD, row.EstimatedCostUSD = &price, &cost
	}
	if opts.output == "json" {
		return writeJSON(io.Out, row)
	}
	tty := io.IsStdoutTTY()
	launched, uptime, cost := "-", "-", "unknown"
	if !inst.LaunchTime.IsZero() {
		launched = timeCell(tty, inst.LaunchTime, now)
	}
	if d := inst.Uptime(now); d > 0 {
		uptime = durationCell(d)
	}
	if row.EstimatedCostUSD != nil {
		cost = fmt.Sprintf("$%.2f ($%.3f/h)", *row.EstimatedCostUSD, *row.HourlyPriceUSD)
	}
	ip := inst.PublicIP
	if ip == "" {
		ip = "-"
	}
	tp := tableprinter.New(io.Out, tty)
	tp.Header("instance", "state", "type", "public ip", "started", "up", "cost since start")
	tp.Row(inst.ID, io.ColorScheme().Status(inst.State), inst.Type, ip, launched, uptime, cost)
	return tp.Render()
}
