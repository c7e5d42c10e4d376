package hub

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func TestDecodeErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		data string
		line int
		msg  string
	}{
		{"empty", "", 1, "empty document"},
		{"blank", "  \n ", 1, "empty document"},
		{"syntax", "{\n  \"a\": 1,\n  \"b\": tru\n}", 3, "invalid character"},
		{"trailing", "{}\n{}", 2, "after the JSON value"},
		{"invalid utf-8", "{\n\"a\": \"\xff\"}", 2, "UTF-8"},
		{"deep", strings.Repeat("[", 100000) + strings.Repeat("]", 100000), 1, "nested deeper than 64"},
		{"unterminated", `{"a": [1, 2`, 1, "unexpected EOF"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Decode([]byte(tt.data))
			se, ok := err.(*SyntaxError)
			if !ok {
				t.Fatalf("error = %#v, want *SyntaxError", err)
			}
			if se.Line != tt.line || !strings.Contains(se.Msg, tt.msg) {
				t.Errorf("error = %v, want line %d and %q", se, tt.line, tt.msg)
			}
		})
	}
}

func TestLines(t *testing.T) {
	t.Parallel()
	d, err := Decode([]byte(`{
  "title": "x",
  "config": {
    "env": [
      {"key": "A"},
      {
        "key": "a/b~c",
        "value": 1
      }
    ]
  }
}`))
	if err != nil {
		t.Fatal(err)
	}
	tests := map[string]int{
		"":                        1,
		"/title":                  2,
		"/config":                 3,
		"/config/env/0":           5,
		"/config/env/0/key":       5,
		"/config/env/1/value":     8,
		"/config/env/1/key":       7,
		"/config/env/1/missing":   6,
		"/config/env/7":           4,
		Pointer("config", "env"):  4,
		Pointer("a/b~c", "nope"):  1,
		"/config/env/1/value/x/y": 8,
	}
	for p, want := range tests {
		if got := d.Line(p); got != want {
			t.Errorf("Line(%q) = %d, want %d", p, got, want)
		}
	}
	if Pointer("a/b~c", 3) != "/a~1b~0c/3" {
		t.Errorf("Pointer escaping: %s", Pointer("a/b~c", 3))
	}
	if v, ok := d.Value.(map[string]any)["config"].(map[string]any)["env"].([]any)[1].(map[string]any)["value"].(json.Number); !ok || v != "1" {
		t.Errorf("numbers are not json.Number: %#v", v)
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, schema, doc string
		want              []Problem
	}{
		{"valid hub", HubSchema, `{"title":"T","description":"D","type":"serverless","category":"image",
			"config":{"runsOn":"GPU","containerDiskInGb":20,"gpuCount":1,"gpuIds":"ADA_24","env":[],"presets":[]}}`, nil},
		{"hub problems", HubSchema, `{"title":"","description":"D","type":"worker","category":"image",
			"config":{"runsOn":"TPU","containerDiskInGb":2.5,"presets":[{"name":"p"}]}}`, []Problem{
			{"/config/containerDiskInGb", "got number, want integer"},
			{"/config/presets/0", "missing property 'defaults'"},
			{"/config/runsOn", "value must be one of 'GPU', 'CPU'"},
			{"/title", "minLength: got 0, want 1"},
			{"/type", "value must be 'serverless'"},
		}},
		{"hub not an object", HubSchema, `[]`, []Problem{{"", "got array, want object"}}},
		{"valid tests", TestsSchema, `{"tests":[{"name":"a","input":{},"timeout":1000}],"config":{"gpuTypeId":"NVIDIA GeForce RTX 4090","gpuCount":1,"env":[{"key":"K","value":"v"}]}}`, nil},
		{"tests problems", TestsSchema, `{"tests":[{"name":"a","input":"x","timeout":0}],"config":{"gpuCount":0,"env":[{"key":"K"}]}}`, []Problem{
			{"/config/env/0", "missing property 'value'"},
			{"/config/gpuCount", "minimum: got 0, want 1"},
			{"/tests/0/input", "got string, want object"},
			{"/tests/0/timeout", "exclusiveMinimum: got 0, want 0"},
		}},
		{"empty tests", TestsSchema, `{"tests":[]}`, []Problem{{"/tests", "minItems: got 0, want 1"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d, err := Decode([]byte(tt.doc))
			if err != nil {
				t.Fatal(err)
			}
			got, err := d.Validate(tt.schema)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Validate\n got %q\nwant %q", got, tt.want)
			}
		})
	}
	d, _ := Decode([]byte(`{}`))
	if _, err := d.Validate("nope.json"); err == nil {
		t.Error("unknown schema accepted")
	}
}

func TestSchemasAreEmbedded(t *testing.T) {
	t.Parallel()
	for _, name := range []string{HubSchema, TestsSchema} {
		data, err := Schema(name)
		if err != nil || !json.Valid(data) {
			t.Errorf("schema %s: %v", name, err)
		}
	}
}
