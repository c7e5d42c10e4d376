package infra

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Outputs are the stack's terraform outputs that janitor needs. JSON names are
// terraform's output names.
type Outputs struct {
	Environment         string `json:"environment"`
	Region              string `json:"region"`
	DBClusterIdentifier string `json:"db_cluster_identifier"`
	DBEndpoint          string `json:"db_endpoint"`
	DBReaderEndpoint    string `json:"db_reader_endpoint"`
	DBPort              int    `json:"db_port"`
	DBName              string `json:"db_name"`
	AdminSecretARN      string `json:"admin_secret_arn"`
	AgentSecretARN      string `json:"agent_secret_arn"`
	ReaderSecretARN     string `json:"reader_secret_arn"`
	// InstanceID is empty unless terraform created the instance itself.
	InstanceID       string `json:"instance_id"`
	LaunchTemplateID string `json:"launch_template_id"`
	InstanceRoleName string `json:"instance_role_name"`
	LogGroupName     string `json:"log_group_name"`
	APIPort          int    `json:"api_port"`
}

// required are the outputs without which janitor cannot work.
var required = []string{
	"environment", "region", "db_cluster_identifier", "db_endpoint", "db_reader_endpoint",
	"db_port", "db_name", "admin_secret_arn", "agent_secret_arn", "reader_secret_arn",
	"launch_template_id", "log_group_name", "api_port",
}

// ParseOutputs reads the JSON that terraform output -json prints.
func ParseOutputs(data []byte) (Outputs, error) {
	var raw map[string]struct {
		Value json.RawMessage `json:"value"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return Outputs{}, fmt.Errorf("parse terraform output: %w", err)
	}
	if len(raw) == 0 {
		return Outputs{}, fmt.Errorf("the stack has no outputs: it has not been applied yet; run janitor infra apply")
	}
	var missing []string
	values := make(map[string]json.RawMessage, len(raw))
	for _, name := range required {
		v, ok := raw[name]
		if !ok || string(v.Value) == "null" {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return Outputs{}, fmt.Errorf("terraform output lacks %s: the stack is older than this janitor; run janitor infra apply", strings.Join(missing, ", "))
	}
	for name, v := range raw {
		values[name] = v.Value
	}
	flat, err := json.Marshal(values)
	if err != nil {
		return Outputs{}, fmt.Errorf("parse terraform output: %w", err)
	}
	var o Outputs
	if err := json.Unmarshal(flat, &o); err != nil {
		return Outputs{}, fmt.Errorf("parse terraform output: %w", err)
	}
	return o, nil
}
