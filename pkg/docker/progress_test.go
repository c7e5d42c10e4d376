package docker

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	controlapi "github.com/moby/buildkit/api/services/control"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// streamWriter writes an engine build stream, as dockerd sends it.
type streamWriter struct {
	t   *testing.T
	buf bytes.Buffer
}

func (w *streamWriter) msg(v any) {
	w.t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		w.t.Fatal(err)
	}
	w.buf.Write(b)
	w.buf.WriteByte('\r') // dockerd separates messages with CRLF
	w.buf.WriteByte('\n')
}

func (w *streamWriter) trace(st *controlapi.StatusResponse) {
	w.t.Helper()
	b, err := proto.Marshal(st)
	if err != nil {
		w.t.Fatal(err)
	}
	w.msg(map[string]any{"id": auxTrace, "aux": b}) // []byte marshals as base64, as in dockerd
}

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func ts(d time.Duration) *timestamppb.Timestamp { return timestamppb.New(t0.Add(d)) }

func TestBuildStreamSuccess(t *testing.T) {
	t.Parallel()
	w := &streamWriter{t: t}
	w.trace(&controlapi.StatusResponse{Vertexes: []*controlapi.Vertex{
		{Digest: "sha256:load", Name: "[internal] load build definition from Dockerfile", Started: ts(0)},
	}})
	w.trace(&controlapi.StatusResponse{
		Vertexes: []*controlapi.Vertex{
			{Digest: "sha256:load", Name: "[internal] load build definition from Dockerfile", Started: ts(0), Completed: ts(100 * time.Millisecond)},
			{Digest: "sha256:copy", Name: "[1/2] COPY --chmod=755 probe /probe", Started: ts(0), Completed: ts(0), Cached: true},
			{Digest: "sha256:run", Name: `[2/2] RUN ["/probe", "exit", "0"]`, Started: ts(time.Second)},
		},
		Statuses: []*controlapi.VertexStatus{
			{ID: "transferring dockerfile", Vertex: "sha256:load", Current: 2048, Completed: ts(50 * time.Millisecond)},
			{ID: "in progress", Vertex: "sha256:load", Current: 10}, // not completed: not printed
		},
	})
	// Logs arrive in pieces; a progress bar redraws with \r.
	w.trace(&controlapi.StatusResponse{Logs: []*controlapi.VertexLog{
		{Vertex: "sha256:run", Stream: 1, Msg: []byte("downloading 10%\rdownloading 100%\nhalf a ")},
		{Vertex: "sha256:run", Stream: 2, Msg: []byte("warning on stderr\n")},
		{Vertex: "sha256:run", Stream: 1, Msg: []byte("line\nno newline at the end")},
	}})
	w.trace(&controlapi.StatusResponse{Vertexes: []*controlapi.Vertex{
		{Digest: "sha256:run", Name: `[2/2] RUN ["/probe", "exit", "0"]`, Started: ts(time.Second), Completed: ts(3500 * time.Millisecond)},
	}})
	w.msg(map[string]any{"id": auxImageID, "aux": map[string]string{"ID": "sha256:abc"}})
	w.msg(map[string]any{"stream": "Successfully tagged janitor/x:1\n"})

	var progress bytes.Buffer
	s := newBuildStream(&progress, 0)
	if err := s.decode(&w.buf); err != nil {
		t.Fatal(err)
	}
	want := `#1 [internal] load build definition from Dockerfile
#1 DONE 0.1s
#2 [1/2] COPY --chmod=755 probe /probe
#2 CACHED
#3 [2/2] RUN ["/probe", "exit", "0"]
#1 transferring dockerfile: 2.048kB done
#3 downloading 100%
#3 warning on stderr
#3 half a line
#3 no newline at the end
#3 DONE 2.5s
Successfully tagged janitor/x:1
`
	if progress.String() != want {
		t.Errorf("progress =\n%s\nwant\n%s", progress.String(), want)
	}
	if got := s.log.String(); got != want {
		t.Errorf("log differs from progress:\n%s", got)
	}
	if s.imageID != "sha256:abc" || s.errMsg != "" || s.failed() != nil {
		t.Errorf("image %q, error %q, failed %v", s.imageID, s.errMsg, s.failed())
	}
	if total, cached := s.steps(); total != 2 || cached != 1 {
		t.Errorf("steps = %d, %d cached; want 2, 1 cached", total, cached)
	}
	if tail := s.logTail(); !strings.HasSuffix(tail, "#3 DONE 2.5s\nSuccessfully tagged janitor/x:1") {
		t.Errorf("logTail without a failure =\n%s", tail)
	}
}

func TestBuildStreamFailure(t *testing.T) {
	t.Parallel()
	w := &streamWriter{t: t}
	w.trace(&controlapi.StatusResponse{Vertexes: []*controlapi.Vertex{
		{Digest: "sha256:a", Name: "[stage-0 1/2] RUN pip install -r requirements.txt", Started: ts(0)},
		{Digest: "sha256:b", Name: "[stage-1 1/1] COPY handler.py /", Started: ts(0)},
	}})
	var logs []*controlapi.VertexLog
	for i := range 60 {
		logs = append(logs, &controlapi.VertexLog{Vertex: "sha256:a", Stream: 1, Msg: []byte("Collecting package " + string(rune('A'+i%26)) + "\n")})
	}
	logs = append(logs, &controlapi.VertexLog{Vertex: "sha256:b", Stream: 1, Msg: []byte("unrelated line from another step\n")})
	logs = append(logs, &controlapi.VertexLog{Vertex: "sha256:a", Stream: 2, Msg: []byte("ERROR: No matching distribution found for torch==9.9\x00\xff\n")})
	w.trace(&controlapi.StatusResponse{Logs: logs})
	w.trace(&controlapi.StatusResponse{Vertexes: []*controlapi.Vertex{
		// The sibling is cancelled because the other failed; it reports first.
		{Digest: "sha256:b", Name: "[stage-1 1/1] COPY handler.py /", Started: ts(0), Completed: ts(time.Second), Error: "context canceled"},
		{Digest: "sha256:a", Name: "[stage-0 1/2] RUN pip install -r requirements.txt", Started: ts(0), Completed: ts(time.Second), Error: "executor failed running [/bin/sh -c pip install -r requirements.txt]: exit code: 1"},
	}})
	w.msg(map[string]any{"errorDetail": map[string]any{"message": "executor failed running [/bin/sh -c pip install -r requirements.txt]: exit code: 1"}, "error": "executor failed running"})

	s := newBuildStream(nil, 0)
	if err := s.decode(&w.buf); err != nil {
		t.Fatal(err)
	}
	if f := s.failed(); f == nil || f.name != "[stage-0 1/2] RUN pip install -r requirements.txt" {
		t.Fatalf("failed step = %+v", f)
	}
	if s.errMsg != "executor failed running [/bin/sh -c pip install -r requirements.txt]: exit code: 1" {
		t.Errorf("errMsg = %q", s.errMsg)
	}
	tail := strings.Split(s.logTail(), "\n")
	if len(tail) != tailLines {
		t.Errorf("logTail has %d lines, want %d", len(tail), tailLines)
	}
	wantEnd := []string{
		"#1 ERROR: No matching distribution found for torch==9.9\uFFFD",
		"#1 ERROR: executor failed running [/bin/sh -c pip install -r requirements.txt]: exit code: 1",
		"ERROR: executor failed running [/bin/sh -c pip install -r requirements.txt]: exit code: 1",
	}
	if got := tail[len(tail)-3:]; strings.Join(got, "\n") != strings.Join(wantEnd, "\n") {
		t.Errorf("logTail ends with\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(wantEnd, "\n"))
	}
	if strings.Contains(s.logTail(), "unrelated") {
		t.Errorf("logTail holds another step's output:\n%s", s.logTail())
	}
	if total, cached := s.steps(); total != 2 || cached != 0 {
		t.Errorf("steps = %d, %d", total, cached)
	}
}

func TestBuildStreamBadInput(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"not JSON":           "Internal Server Error\n",
		"trace not base64":   `{"id":"moby.buildkit.trace","aux":"@@@"}`,
		"trace not protobuf": `{"id":"moby.buildkit.trace","aux":"/////w=="}`,
		"image ID not JSON":  `{"id":"moby.image.id","aux":"x"}`,
	}
	for name, in := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if err := newBuildStream(nil, 0).decode(strings.NewReader(in)); err == nil {
				t.Errorf("decode(%q) accepted it", in)
			}
		})
	}
}

func TestBuildStreamBounded(t *testing.T) {
	t.Parallel()
	w := &streamWriter{t: t}
	w.trace(&controlapi.StatusResponse{Vertexes: []*controlapi.Vertex{{Digest: "sha256:a", Name: "[1/1] RUN spam", Started: ts(0)}}})
	long := bytes.Repeat([]byte("x"), 3*maxPartialLog) // one line, never terminated
	for range 200 {
		w.trace(&controlapi.StatusResponse{Logs: []*controlapi.VertexLog{{Vertex: "sha256:a", Stream: 1, Msg: long}}})
	}
	s := newBuildStream(nil, 4096)
	if err := s.decode(&w.buf); err != nil {
		t.Fatal(err)
	}
	if got := len(s.log.String()); got > 4096 {
		t.Errorf("log is %d bytes, over its 4096 limit", got)
	}
	if len(s.recent) > keptLines {
		t.Errorf("kept %d lines, over %d", len(s.recent), keptLines)
	}
	for _, l := range s.recent {
		if len(l.text) > maxLineBytes+16 {
			t.Fatalf("kept a %d-byte line", len(l.text))
		}
	}
}

func TestBuildStreamOnlyCancelledSteps(t *testing.T) {
	t.Parallel()
	w := &streamWriter{t: t}
	w.trace(&controlapi.StatusResponse{Vertexes: []*controlapi.Vertex{
		{Digest: "sha256:a", Name: "[internal] load .dockerignore", Started: ts(0), Completed: ts(0), Error: "rpc error: code = Canceled desc = context canceled: context canceled"},
	}})
	w.msg(map[string]any{"errorDetail": map[string]any{"message": "failed to solve with frontend dockerfile.v0: failed to read dockerfile: open Dockerfile: no such file or directory"}})
	s := newBuildStream(nil, 0)
	if err := s.decode(&w.buf); err != nil {
		t.Fatal(err)
	}
	if f := s.failed(); f != nil {
		t.Errorf("a cancelled step was blamed: %q", f.name)
	}
	if !strings.HasSuffix(s.logTail(), "ERROR: failed to solve with frontend dockerfile.v0: failed to read dockerfile: open Dockerfile: no such file or directory") {
		t.Errorf("logTail =\n%s", s.logTail())
	}
}
