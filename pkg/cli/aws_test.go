package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/runpod-workers/janitor/pkg/cloud"
	"github.com/runpod-workers/janitor/pkg/cloud/cloudtest"
	"github.com/runpod-workers/janitor/pkg/config"
	"github.com/runpod-workers/janitor/pkg/iostreams"
	"github.com/runpod-workers/janitor/pkg/store"
	"github.com/runpod-workers/janitor/pkg/store/storetest"
)

// awsFactory is a Factory whose AWS is moto and whose config file is a
// temporary one holding env "dev".
func awsFactory(t *testing.T, srv *cloudtest.Server, dev config.Environment) (*Factory, *bytes.Buffer, *bytes.Buffer) {
	t.Helper()
	ios, _, out, errOut := iostreams.Test()
	ios.SetNoColor(true)
	f := NewFactory(ios, "test")
	f.Now = time.Now
	cfg := &config.Config{File: filepath.Join(t.TempDir(), "config.yaml"), Env: "dev", Environments: map[string]config.Environment{"dev": dev}}
	f.Config = func() (*config.Config, error) { return cfg, nil }
	f.AWS = func(ctx context.Context, region string) (*cloud.Client, error) {
		if region == "" {
			region = cloudtest.Region
		}
		return cloud.New(ctx, cloud.Options{Region: region, Endpoint: srv.URL, AccessKeyID: cloudtest.AccessKeyID,
			SecretAccessKey: cloudtest.SecretAccessKey, PollInterval: 20 * time.Millisecond})
	}
	t.Cleanup(f.Close)
	return f, out, errOut
}

// healthServer answers /health with 503 a few times, then 200.
func healthServer(t *testing.T, failures int32) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/health" {
			http.NotFound(w, r)
			return
		}
		if calls.Add(1) <= failures {
			http.Error(w, "starting", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ok")
	}))
	t.Cleanup(srv.Close)
	return srv, &calls
}

func TestInstanceCommands(t *testing.T) {
	t.Parallel()
	srv := cloudtest.Start(t)
	fx := srv.Fixtures()
	lt := fx.LaunchTemplate(t, "janitor-dev")
	f, out, errOut := awsFactory(t, srv, config.Environment{AWS: config.AWS{Region: cloudtest.Region, LaunchTemplateID: lt, APIPort: 8080}})
	ctx := t.Context()
	health, calls := healthServer(t, 2)
	opts := newInstanceOptions(f)
	opts.wait, opts.poll = 30*time.Second, 10*time.Millisecond
	var asked string
	opts.healthURL = func(inst cloud.Instance, port int) string {
		asked = publicHealthURL(inst, port)
		return health.URL + "/health"
	}
	reset := func() { out.Reset(); errOut.Reset() }

	if err := runLaunchInstance(ctx, opts); err != nil {
		t.Fatalf("launch-instance: %v\n%s", err, errOut)
	}
	if calls.Load() != 3 {
		t.Errorf("/health asked %d times, want until it answered (3)", calls.Load())
	}
	cfg, _ := f.Config()
	saved, err := config.Load(nil, cfg.File)
	if err != nil {
		t.Fatal(err)
	}
	id := saved.Environments["dev"].AWS.InstanceID
	if !strings.HasPrefix(id, "i-") || !strings.Contains(errOut.String(), "launched "+id+" (g5.xlarge) for dev") {
		t.Fatalf("launch saved instance %q; stderr:\n%s", id, errOut)
	}
	if !strings.HasSuffix(asked, ":8080/health") || !strings.HasPrefix(asked, "http://") {
		t.Errorf("health URL for the instance = %q, want its public IP on the API port", asked)
	}
	if !strings.Contains(out.String(), id) || !strings.Contains(out.String(), "running") {
		t.Errorf("launch output:\n%s", out)
	}
	if _, imdsv2 := fx.Instance(t, id); !imdsv2 {
		t.Error("the launched instance does not require IMDSv2")
	}

	t.Run("launch again changes nothing", func(t *testing.T) {
		reset()
		if err := runLaunchInstance(ctx, opts); err != nil {
			t.Fatal(err)
		}
		if want := "instance " + id + " of dev is already running; nothing launched\n"; errOut.String() != want+"waiting for "+health.URL+"/health ...\n" {
			t.Errorf("stderr = %q, want %q first", errOut.String(), want)
		}
	})

	t.Run("status as JSON", func(t *testing.T) {
		reset()
		opts.output = "json"
		defer func() { opts.output = "table" }()
		if err := runInstanceStatus(ctx, opts); err != nil {
			t.Fatal(err)
		}
		var row map[string]any
		if err := json.Unmarshal(out.Bytes(), &row); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		keys := make([]string, 0, len(row))
		for k := range row {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		want := "environment estimated_cost_usd hourly_price_usd instance_id instance_type launched_at public_ip state uptime_ms"
		if strings.Join(keys, " ") != want {
			t.Errorf("JSON fields = %s\nwant %s", strings.Join(keys, " "), want)
		}
		if row["instance_id"] != id || row["state"] != "running" || row["instance_type"] != "g5.xlarge" || row["hourly_price_usd"] != 1.006 {
			t.Errorf("status = %v", row)
		}
	})

	t.Run("stop, status, start", func(t *testing.T) {
		reset()
		if err := runStopInstance(ctx, opts); err != nil {
			t.Fatal(err)
		}
		if errOut.String() != "stopping "+id+" of dev\n" {
			t.Errorf("stop said %q", errOut.String())
		}
		reset()
		if err := runInstanceStatus(ctx, opts); err != nil {
			t.Fatal(err)
		}
		// Piped: one tab-separated row, no header.
		if fields := strings.Split(strings.TrimSpace(out.String()), "\t"); len(fields) != 7 || fields[0] != id || fields[1] != "stopped" || fields[3] != "-" || fields[5] != "-" {
			t.Errorf("status table after stop:\n%s", out)
		}
		reset()
		if err := runStartInstance(ctx, opts); err != nil {
			t.Fatal(err)
		}
		if errOut.String() != "starting "+id+" of dev\n" || !strings.Contains(out.String(), "running") {
			t.Errorf("start: stderr %q, stdout:\n%s", errOut.String(), out)
		}
		reset()
		if err := runStartInstance(ctx, opts); err != nil {
			t.Fatal(err)
		}
		if errOut.String() != "instance "+id+" of dev is already running\n" {
			t.Errorf("second start said %q", errOut.String())
		}
	})

	t.Run("API that never answers", func(t *testing.T) {
		quiet := newInstanceOptions(f)
		quiet.wait, quiet.poll = 200*time.Millisecond, 10*time.Millisecond
		never, _ := healthServer(t, 1<<30)
		quiet.healthURL = func(cloud.Instance, int) string { return never.URL + "/health" }
		err := runLaunchInstance(ctx, quiet)
		if err == nil || !strings.Contains(err.Error(), "did not answer within 200ms: check that api_ingress_cidrs in terraform/env/dev.tfvars admits you") {
			t.Errorf("launch with a silent API = %v", err)
		}
	})

	t.Run("terminated", func(t *testing.T) {
		fx.Terminate(t, id)
		for name, run := range map[string]func(context.Context, *instanceOptions) error{"start": runStartInstance, "stop": runStopInstance} {
			err := run(ctx, opts)
			if err == nil || !strings.Contains(err.Error(), "is terminated; launch a new one with janitor launch-instance --env dev") || strings.Contains(err.Error(), "\n") {
				t.Errorf("%s on a terminated instance = %v", name, err)
			}
		}
	})
}

func TestInstanceCommandsNeedInfra(t *testing.T) {
	t.Parallel()
	srv := cloudtest.Start(t)
	f, _, _ := awsFactory(t, srv, config.Environment{})
	for name, run := range map[string]func(context.Context, *instanceOptions) error{
		"launch-instance": runLaunchInstance, "start-instance": runStartInstance,
		"stop-instance": runStopInstance, "instance-status": runInstanceStatus,
	} {
		err := run(t.Context(), newInstanceOptions(f))
		if err == nil || !strings.Contains(err.Error(), `environment "dev" has no AWS settings in `) || !strings.Contains(err.Error(), "run janitor infra apply --env dev first") {
			t.Errorf("%s without infra = %v", name, err)
		}
	}
	f2, _, _ := awsFactory(t, srv, config.Environment{AWS: config.AWS{Region: cloudtest.Region}})
	if err := runLaunchInstance(t.Context(), newInstanceOptions(f2)); err == nil || !strings.Contains(err.Error(), "has no launch template") {
		t.Errorf("launch without a template = %v", err)
	}
	if err := runInstanceStatus(t.Context(), newInstanceOptions(f2)); err == nil || !strings.Contains(err.Error(), "launch one with janitor launch-instance --env dev") {
		t.Errorf("status with no instance = %v", err)
	}
}

func TestLogsCommand(t *testing.T) {
	t.Parallel()
	srv := cloudtest.Start(t)
	fx := srv.Fixtures()
	fx.LogGroup(t, "/janitor/dev", "i-1/janitor")
	at := time.Now().Add(-10 * time.Minute).Truncate(time.Millisecond).UTC()
	fx.LogEvents(t, "/janitor/dev", "i-1/janitor", at, `{"level":"INFO","msg":"serving","addr":":8080"}`)
	fx.LogEvents(t, "/janitor/dev", "i-1/janitor", at.Add(-2*time.Hour), "too old for --since 1h")
	f, out, _ := awsFactory(t, srv, config.Environment{AWS: config.AWS{Region: cloudtest.Region, LogGroup: "/janitor/dev"}})
	if err := runLogs(t.Context(), &logsOptions{f: f, since: time.Hour}); err != nil {
		t.Fatal(err)
	}
	want := at.Format(time.RFC3339) + ` i-1/janitor {"level":"INFO","msg":"serving","addr":":8080"}` + "\n"
	if out.String() != want {
		t.Errorf("logs =\n%s\nwant\n%s", out, want)
	}
}

// secretsEnv puts agent/reader/admin secrets for the test database d into
// moto, the way terraform and RDS write them, and returns the environment.
func secretsEnv(t *testing.T, srv *cloudtest.Server, d *storetest.DB, socketDir string) config.Environment {
	t.Helper()
	fx := srv.Fixtures()
	rds := func(user, pw string) string {
		b, _ := json.Marshal(map[string]any{"engine": "postgres", "host": socketDir, "port": 5432, "username": user, "password": pw, "dbname": d.Name})
		return string(b)
	}
	return config.Environment{
		AWS: config.AWS{Region: cloudtest.Region},
		Database: config.Database{
			Endpoint: socketDir, Port: 5432, Name: d.Name,
			Secrets: config.Secrets{
				Agent:  fx.Secret(t, "janitor-dev/agent", rds(store.AgentRoleName, "agent-pw-1")),
				Reader: fx.Secret(t, "janitor-dev/reader", rds(store.ReaderRoleName, "reader-pw-1")),
				// The RDS-managed master secret: username and password only.
				Admin: fx.Secret(t, "rds!cluster-dev", `{"username":"janitor","password":"admin-pw"}`),
			},
		},
	}
}

// TestCredentialsFromSecrets: with secret IDs configured, every role's
// connection comes from Secrets Manager (moto) to a real PostgreSQL, and
// db-migrate gives the agent and reader the passwords in their secrets.
func TestCredentialsFromSecrets(t *testing.T) {
	t.Parallel()
	srv := cloudtest.Start(t)
	d := storetest.New(t)
	socket := d.Cluster.SocketDir()
	f, out, errOut := awsFactory(t, srv, secretsEnv(t, srv, d, socket))
	ctx := t.Context()

	if err := runDBMigrate(ctx, &dbMigrateOptions{f: f, output: "table"}); err != nil {
		t.Fatalf("db-migrate: %v", err)
	}
	for _, role := range []string{store.AgentRoleName, store.ReaderRoleName} {
		if !strings.Contains(errOut.String(), "set the password of "+role+" from secret arn:aws:secretsmanager:") {
			t.Errorf("db-migrate did not set %s's password:\n%s", role, errOut)
		}
	}
	if strings.Contains(errOut.String()+out.String(), "pw-1") {
		t.Errorf("a password was printed:\n%s%s", out, errOut)
	}
	admin := d.Open(t, store.RoleAdmin)
	rows, err := admin.QueryStrings(ctx, `SELECT rolname, left(rolpassword, 19) FROM pg_authid WHERE rolname IN ($1, $2) ORDER BY 1`, store.AgentRoleName, store.ReaderRoleName)
	if err != nil || len(rows) != 2 || rows[0][1] != "SCRAM-SHA-256$4096:" || rows[1][1] != "SCRAM-SHA-256$4096:" {
		t.Errorf("role passwords = %v, %v; want SCRAM verifiers", rows, err)
	}

	// The agent writes and the reader reads through secret-based sources.
	agent, err := f.DB(ctx, store.RoleAgent)
	if err != nil {
		t.Fatal(err)
	}
	seedTwoRuns(t, agent)
	out.Reset()
	if err := runQueryRuns(ctx, &queryRunsOptions{f: f, limit: 5, output: "json"}); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(out.String(), `"run_id"`); n != 2 {
		t.Errorf("query-runs through the reader secret listed %d runs:\n%s", n, out)
	}
	where := agent.Where()
	if !strings.Contains(where, `as "janitor_agent"`) || !strings.Contains(where, d.Name) {
		t.Errorf("agent connection = %s", where)
	}
}

func TestBadSecrets(t *testing.T) {
	t.Parallel()
	srv := cloudtest.Start(t)
	fx := srv.Fixtures()
	tests := []struct {
		name, secret, want string
	}{
		{"not JSON", "host=db password=hunter2", `secret "janitor-dev/reader": secret is not JSON (syntax error at byte 1)`},
		{"missing fields", `{"username":"janitor_reader","password":"hunter2"}`, `secret "janitor-dev/reader": secret lacks host, port, dbname`},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			name := fmt.Sprintf("janitor-dev/reader-%d", i)
			fx.Secret(t, name, tt.secret)
			f, _, _ := awsFactory(t, srv, config.Environment{AWS: config.AWS{Region: cloudtest.Region}, Database: config.Database{Secrets: config.Secrets{Reader: name}}})
			err := runQueryRuns(t.Context(), &queryRunsOptions{f: f, limit: 5, output: "table"})
			want := strings.Replace(tt.want, "janitor-dev/reader", name, 1)
			if err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "hunter2") || strings.Contains(err.Error(), "\n") {
				t.Errorf("query-runs with a bad secret = %v\nwant %q", err, want)
			}
		})
	}
	t.Run("missing secret", func(t *testing.T) {
		f, _, _ := awsFactory(t, srv, config.Environment{AWS: config.AWS{Region: cloudtest.Region}, Database: config.Database{Secrets: config.Secrets{Reader: "janitor-dev/none"}}})
		err := runQueryRuns(t.Context(), &queryRunsOptions{f: f, limit: 5, output: "table"})
		if err == nil || !strings.Contains(err.Error(), `read secret "janitor-dev/none" in us-east-1: secret not found: check the secret ID, or run janitor infra apply`) {
			t.Errorf("query-runs with a missing secret = %v", err)
		}
	})
}

// writeModule is a root module whose terraform is a stand-in script: the
// real terraform runs against moto in pkg/infra's end-to-end test; here the
// command's own behaviour (what it saves, when it refuses) is under test.
func writeModule(t *testing.T, script string) (dir, terraform string) {
	t.Helper()
	dir = t.TempDir()
	for name, body := range map[string]string{"versions.tf": "", "env/dev.tfvars": `environment = "dev"`, "env/prod.tfvars": `environment = "prod"`} {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	terraform = filepath.Join(t.TempDir(), "terraform")
	if err := os.WriteFile(terraform, []byte("#!/bin/sh\n"+script+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return dir, terraform
}

const appliedOutputs = `{
  "environment": {"value": "dev"}, "region": {"value": "us-east-1"},
  "db_cluster_identifier": {"value": "janitor-dev"},
  "db_endpoint": {"value": "janitor-dev.cluster-abc.us-east-1.rds.amazonaws.com"},
  "db_reader_endpoint": {"value": "janitor-dev.cluster-ro-abc.us-east-1.rds.amazonaws.com"},
  "db_port": {"value": 5432}, "db_name": {"value": "janitor"},
  "admin_secret_arn": {"value": "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!cluster-1-AbC"},
  "agent_secret_arn": {"value": "arn:aws:secretsmanager:us-east-1:123456789012:secret:janitor-dev/agent-AbC"},
  "reader_secret_arn": {"value": "arn:aws:secretsmanager:us-east-1:123456789012:secret:janitor-dev/reader-AbC"},
  "instance_id": {"value": ""}, "instance_role_name": {"value": "janitor-dev-instance"},
  "launch_template_id": {"value": "lt-0123456789abcdef0"}, "log_group_name": {"value": "/janitor/dev"},
  "api_port": {"value": 8080}
}`

func infraFactory(t *testing.T, terraform string) (*Factory, *bytes.Buffer, *bytes.Buffer, string) {
	t.Helper()
	ios, _, out, errOut := iostreams.Test()
	f := NewFactory(ios, "test")
	f.Terraform = terraform
	file := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(file, []byte("# mine\norganization: my-org\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(nil, file)
	if err != nil {
		t.Fatal(err)
	}
	f.Config = func() (*config.Config, error) { return cfg, nil }
	t.Cleanup(f.Close)
	return f, out, errOut, file
}

func TestInfraApplySavesOutputs(t *testing.T) {
	t.Parallel()
	dir, tf := writeModule(t, `case "$1" in output) cat <<'EOF'
`+appliedOutputs+`
EOF
;; *) echo "terraform $*";; esac`)
	f, out, errOut, file := infraFactory(t, tf)
	if err := runInfra(t.Context(), &infraOptions{f: f, command: "apply", dir: dir, output: "table"}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "terraform apply -input=false -auto-approve -var-file=env/dev.tfvars") {
		t.Errorf("terraform was not run as expected:\n%s", out)
	}
	if errOut.String() != "saved the outputs of dev to "+file+"\n" {
		t.Errorf("stderr = %q", errOut.String())
	}
	raw, _ := os.ReadFile(file)
	if !strings.HasPrefix(string(raw), "# mine\norganization: my-org\n") {
		t.Errorf("the rest of the config was not kept:\n%s", raw)
	}
	cfg, err := config.Load(nil, file)
	if err != nil {
		t.Fatal(err)
	}
	dev := cfg.Environments["dev"]
	if dev.Database.Endpoint != "janitor-dev.cluster-abc.us-east-1.rds.amazonaws.com" || dev.Database.Port != 5432 || dev.Database.Name != "janitor" ||
		dev.Database.Secrets.Agent != "arn:aws:secretsmanager:us-east-1:123456789012:secret:janitor-dev/agent-AbC" ||
		dev.Database.Secrets.Reader != "arn:aws:secretsmanager:us-east-1:123456789012:secret:janitor-dev/reader-AbC" ||
		dev.Database.Secrets.Admin != "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!cluster-1-AbC" {
		t.Errorf("database = %+v", dev.Database)
	}
	if dev.AWS != (config.AWS{Region: "us-east-1", LaunchTemplateID: "lt-0123456789abcdef0", LogGroup: "/janitor/dev", APIPort: 8080,
		ClusterID: "janitor-dev", ReaderHost: "janitor-dev.cluster-ro-abc.us-east-1.rds.amazonaws.com"}) {
		t.Errorf("aws = %+v", dev.AWS)
	}
}

func TestInfraFailuresWriteNothing(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		script string
		opts   func(*infraOptions)
		env    string
		want   string
	}{
		{"apply fails", "echo 'Error: no credentials' >&2; exit 1", nil, "dev", `terraform apply for "dev" failed (exit status 1): see terraform's messages above`},
		{"outputs unreadable", `case "$1" in output) echo '{}';; esac`, nil, "dev", "terraform applied, but its outputs could not be read (the config is unchanged)"},
		{"unknown environment", "exit 0", nil, "staging", `unknown environment "staging": `},
		{"terraform missing", "", func(o *infraOptions) { o.f.Terraform = "/nonexistent/terraform" }, "dev", "terraform not found on PATH: install Terraform >= 1.11"},
		{"destroy prod", "exit 0", func(o *infraOptions) { o.command = "destroy" }, "prod", "refusing to destroy production environment \"prod\": pass --yes-destroy-prod"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir, tf := writeModule(t, tt.script)
			f, _, _, file := infraFactory(t, tf)
			cfg, _ := f.Config()
			cfg.Env = tt.env
			opts := &infraOptions{f: f, command: "apply", dir: dir, output: "table"}
			if tt.opts != nil {
				tt.opts(opts)
			}
			err := runInfra(t.Context(), opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("error = %v\nwant one line containing %q", err, tt.want)
			}
			if raw, _ := os.ReadFile(file); string(raw) != "# mine\norganization: my-org\n" {
				t.Errorf("config changed:\n%s", raw)
			}
		})
	}
}

// TestMainAWSErrors runs janitor as a user would, with AWS_ENDPOINT_URL
// pointing at moto, and checks the one-line errors and exit codes.
func TestMainAWSErrors(t *testing.T) {
	srv := cloudtest.Start(t)
	for _, kv := range srv.Environ() {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	fx := srv.Fixtures()
	lt := fx.LaunchTemplate(t, "janitor-dev")
	file := filepath.Join(t.TempDir(), "config.yaml")
	body := fmt.Sprintf("environments:\n  dev:\n    aws:\n      region: us-east-1\n      launch_template_id: %s\n      api_port: 8080\n", lt)
	if err := os.WriteFile(file, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) (int, string, string) {
		ios, _, out, errOut := iostreams.Test()
		code := Main(t.Context(), append(args, "--config", file), ios, "test")
		return code, out.String(), errOut.String()
	}

	code, _, stderr := run("launch-instance", "--wait", "0")
	if code != 0 || !strings.Contains(stderr, "launched i-") {
		t.Fatalf("launch-instance: exit %d\n%s", code, stderr)
	}
	code, stdout, _ := run("instance-status", "-o", "json")
	var st instanceRow
	if code != 0 || json.Unmarshal([]byte(stdout), &st) != nil || st.State != "running" {
		t.Fatalf("instance-status: exit %d\n%s", code, stdout)
	}
	fx.Terminate(t, st.InstanceID)

	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"start-instance"}, "janitor: instance terminated: instance " + st.InstanceID + " of dev is terminated; launch a new one with janitor launch-instance --env dev\n"},
		{[]string{"stop-instance", "--env", "staging"}, `janitor: environment "staging" has no AWS settings in ` + file + ": run janitor infra apply --env staging first\n"},
		{[]string{"logs"}, `janitor: log group "/janitor/dev" not found in us-east-1: run janitor infra apply for this environment` + "\n"},
	} {
		code, _, stderr := run(tt.args...)
		if code != ExitError || stderr != tt.want {
			t.Errorf("janitor %s: exit %d, stderr\n%q\nwant exit 1 and\n%q", strings.Join(tt.args, " "), code, stderr, tt.want)
		}
	}
	if raw, _ := os.ReadFile(file); !strings.Contains(string(raw), "instance_id: "+st.InstanceID) {
		t.Errorf("launch-instance did not record the instance:\n%s", raw)
	}
}

// TestMainRejectedCredentials: AWS refusing the credentials (expired SSO
// session, revoked keys) is one line that says what to do, and exit 1.
func TestMainRejectedCredentials(t *testing.T) {
	srv := cloudtest.Start(t, cloudtest.WithAuth())
	for _, kv := range srv.Environ() {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	file := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(file, []byte("environments:\n  dev:\n    aws:\n      region: us-east-1\n      launch_template_id: lt-0123456789abcdef0\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"instance-status"}, {"launch-instance", "--wait", "0"}} {
		ios, _, _, errOut := iostreams.Test()
		code := Main(t.Context(), append(args, "--config", file), ios, "test")
		// The code in brackets is AWS's (moto answers InvalidClientTokenId or AuthFailure).
		want := `janitor: find the instance of environment "dev": AWS rejected the credentials (expired or invalid): refresh them (aws sso login, or new access keys) and try again (`
		if code != ExitError || !strings.HasPrefix(errOut.String(), want) || strings.Count(errOut.String(), "\n") != 1 {
			t.Errorf("janitor %s: exit %d\n%q\nwant exit 1 and one line starting\n%q", args[0], code, errOut.String(), want)
		}
	}
}
