package dockerfile

import (
	"testing"
)

// FuzzParse feeds arbitrary bytes to the Dockerfile front end and to
// everything the rules derive from its result. It must never panic, and
// the model must stay consistent.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"FROM python:3.11\nCMD [\"python\", \"h.py\"]\n",
		"ARG B=x\nFROM ${B:-y} AS a\nFROM a\nCOPY --from=a /x /y\nENTRYPOINT /start.sh\n",
		"# syntax=docker/dockerfile:1\nFROM a\nRUN <<EOF\necho\nEOF\nCOPY <<X /f\nbody\nX\n",
		"FROM a\nWORKDIR $UNSET/x\nCOPY ${A:?err} .\nRUN --mount=type=bind,source=a,target=/b x\n",
		"\\\nFROM\\\n a",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := Parse(data)
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("error of type %T: %v", err, err)
			}
			return
		}
		if len(file.Stages) == 0 {
			t.Fatal("parsed without stages")
		}
		for _, s := range file.Stages {
			if s.Parent >= s.Index {
				t.Fatalf("stage %d builds on later stage %d", s.Index, s.Parent)
			}
			for _, in := range s.Instructions {
				if in.Workdir == "" || in.Workdir[0] != '/' {
					t.Fatalf("workdir %q is not absolute", in.Workdir)
				}
				_ = in.Script()
				if in.From != "" {
					_ = file.StageByRef(in.From)
				}
			}
			_ = file.Chain(s)
		}
		rt := file.Runtime()
		_ = rt.Argv()
	})
}
