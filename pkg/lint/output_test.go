package lint

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

func sampleResults() []Result {
	rep := &Report{
		Findings: []Finding{
			{RuleID: CopySourceMissing, Severity: Error, File: "Dockerfile", Line: 6, Message: `COPY source "src/" does not exist in the repository`, Remediation: "Correct the source path."},
			{RuleID: NoTestInput, Severity: Warning, Message: "no test_input.json in the repository", Remediation: "Add test_input.json."},
			{RuleID: BuildKitRequired, Severity: Info, File: "Dockerfile", Line: 4, Message: "BuildKit required: RUN --mount (line 4)"},
		},
		Suppressed: []Finding{{RuleID: ShellFormEntry, Severity: Warning, File: "Dockerfile", Line: 9, Message: "CMD in shell form", Remediation: "Use the exec form."}},
	}
	rep.Facts.normalize()
	return []Result{
		{Repository: "acme/worker-a", CommitSHA: "0123456789abcdef0123456789abcdef01234567", Report: rep},
		{Repository: "acme/worker-b", Err: errors.New("clone acme/worker-b: repository not found")},
		{Repository: "./clean", Report: &Report{Findings: []Finding{}, Suppressed: []Finding{}}},
	}
}

// keys returns the sorted keys of a JSON object.
func keys(t *testing.T, v any) []string {
	t.Helper()
	m, ok := v.(map[string]any)
	if !ok {
		t.Fatalf("%v is not an object", v)
	}
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// TestJSONFieldNames pins the JSON field names: they are an API.
func TestJSONFieldNames(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	if err := WriteJSON(&buf, sampleResults(), Warning); err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	check := func(what string, got, want []string) {
		t.Helper()
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s keys = %q, want %q", what, got, want)
		}
	}
	check("top", keys(t, doc), []string{"fail_on", "passed", "repositories"})
	repos := doc["repositories"].([]any)
	first := repos[0].(map[string]any)
	check("repository", keys(t, first), []string{"commit_sha", "error", "facts", "findings", "passed", "repository", "summary", "suppressed"})
	check("finding", keys(t, first["findings"].([]any)[0]), []string{"file", "line", "message", "remediation", "rule_id", "severity"})
	check("summary", keys(t, first["summary"]), []string{"errors", "infos", "suppressed", "warnings"})
	check("facts", keys(t, first["facts"]), []string{
		"allowed_cuda_versions", "base_image", "base_image_cuda", "buildkit", "cmd", "dockerfile", "entry", "entrypoint",
		"gpu_evidence", "gpu_likely", "handler", "handler_found_by", "handler_function", "handler_kind", "hub_repo",
		"required_env", "return_aggregate_stream", "run_dir", "runs_on", "test_input", "test_input_flag",
		"test_input_in_workdir", "tests_cpu_flavor", "tests_env", "tests_gpu_count", "tests_gpu_type_id", "tests_input",
		"tests_name", "tests_timeout_ms", "truncated", "workdir",
	})
	if doc["fail_on"] != "warning" || doc["passed"] != false {
		t.Errorf("fail_on/passed = %v/%v", doc["fail_on"], doc["passed"])
	}
	failed := repos[1].(map[string]any)
	if failed["error"] == "" || failed["facts"] != nil || failed["passed"] != false {
		t.Errorf("unlinted repository = %v", failed)
	}
	// Lists are [] and never null, even for a repository that was not linted.
	for i, r := range repos {
		m := r.(map[string]any)
		for _, k := range []string{"findings", "suppressed"} {
			if _, ok := m[k].([]any); !ok {
				t.Errorf("repositories[%d].%s = %v, want a list", i, k, m[k])
			}
		}
		if facts, ok := m["facts"].(map[string]any); ok {
			for _, k := range []string{"entrypoint", "cmd", "gpu_evidence", "allowed_cuda_versions", "required_env", "tests_env"} {
				if _, ok := facts[k].([]any); !ok {
					t.Errorf("repositories[%d].facts.%s = %v, want a list", i, k, facts[k])
				}
			}
		}
	}
	if repos[2].(map[string]any)["passed"] != true {
		t.Error("a clean repository does not pass")
	}
}

func TestSummaryAndFailed(t *testing.T) {
	t.Parallel()
	res := sampleResults()
	tests := []struct {
		r         Result
		threshold Severity
		want      bool
	}{
		{res[0], Error, true},
		{res[0], Warning, true},
		{res[1], Error, true},
		{res[2], Info, false},
		{Result{Report: &Report{Findings: []Finding{{Severity: Warning}}}}, Error, false},
		{Result{Report: &Report{Findings: []Finding{{Severity: Info}}}}, Info, true},
	}
	for i, tt := range tests {
		if got := tt.r.Failed(tt.threshold); got != tt.want {
			t.Errorf("%d: Failed(%s) = %v", i, tt.threshold, got)
		}
	}
	lines := map[string]string{
		res[0].SummaryLine(Error): "acme/worker-a: 1 error, 1 warning, 1 info, 1 suppressed: fail",
		res[1].SummaryLine(Error): "acme/worker-b: not linted: clone acme/worker-b: repository not found",
		res[2].SummaryLine(Error): "./clean: 0 errors, 0 warnings, 0 info, 0 suppressed: pass",
	}
	for got, want := range lines {
		if got != want {
			t.Errorf("SummaryLine = %q, want %q", got, want)
		}
	}
}

func TestWriteSARIF(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	if err := WriteSARIF(&buf, sampleResults(), "v0.1.0"); err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	schema, err := c.Compile(filepath.Join("testdata", "sarif-subset.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if err := schema.Validate(doc); err != nil {
		t.Fatalf("SARIF does not validate: %v", err)
	}
	var log sarifLog
	if err := json.Unmarshal(buf.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	if len(log.Runs) != 3 {
		t.Fatalf("%d runs", len(log.Runs))
	}
	run := log.Runs[0]
	if len(run.Tool.Driver.Rules) != len(Rules()) {
		t.Errorf("%d rules in the driver", len(run.Tool.Driver.Rules))
	}
	for _, r := range run.Results {
		if run.Tool.Driver.Rules[r.RuleIndex].ID != r.RuleID {
			t.Errorf("ruleIndex %d does not point at %s", r.RuleIndex, r.RuleID)
		}
	}
	got := []string{}
	for _, r := range run.Results {
		line := 0
		if len(r.Locations) > 0 && r.Locations[0].PhysicalLocation.Region != nil {
			line = r.Locations[0].PhysicalLocation.Region.StartLine
		}
		got = append(got, r.RuleID+"/"+r.Level+"/"+itoa(line)+"/"+itoa(len(r.Suppressions)))
	}
	want := []string{"JW005/error/6/0", "JW018/warning/0/0", "JW006/note/4/0", "JW007/warning/9/1"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("results = %v, want %v", got, want)
	}
	if log.Runs[1].Invocations[0].ExecutionSuccessful || len(log.Runs[1].Results) != 0 {
		t.Errorf("failed repository run = %+v", log.Runs[1])
	}
	if uriPath("dir with space/a#b.py") != "dir%20with%20space/a%23b.py" {
		t.Errorf("uriPath = %s", uriPath("dir with space/a#b.py"))
	}
}

func itoa(i int) string { b, _ := json.Marshal(i); return string(b) }

// TestGolden pins the whole JSON output for a few fixtures; run with
// -update to rewrite the files after an intended change.
func TestGolden(t *testing.T) {
	t.Parallel()
	names := map[string]bool{"clean": true, "JW005": true, "JW014": true, "JW025": true, "JW031": true}
	for _, f := range loadFixtures(t) {
		if !names[f.name] {
			continue
		}
		t.Run(f.name, func(t *testing.T) {
			t.Parallel()
			rep, err := Run(t.Context(), f.extract(t), Options{})
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if err := WriteJSON(&buf, []Result{{Repository: f.name, Report: rep}}, Error); err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata", "golden", f.name+".json")
			if *update {
				if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./pkg/lint -run TestGolden -update)", err)
			}
			if !bytes.Equal(buf.Bytes(), want) {
				t.Errorf("%s differs from the golden file (run go test ./pkg/lint -run TestGolden -update and review the diff):\n%s", f.name, buf.String())
			}
		})
	}
}
