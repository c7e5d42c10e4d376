package hub

import (
	"testing"
)

// FuzzDecode feeds arbitrary bytes to the decoder, both schemas and the
// line index; none of it may panic.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		`{"title":"T","description":"D","type":"serverless","category":"image","config":{"runsOn":"GPU","gpuIds":"ADA_24","gpuCount":1,"containerDiskInGb":20,"env":[{"key":"A","input":{"type":"number","default":1}}]}}`,
		`{"tests":[{"name":"a","input":{"p":1},"timeout":1000}],"config":{"gpuTypeId":"NVIDIA GeForce RTX 4090","env":[{"key":"K","value":"v"}]}}`,
		`[[[[[[[[[[]]]]]]]]]]`,
		`{"a/b~c": {"": [1e999, -0, "\ud800"]}}`,
		"{\"a\":\n\xff}",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := Decode(data)
		if err != nil {
			if _, ok := err.(*SyntaxError); !ok {
				t.Fatalf("error of type %T", err)
			}
			return
		}
		for _, schema := range []string{HubSchema, TestsSchema} {
			problems, err := d.Validate(schema)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range problems {
				if l := d.Line(p.Pointer); l < 0 {
					t.Fatalf("line %d for %s", l, p.Pointer)
				}
			}
		}
	})
}
