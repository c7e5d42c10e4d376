package docker

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	units "github.com/docker/go-units"
	controlapi "github.com/moby/buildkit/api/services/control"
	"github.com/moby/moby/api/types/jsonstream"
	"github.com/runpod-workers/janitor/pkg/logtext"
	"google.golang.org/protobuf/proto"
)

// Aux message IDs in the engine's build stream.
const (
	auxTrace   = "moby.buildkit.trace" // a BuildKit StatusResponse, protobuf in base64
	auxImageID = "moby.image.id"       // {"ID": "sha256:..."}
)

// Bounds on what the decoder keeps besides the capped log.
const (
	tailLines     = 40   // lines in BuildResult.LogTail
	keptLines     = 400  // recent lines kept to pick the tail from
	maxLineBytes  = 2048 // a longer line is cut
	maxPartialLog = 8192 // an unterminated log line is flushed at this size
)

// buildStream turns the engine's build stream (JSON messages carrying
// BuildKit status updates) into plain progress lines in the style of
// `docker buildx build --progress=plain`, and remembers what a BuildResult
// needs: the image ID, the failing step and its error, step counts and the
// last lines.
type buildStream struct {
	progress io.Writer       // the caller's writer; may be nil
	log      *logtext.Buffer // every line, capped
	recent   []line          // the last keptLines lines, oldest first
	vertices map[string]*vertex
	order    []*vertex // in order of first appearance
	printed  int       // steps numbered so far
	imageID  string
	errMsg   string // the build's error, from the engine
}

type line struct {
	vertex *vertex // nil for lines that belong to no step
	text   string
}

type vertex struct {
	num                        int // as printed after "#"; 0 until printed
	name                       string
	started, completed, cached bool
	errMsg                     string
	partial                    [3][]byte // an unterminated log line per stream
}

func newBuildStream(progress io.Writer, logLimit int) *buildStream {
	return &buildStream{progress: progress, log: logtext.NewBuffer(logLimit), vertices: map[string]*vertex{}}
}

// decode reads the whole stream. It fails only when the stream cannot be
// read or is not what the engine sends; a failed build is recorded in
// errMsg.
func (s *buildStream) decode(r io.Reader) error {
	dec := json.NewDecoder(r)
	for {
		var m jsonstream.Message
		if err := dec.Decode(&m); err != nil {
			if errors.Is(err, io.EOF) {
				s.flushAll()
				return nil
			}
			s.flushAll()
			return fmt.Errorf("read the build output: %w", err)
		}
		if err := s.handle(m); err != nil {
			return err
		}
	}
}

func (s *buildStream) handle(m jsonstream.Message) error {
	switch {
	case m.Error != nil:
		s.errMsg = cmp.Or(m.Error.Message, "the build failed without a message")
		s.flushAll()
		s.emit(nil, "ERROR: "+s.errMsg)
	case m.ID == auxTrace && m.Aux != nil:
		var raw []byte
		if err := json.Unmarshal(*m.Aux, &raw); err != nil {
			return fmt.Errorf("read a BuildKit status message: %w", err)
		}
		var st controlapi.StatusResponse
		if err := proto.Unmarshal(raw, &st); err != nil {
			return fmt.Errorf("decode a BuildKit status message: %w", err)
		}
		s.status(&st)
	case m.ID == auxImageID && m.Aux != nil:
		var id struct{ ID string }
		if err := json.Unmarshal(*m.Aux, &id); err != nil {
			return fmt.Errorf("read the built image's ID: %w", err)
		}
		s.imageID = id.ID
	case m.Stream != "":
		for _, l := range strings.Split(strings.TrimRight(m.Stream, "\n"), "\n") {
			s.emit(nil, l)
		}
	}
	return nil
}

// status applies one BuildKit status update.
func (s *buildStream) status(st *controlapi.StatusResponse) {
	for _, v := range st.Vertexes {
		vx := s.vertex(v.Digest)
		if v.Name != "" {
			vx.name = v.Name
		}
		if (v.Started != nil || v.Cached) && !vx.started {
			vx.started = true
			s.emit(vx, vx.name)
		}
		if v.Completed == nil || vx.completed {
			continue
		}
		vx.completed = true
		s.flush(vx)
		switch {
		case v.Error != "":
			vx.errMsg = v.Error
			s.emit(vx, "ERROR: "+v.Error)
		case v.Cached:
			vx.cached = true
			s.emit(vx, "CACHED")
		default:
			d := v.Completed.AsTime().Sub(v.Started.AsTime())
			s.emit(vx, fmt.Sprintf("DONE %.1fs", d.Seconds()))
		}
	}
	for _, st := range st.Statuses {
		if st.Completed == nil || st.Current == 0 {
			continue
		}
		vx := s.vertex(st.Vertex)
		s.emit(vx, fmt.Sprintf("%s %s done", strings.TrimSuffix(st.ID, ":")+":", units.HumanSize(float64(st.Current))))
	}
	for _, l := range st.Logs {
		vx := s.vertex(l.Vertex)
		i := min(max(int(l.Stream), 0), 2)
		vx.partial[i] = append(vx.partial[i], l.Msg...)
		for {
			nl := bytes.IndexByte(vx.partial[i], '\n')
			if nl < 0 {
				break
			}
			s.emitLog(vx, vx.partial[i][:nl])
			vx.partial[i] = vx.partial[i][nl+1:]
		}
		if len(vx.partial[i]) > maxPartialLog {
			s.emitLog(vx, vx.partial[i])
			vx.partial[i] = nil
		}
	}
}

func (s *buildStream) vertex(digest string) *vertex {
	vx, ok := s.vertices[digest]
	if !ok {
		vx = &vertex{}
		s.vertices[digest] = vx
		s.order = append(s.order, vx)
	}
	return vx
}

// emitLog prints a line of a step's own output. A carriage return redraws a
// line (progress bars), so only what follows the last one is kept.
func (s *buildStream) emitLog(vx *vertex, b []byte) {
	b = bytes.TrimRight(b, "\r")
	if i := bytes.LastIndexByte(b, '\r'); i >= 0 {
		b = b[i+1:]
	}
	s.emit(vx, logtext.Clean(b))
}

func (s *buildStream) flush(vx *vertex) {
	for i := range vx.partial {
		if len(vx.partial[i]) > 0 {
			s.emitLog(vx, vx.partial[i])
			vx.partial[i] = nil
		}
	}
}

func (s *buildStream) flushAll() {
	for _, vx := range s.order {
		s.flush(vx)
	}
}

// emit writes one line, prefixed with its step's number.
func (s *buildStream) emit(vx *vertex, text string) {
	if len(text) > maxLineBytes {
		text = logtext.Cap(text, maxLineBytes)
	}
	out := text
	if vx != nil {
		if vx.num == 0 {
			s.printed++
			vx.num = s.printed
		}
		out = fmt.Sprintf("#%d %s", vx.num, text)
	}
	out += "\n"
	_, _ = s.log.Write([]byte(out))
	if s.progress != nil {
		// Progress is for people watching; a writer that fails must not
		// fail the build.
		_, _ = io.WriteString(s.progress, out)
	}
	if len(s.recent) == keptLines {
		s.recent = append(s.recent[:0], s.recent[1:]...)
	}
	s.recent = append(s.recent, line{vertex: vx, text: strings.TrimSuffix(out, "\n")})
}

// failed returns the step that failed, if one did. Steps cancelled because
// another step (or the build) failed report "context canceled": they are not
// the cause, and a failure with only those (the Dockerfile cannot be read,
// say) has no failing step.
func (s *buildStream) failed() *vertex {
	for _, vx := range s.order {
		if vx.errMsg != "" && !strings.Contains(vx.errMsg, "context canceled") {
			return vx
		}
	}
	return nil
}

// running returns the Dockerfile step that started last and did not
// finish by itself (it is running, or was cancelled), if there is one.
func (s *buildStream) running() *vertex {
	var last *vertex
	for _, vx := range s.order {
		unfinished := !vx.completed || strings.Contains(vx.errMsg, "context canceled")
		if vx.started && unfinished && isStep(vx.name) {
			last = vx
		}
	}
	return last
}

// isStep tells a Dockerfile instruction ("[2/3] COPY ...", "[stage-1 1/2]
// RUN ...") from BuildKit's own work ("[internal] load ...", "exporting to
// image").
func isStep(name string) bool {
	return strings.HasPrefix(name, "[") && !strings.HasPrefix(name, "[internal]")
}

// logTail returns the last lines of the failing step and the build's error,
// or the last lines of the whole build when no step failed.
func (s *buildStream) logTail() string {
	failed := s.failed()
	var lines []string
	for _, l := range s.recent {
		if failed == nil || l.vertex == failed || l.vertex == nil && strings.HasPrefix(l.text, "ERROR: ") {
			lines = append(lines, l.text)
		}
	}
	if len(lines) > tailLines {
		lines = lines[len(lines)-tailLines:]
	}
	return strings.Join(lines, "\n")
}

// steps counts the Dockerfile's instructions that ran (see isStep), and how
// many of them came from the cache.
func (s *buildStream) steps() (total, cached int) {
	for _, vx := range s.order {
		if !vx.started || !isStep(vx.name) {
			continue
		}
		total++
		if vx.cached {
			cached++
		}
	}
	return total, cached
}
