package dockerfile

import (
	"reflect"
	"strconv"
	"strings"
	"testing"
)

func mustParse(t *testing.T, src string) *File {
	t.Helper()
	f, err := Parse([]byte(src))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return f
}

func TestStagesAndBase(t *testing.T) {
	t.Parallel()
	f := mustParse(t, `ARG CUDA=12.4.1
ARG BASE_IMAGE=nvidia/cuda:${CUDA}-runtime-ubuntu22.04
ARG NODEFAULT
FROM ${BASE_IMAGE} AS base
ENV APP=/srv
WORKDIR $APP
FROM base as Final
WORKDIR sub
FROM $NODEFAULT
FROM --platform=$BUILDPLATFORM python:3.11 AS tool
FROM final
`)
	if len(f.Stages) != 5 {
		t.Fatalf("%d stages", len(f.Stages))
	}
	want := []struct {
		name, base string
		parent     int
		unresolved []string
		workdir    string
	}{
		{"base", "nvidia/cuda:12.4.1-runtime-ubuntu22.04", -1, nil, "/srv"},
		{"final", "base", 0, nil, "/srv/sub"},
		{"", "", -1, []string{"NODEFAULT"}, "/"},
		{"tool", "python:3.11", -1, nil, "/"},
		{"", "final", 1, nil, "/srv/sub"},
	}
	for i, w := range want {
		s := f.Stages[i]
		if s.Name != w.name || s.Base != w.base || s.Parent != w.parent || !reflect.DeepEqual(s.Unresolved, w.unresolved) || s.Workdir != w.workdir {
			t.Errorf("stage %d = %+v, want %+v", i, s, w)
		}
	}
	if !reflect.DeepEqual(f.FromAsCasing, []int{7}) {
		t.Errorf("FromAsCasing = %v, want [7]", f.FromAsCasing)
	}
	if len(f.MetaArgs) != 3 || f.MetaArgs[1].Value != "nvidia/cuda:12.4.1-runtime-ubuntu22.04" || f.MetaArgs[2].HasValue {
		t.Errorf("MetaArgs = %+v", f.MetaArgs)
	}
	rt := f.Runtime()
	if rt.Base != "nvidia/cuda:12.4.1-runtime-ubuntu22.04" || rt.Workdir != "/srv/sub" || rt.Env["APP"] != "/srv" {
		t.Errorf("Runtime = %+v", rt)
	}
}

func TestCopyExpansion(t *testing.T) {
	t.Parallel()
	f := mustParse(t, `FROM python:3.11
ARG SRC=src
WORKDIR /app
COPY ${SRC}/handler.py ./
COPY requirements.txt /tmp/
ADD https://example.test/x.tgz /opt
COPY --from=0 /app /other
COPY $UNKNOWN /x
COPY <<EOF /etc/motd
hi
EOF
`)
	ins := f.Final().Instructions
	copies := []*Instruction{}
	for _, in := range ins {
		if in.Kind == "COPY" || in.Kind == "ADD" {
			copies = append(copies, in)
		}
	}
	want := []struct {
		src        []string
		dest       string
		dir        bool
		from       string
		unresolved bool
	}{
		{[]string{"src/handler.py"}, "/app", true, "", false},
		{[]string{"requirements.txt"}, "/tmp", true, "", false},
		{[]string{"https://example.test/x.tgz"}, "/opt", false, "", false},
		{[]string{"/app"}, "/other", false, "0", false},
		{[]string{""}, "/x", false, "", true},
		{nil, "/etc/motd", false, "", false},
	}
	if len(copies) != len(want) {
		t.Fatalf("%d copies", len(copies))
	}
	for i, w := range want {
		c := copies[i]
		if !reflect.DeepEqual(c.Sources, w.src) || c.Dest != w.dest || c.DestDir != w.dir || c.From != w.from || c.Unresolved != w.unresolved {
			t.Errorf("copy %d = %+v, want %+v", i, c, w)
		}
	}
	if !IsRemoteSource(copies[2].Sources[0]) || IsRemoteSource("src") {
		t.Error("IsRemoteSource")
	}
	if f.StageByRef("0") != f.Stages[0] || f.StageByRef("nope") != nil {
		t.Error("StageByRef")
	}
}

func TestRuntime(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, src string
		argv      []string
		cmdLine   int
	}{
		{"exec cmd", "FROM a\nCMD [\"python\", \"-u\", \"handler.py\"]\n", []string{"python", "-u", "handler.py"}, 2},
		{"shell cmd", "FROM a\nCMD python handler.py\n", []string{"/bin/sh", "-c", "python handler.py"}, 2},
		{"entrypoint and cmd", "FROM a\nENTRYPOINT [\"python\"]\nCMD [\"h.py\"]\n", []string{"python", "h.py"}, 3},
		{"shell entrypoint ignores cmd", "FROM a\nENTRYPOINT /start.sh\nCMD [\"x\"]\n", []string{"/bin/sh", "-c", "/start.sh"}, 3},
		{"inherited from stage", "FROM a AS b\nCMD [\"x\"]\nFROM b\nRUN true\n", []string{"x"}, 2},
		{"entrypoint clears inherited cmd", "FROM a AS b\nCMD [\"x\"]\nFROM b\nENTRYPOINT [\"y\"]\n", []string{"y"}, 0},
		{"none", "FROM a\nRUN true\n", nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rt := mustParse(t, tt.src).Runtime()
			if got := rt.Argv(); !reflect.DeepEqual(got, tt.argv) {
				t.Errorf("Argv = %q, want %q", got, tt.argv)
			}
			line := 0
			if rt.Cmd != nil {
				line = rt.Cmd.Line
			}
			if line != tt.cmdLine {
				t.Errorf("CMD line = %d, want %d", line, tt.cmdLine)
			}
		})
	}
}

func TestFeatures(t *testing.T) {
	t.Parallel()
	f := mustParse(t, `# syntax=docker/dockerfile:1.7
FROM python:3.11
RUN --mount=type=cache,target=/root/.cache pip install -r requirements.txt
COPY --chmod=755 start.sh /
COPY --from=0 --chown=1:1 /a /b
ADD --chown=1:1 a /a
RUN <<EOF
echo hi
EOF
`)
	var got []string
	for _, ft := range f.Features {
		got = append(got, ft.Name+"@"+strconv.Itoa(ft.Line))
	}
	want := []string{"# syntax= directive@1", "RUN --mount@3", "COPY --chmod@4", "RUN heredoc@7"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Features = %q, want %q", got, want)
	}
	if f.Syntax != "docker/dockerfile:1.7" {
		t.Errorf("Syntax = %q", f.Syntax)
	}
	run := f.Final().Instructions[len(f.Final().Instructions)-1]
	if !strings.Contains(run.Script(), "echo hi") {
		t.Errorf("heredoc script = %q", run.Script())
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, src string
		line      int
		msg       string
	}{
		{"empty", "", 0, "no instructions"},
		{"comment only", "# nothing\n", 1, "no instructions"},
		{"no from", "RUN echo\n", 1, "before the first FROM"},
		{"only args", "ARG A=1\n", 0, "no FROM"},
		{"unknown instruction", "FROM a\nFROBNICATE x\n", 2, "unknown instruction"},
		{"bad stage name", "FROM a AS 1bad\n", 1, "invalid name"},
		{"copy without dest", "FROM a\nCOPY x\n", 2, "COPY requires"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse([]byte(tt.src))
			e, ok := err.(*Error)
			if !ok {
				t.Fatalf("error = %#v, want *Error", err)
			}
			if e.Line != tt.line || !strings.Contains(e.Msg, tt.msg) {
				t.Errorf("error = line %d %q, want line %d containing %q", e.Line, e.Msg, tt.line, tt.msg)
			}
		})
	}
}
