package infra

import (
	"strings"
	"testing"
)

// applied is terraform output -json of the dev stack applied against moto.
const applied = `{
  "admin_secret_arn": {"sensitive": false, "type": "string", "value": "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!cluster-898406d8-KftgyQ"},
  "agent_secret_arn": {"sensitive": false, "type": "string", "value": "arn:aws:secretsmanager:us-east-1:123456789012:secret:janitor-dev/agent-kMEZnA"},
  "api_port": {"sensitive": false, "type": "number", "value": 8080},
  "db_cluster_identifier": {"sensitive": false, "type": "string", "value": "janitor-dev"},
  "db_endpoint": {"sensitive": false, "type": "string", "value": "janitor-dev.cluster-5dbj3fcvuyxv.us-east-1.rds.amazonaws.com"},
  "db_name": {"sensitive": false, "type": "string", "value": "janitor"},
  "db_port": {"sensitive": false, "type": "number", "value": 5432},
  "db_reader_endpoint": {"sensitive": false, "type": "string", "value": "janitor-dev.cluster-ro-5dbj3fcvuyxv.us-east-1.rds.amazonaws.com"},
  "environment": {"sensitive": false, "type": "string", "value": "dev"},
  "instance_id": {"sensitive": false, "type": "string", "value": ""},
  "instance_role_name": {"sensitive": false, "type": "string", "value": "janitor-dev-instance"},
  "launch_template_id": {"sensitive": false, "type": "string", "value": "lt-767f558d4576479f8"},
  "log_group_name": {"sensitive": false, "type": "string", "value": "/janitor/dev"},
  "reader_secret_arn": {"sensitive": false, "type": "string", "value": "arn:aws:secretsmanager:us-east-1:123456789012:secret:janitor-dev/reader-poVNSF"},
  "region": {"sensitive": false, "type": "string", "value": "us-east-1"},
  "something_new": {"sensitive": false, "type": "list", "value": [1, 2]}
}`

func TestParseOutputs(t *testing.T) {
	t.Parallel()
	got, err := ParseOutputs([]byte(applied))
	if err != nil {
		t.Fatal(err)
	}
	want := Outputs{
		Environment:         "dev",
		Region:              "us-east-1",
		DBClusterIdentifier: "janitor-dev",
		DBEndpoint:          "janitor-dev.cluster-5dbj3fcvuyxv.us-east-1.rds.amazonaws.com",
		DBReaderEndpoint:    "janitor-dev.cluster-ro-5dbj3fcvuyxv.us-east-1.rds.amazonaws.com",
		DBPort:              5432,
		DBName:              "janitor",
		AdminSecretARN:      "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!cluster-898406d8-KftgyQ",
		AgentSecretARN:      "arn:aws:secretsmanager:us-east-1:123456789012:secret:janitor-dev/agent-kMEZnA",
		ReaderSecretARN:     "arn:aws:secretsmanager:us-east-1:123456789012:secret:janitor-dev/reader-poVNSF",
		LaunchTemplateID:    "lt-767f558d4576479f8",
		InstanceRoleName:    "janitor-dev-instance",
		LogGroupName:        "/janitor/dev",
		APIPort:             8080,
	}
	if got != want {
		t.Errorf("ParseOutputs =\n%+v\nwant\n%+v", got, want)
	}
}

func TestParseOutputsErrors(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		in, want string
	}{
		"not applied":  {`{}`, "has not been applied yet; run janitor infra apply"},
		"not json":     {`Warning: no outputs`, "parse terraform output"},
		"missing some": {`{"region": {"value": "us-east-1"}, "db_endpoint": {"value": null}}`, "terraform output lacks environment, db_cluster_identifier, db_endpoint,"},
		"wrong type":   {strings.Replace(applied, `"value": 5432`, `"value": "five"`, 1), "parse terraform output"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, err := ParseOutputs([]byte(tt.in))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ParseOutputs error = %v, want %q", err, tt.want)
			}
		})
	}
}
