package infra

import (
	"slices"
	"strings"
	"testing"
)

func TestArgs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		req     Request
		want    []string
		wantErr string
	}{
		{
			name: "init",
			req:  Request{Command: Init, Env: "dev"},
			want: []string{"init", "-input=false"},
		},
		{
			name: "init with a provider mirror",
			req:  Request{Command: Init, Env: "dev", PluginDir: "/opt/tf-plugins", NoColor: true},
			want: []string{"init", "-input=false", "-plugin-dir=/opt/tf-plugins", "-no-color"},
		},
		{
			name: "plan passes the environment's var file",
			req:  Request{Command: Plan, Env: "dev"},
			want: []string{"plan", "-input=false", "-var-file=env/dev.tfvars"},
		},
		{
			name: "plugin dir is for init only",
			req:  Request{Command: Plan, Env: "dev", PluginDir: "/opt/tf-plugins"},
			want: []string{"plan", "-input=false", "-var-file=env/dev.tfvars"},
		},
		{
			name: "apply with extra vars in a stable order",
			req:  Request{Command: Apply, Env: "staging", Vars: map[string]string{"instance_type": "g6.xlarge", "create_instance": "true", "ami_owners": `["099720109477"]`}},
			want: []string{"apply", "-input=false", "-auto-approve", "-var-file=env/staging.tfvars",
				`-var=ami_owners=["099720109477"]`, "-var=create_instance=true", "-var=instance_type=g6.xlarge"},
		},
		{
			name: "destroy dev",
			req:  Request{Command: Destroy, Env: "dev", NoColor: true},
			want: []string{"destroy", "-input=false", "-auto-approve", "-var-file=env/dev.tfvars", "-no-color"},
		},
		{
			name:    "destroy prod refused",
			req:     Request{Command: Destroy, Env: "prod"},
			wantErr: `refusing to destroy production environment "prod": pass --yes-destroy-prod`,
		},
		{
			name:    "destroy prod-eu refused",
			req:     Request{Command: Destroy, Env: "prod-eu"},
			wantErr: "refusing to destroy production environment",
		},
		{
			name: "destroy prod with the override",
			req:  Request{Command: Destroy, Env: "prod", AllowDestroyProd: true},
			want: []string{"destroy", "-input=false", "-auto-approve", "-var-file=env/prod.tfvars"},
		},
		{
			name: "apply prod needs no override",
			req:  Request{Command: Apply, Env: "prod"},
			want: []string{"apply", "-input=false", "-auto-approve", "-var-file=env/prod.tfvars"},
		},
		{
			name: "output is JSON",
			req:  Request{Command: Output, Env: "dev", NoColor: true, Vars: map[string]string{"x": "y"}},
			want: []string{"output", "-json"},
		},
		{
			name:    "environment that could escape env/",
			req:     Request{Command: Plan, Env: "../prod"},
			wantErr: `invalid environment name "../prod"`,
		},
		{
			name:    "empty environment",
			req:     Request{Command: Plan},
			wantErr: `invalid environment name ""`,
		},
		{
			name:    "unknown command",
			req:     Request{Command: "import", Env: "dev"},
			wantErr: `unknown infra command "import"`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Args(tt.req)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Args error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("Args =\n  %q\nwant\n  %q", got, tt.want)
			}
		})
	}
}

func TestParseCommand(t *testing.T) {
	t.Parallel()
	for _, c := range Commands {
		if got, err := ParseCommand(string(c)); err != nil || got != c {
			t.Errorf("ParseCommand(%q) = %q, %v", c, got, err)
		}
	}
	if _, err := ParseCommand("refresh"); err == nil || !strings.Contains(err.Error(), "use one of init, plan, apply, destroy, output") {
		t.Errorf("ParseCommand(refresh) = %v", err)
	}
}

func TestIsProduction(t *testing.T) {
	t.Parallel()
	for env, want := range map[string]bool{"prod": true, "production": true, "prod-eu": true, "dev": false, "product-demo": false, "preprod": false} {
		if got := IsProduction(env); got != want {
			t.Errorf("IsProduction(%q) = %v, want %v", env, got, want)
		}
	}
}
