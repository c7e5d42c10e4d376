package cloud

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/runpod-workers/janitor/pkg/cloud/cloudtest"
)

// TestInstanceLifecycle walks one environment's instance through launch,
// the idempotent repeats, stop, start and termination, against EC2 in moto.
func TestInstanceLifecycle(t *testing.T) {
	t.Parallel()
	srv := cloudtest.Start(t)
	c := newTestClient(t, srv)
	ctx := t.Context()
	fx := srv.Fixtures()
	lt := fx.LaunchTemplate(t, "janitor-test")

	if _, err := c.InstanceFind(ctx, "dev"); !errors.Is(err, ErrNoInstance) {
		t.Fatalf("InstanceFind before any launch: %v, want ErrNoInstance", err)
	}
	if _, err := c.InstanceStart(ctx, "dev"); !errors.Is(err, ErrNoInstance) {
		t.Fatalf("InstanceStart before any launch: %v, want ErrNoInstance", err)
	}

	launched, err := c.InstanceLaunch(ctx, LaunchParams{Env: "dev", LaunchTemplateID: lt, InstanceType: "g5.2xlarge"})
	if err != nil {
		t.Fatal(err)
	}
	id := launched.Instance.ID
	if !launched.Changed || !strings.HasPrefix(id, "i-") || launched.Instance.Type != "g5.2xlarge" {
		t.Fatalf("launch = %+v, want a new g5.2xlarge instance", launched)
	}
	running, err := c.InstanceWaitRunning(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if running.State != StateRunning || running.Env != "dev" || running.PublicIP == "" || running.LaunchTime.IsZero() {
		t.Errorf("after waiting: %+v, want running with a public IP and launch time", running)
	}
	if _, imdsv2 := fx.Instance(t, id); !imdsv2 {
		t.Errorf("instance metadata tokens are not required: want IMDSv2 only")
	}

	// Another environment's instance is not ours.
	if _, err := c.InstanceLaunch(ctx, LaunchParams{Env: "staging", LaunchTemplateID: lt}); err != nil {
		t.Fatal(err)
	}

	t.Run("launch again is a no-op", func(t *testing.T) {
		ch, err := c.InstanceLaunch(ctx, LaunchParams{Env: "dev", LaunchTemplateID: lt})
		if err != nil {
			t.Fatal(err)
		}
		if ch.Changed || ch.Instance.ID != id || !strings.Contains(ch.Message, "already running") {
			t.Errorf("second launch = %+v, want no change on %s", ch, id)
		}
	})

	t.Run("start while running is a no-op", func(t *testing.T) {
		ch, err := c.InstanceStart(ctx, "dev")
		if err != nil {
			t.Fatal(err)
		}
		if ch.Changed || ch.Message != "instance "+id+" of dev is already running" {
			t.Errorf("start = %+v, want the already-running message", ch)
		}
	})

	t.Run("stop, then stop again", func(t *testing.T) {
		ch, err := c.InstanceStop(ctx, "dev")
		if err != nil {
			t.Fatal(err)
		}
		if !ch.Changed || ch.Instance.ID != id {
			t.Errorf("stop = %+v, want a change on %s", ch, id)
		}
		if st, _ := fx.Instance(t, id); st != StateStopped && st != StateStopping {
			t.Errorf("state after stop = %s", st)
		}
		ch, err = c.InstanceStop(ctx, "dev")
		if err != nil {
			t.Fatal(err)
		}
		if ch.Changed || !strings.Contains(ch.Message, "already stopp") {
			t.Errorf("second stop = %+v, want a no-op", ch)
		}
	})

	t.Run("launch refuses while stopped", func(t *testing.T) {
		_, err := c.InstanceLaunch(ctx, LaunchParams{Env: "dev", LaunchTemplateID: lt})
		if err == nil || !strings.Contains(err.Error(), "janitor start-instance --env dev") {
			t.Errorf("launch over a stopped instance: %v, want advice to start it", err)
		}
	})

	t.Run("status of a stopped instance costs nothing more", func(t *testing.T) {
		in, err := c.InstanceFind(ctx, "dev")
		if err != nil {
			t.Fatal(err)
		}
		if in.State != StateStopped || in.Uptime(time.Now()) != 0 {
			t.Errorf("status = %+v, want stopped with no uptime", in)
		}
	})

	t.Run("start, then wait", func(t *testing.T) {
		ch, err := c.InstanceStart(ctx, "dev")
		if err != nil {
			t.Fatal(err)
		}
		if !ch.Changed {
			t.Errorf("start = %+v, want a change", ch)
		}
		if in, err := c.InstanceWaitRunning(ctx, id); err != nil || in.State != StateRunning {
			t.Errorf("wait after start: %+v, %v", in, err)
		}
	})

	t.Run("terminated instance", func(t *testing.T) {
		fx.Terminate(t, id)
		for _, op := range []func() (Change, error){
			func() (Change, error) { return c.InstanceStart(ctx, "dev") },
			func() (Change, error) { return c.InstanceStop(ctx, "dev") },
		} {
			_, err := op()
			if !errors.Is(err, ErrTerminated) || !strings.Contains(err.Error(), "janitor launch-instance --env dev") {
				t.Errorf("on a terminated instance: %v, want ErrTerminated with advice to launch", err)
			}
		}
		in, err := c.InstanceFind(ctx, "dev")
		if err != nil || in.ID != id || in.State != StateTerminated {
			t.Errorf("status of the terminated instance: %+v, %v", in, err)
		}
		if _, err := c.InstanceWaitRunning(ctx, id); err == nil {
			t.Errorf("waiting for a terminated instance to run should fail")
		}
	})

	t.Run("launch replaces a terminated instance", func(t *testing.T) {
		ch, err := c.InstanceLaunch(ctx, LaunchParams{Env: "dev", LaunchTemplateID: lt})
		if err != nil {
			t.Fatal(err)
		}
		if !ch.Changed || ch.Instance.ID == id || ch.Instance.Type != "g5.xlarge" {
			t.Errorf("launch after termination = %+v, want a new instance of the template's type", ch)
		}
	})

	t.Run("two live instances are an error", func(t *testing.T) {
		fx.RunTagged(t, lt, "dev")
		_, err := c.InstanceFind(ctx, "dev")
		if err == nil || !strings.Contains(err.Error(), "2 instances are tagged janitor:env=dev") {
			t.Errorf("InstanceFind with two live instances: %v", err)
		}
	})
}

func TestInstanceLaunchNeedsTemplate(t *testing.T) {
	t.Parallel()
	c := &Client{}
	_, err := c.InstanceLaunch(t.Context(), LaunchParams{Env: "dev"})
	if err == nil || !strings.Contains(err.Error(), "run janitor infra apply --env dev first") {
		t.Errorf("launch without a template: %v", err)
	}
}

func TestInstanceUptimeAndCost(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 1, 15, 10, 0, 0, 0, time.UTC)
	now := start.Add(90 * time.Minute)
	tests := []struct {
		name      string
		in        Instance
		uptime    time.Duration
		cost      float64
		costKnown bool
	}{
		{"running g5.xlarge", Instance{State: StateRunning, Type: "g5.xlarge", LaunchTime: start}, 90 * time.Minute, 1.509, true},
		{"pending counts", Instance{State: StatePending, Type: "g4dn.xlarge", LaunchTime: start}, 90 * time.Minute, 0.789, true},
		{"stopped costs nothing", Instance{State: StateStopped, Type: "g5.xlarge", LaunchTime: start}, 0, 0, true},
		{"unknown type", Instance{State: StateRunning, Type: "x9.mega", LaunchTime: start}, 90 * time.Minute, 0, false},
		{"clock behind launch", Instance{State: StateRunning, Type: "g5.xlarge", LaunchTime: now.Add(time.Minute)}, 0, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := tt.in.Uptime(now); got != tt.uptime {
				t.Errorf("Uptime = %v, want %v", got, tt.uptime)
			}
			cost, known := tt.in.Cost(now)
			if known != tt.costKnown || math.Abs(cost-tt.cost) > 1e-9 {
				t.Errorf("Cost = %v, %v; want %v, %v", cost, known, tt.cost, tt.costKnown)
			}
		})
	}
}
