package infra

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/runpod-workers/janitor/pkg/cloud"
	"github.com/runpod-workers/janitor/pkg/cloud/cloudtest"
)

// motoVars are what the dev stack needs beyond env/dev.tfvars to run on
// moto: moto only knows the AMIs of its own catalogue, so the AMI filter
// names one of those. create_instance lets terraform's instance path run too.
var motoVars = map[string]string{
	"ami_owners":      `["099720109477"]`,
	"ami_name_filter": "ubuntu/images/hvm-ssd/ubuntu-xenial-16.04-amd64-server-*",
	"create_instance": "true",
}

// TestApplyDestroyDevAgainstMoto applies the dev stack with terraform against
// moto through Runner (the real argv, var file, workspace and provider
// mirror), checks what it built through pkg/cloud, and destroys it.
func TestApplyDestroyDevAgainstMoto(t *testing.T) {
	if testing.Short() {
		t.Skip("applies and destroys a whole stack (about 3 minutes); not in -short")
	}
	t.Parallel()
	needTerraform(t)
	srv := cloudtest.Start(t)
	dir := copyModule(t)
	log := newSyncBuffer("")
	rn := Runner{
		Dir:     dir,
		Environ: append(srv.Environ(), terraformEnviron(t)...),
		Stdout:  log,
		Stderr:  log,
		Grace:   10 * time.Second,
	}
	ctx, cancel := context.WithTimeout(t.Context(), 9*time.Minute)
	defer cancel()
	run := func(c Command) {
		t.Helper()
		req := Request{Command: c, Env: "dev", PluginDir: FindPluginDir(PluginDirRoots...), Vars: motoVars, NoColor: true}
		if err := rn.Run(ctx, req); err != nil {
			t.Fatalf("%v\nterraform's output (tail):\n%s\nmoto:\n%s", err, log.tail(), srv.Log())
		}
	}

	run(Init)
	run(Plan)
	run(Apply)
	out, err := rn.Outputs(ctx, Request{Env: "dev"})
	if err != nil {
		t.Fatalf("%v\n%s", err, log.tail())
	}
	if out.Environment != "dev" || out.Region != cloudtest.Region || out.DBName != "janitor" || out.DBPort != 5432 ||
		out.APIPort != 8080 || out.LogGroupName != "/janitor/dev" || out.DBClusterIdentifier != "janitor-dev" {
		t.Errorf("outputs = %+v", out)
	}
	for name, v := range map[string]string{"launch_template_id": out.LaunchTemplateID, "instance_id": out.InstanceID} {
		if v == "" {
			t.Errorf("output %s is empty", name)
		}
	}

	c, err := cloud.New(ctx, cloud.Options{Region: out.Region, Endpoint: srv.URL, AccessKeyID: cloudtest.AccessKeyID, SecretAccessKey: cloudtest.SecretAccessKey, PollInterval: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}

	cluster, err := c.DBClusterFind(ctx, out.DBClusterIdentifier)
	if err != nil {
		t.Fatal(err)
	}
	if cluster.Endpoint != out.DBEndpoint || cluster.ReaderEndpoint != out.DBReaderEndpoint || cluster.MasterSecretARN != out.AdminSecretARN {
		t.Errorf("cluster %+v does not match the outputs %+v", cluster, out)
	}

	// The secrets terraform wrote are in the RDS shape, with generated
	// passwords that never reached the state file.
	secrets := cloud.NewSecretCache(c, time.Minute)
	state, err := os.ReadFile(filepath.Join(dir, "terraform.tfstate.d", "dev", "terraform.tfstate"))
	if err != nil {
		t.Fatalf("the dev workspace's state: %v", err)
	}
	for _, s := range []struct{ arn, user, host string }{
		{out.AgentSecretARN, "janitor_agent", out.DBEndpoint},
		{out.ReaderSecretARN, "janitor_reader", out.DBReaderEndpoint},
	} {
		cred, err := secrets.Credentials(ctx, s.arn, cloud.Endpoint{})
		if err != nil {
			t.Fatal(err)
		}
		if cred.Username != s.user || cred.Host != s.host || cred.Port != 5432 || cred.DBName != "janitor" || cred.Engine != "postgres" {
			t.Errorf("secret %s = %v, want %s@%s:5432/janitor", s.arn, cred, s.user, s.host)
		}
		if !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(cred.Password) {
			t.Errorf("%s's password is not 64 random hex digits", s.user)
		}
		if bytes.Contains(state, []byte(cred.Password)) {
			t.Errorf("%s's password is in the terraform state", s.user)
		}
	}
	admin, err := secrets.Credentials(ctx, out.AdminSecretARN, cluster.WriterEndpoint())
	if err != nil {
		t.Fatalf("admin secret with the cluster endpoint as fallback: %v", err)
	}
	if admin.Host != out.DBEndpoint || admin.Password == "" {
		t.Errorf("admin credentials = %v", admin)
	}

	inst, err := c.InstanceFind(ctx, "dev")
	if err != nil {
		t.Fatal(err)
	}
	if inst.ID != out.InstanceID || inst.State != cloud.StateRunning {
		t.Errorf("instance tagged janitor:env=dev = %+v, want the one terraform made (%s), running", inst, out.InstanceID)
	}
	ch, err := c.InstanceLaunch(ctx, cloud.LaunchParams{Env: "dev", LaunchTemplateID: out.LaunchTemplateID})
	if err != nil || ch.Changed {
		t.Errorf("launch-instance over terraform's instance = %+v, %v; want a no-op", ch, err)
	}

	run(Destroy)
	if _, err := rn.Outputs(ctx, Request{Env: "dev"}); err == nil || !strings.Contains(err.Error(), "has not been applied yet") {
		t.Errorf("outputs after destroy: %v", err)
	}
	if inst, err := c.InstanceFind(ctx, "dev"); err != nil || inst.State != cloud.StateTerminated {
		t.Errorf("instance after destroy: %+v, %v; want terminated", inst, err)
	}
	if _, err := c.DBClusterFind(ctx, out.DBClusterIdentifier); err == nil {
		t.Errorf("the cluster outlived destroy")
	}
	if _, err := c.SecretString(ctx, out.AgentSecretARN); !errors.Is(err, cloud.ErrSecretNotFound) {
		t.Errorf("agent secret after destroy: %v, want ErrSecretNotFound", err)
	}
}
