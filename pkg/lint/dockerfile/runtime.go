package dockerfile

import (
	"strconv"
	"strings"
)

// Runtime is what a container of the final image starts with, as far as
// the Dockerfile tells.
type Runtime struct {
	// Base is the external image the final stage ultimately builds on,
	// after following stage names; Root is the stage that names it.
	Base string
	Root *Stage
	// Workdir is the final WORKDIR ("/" when never set).
	Workdir string
	// Entrypoint and Cmd are the instructions in effect, nil when the
	// Dockerfile sets none (the base image's then apply).
	Entrypoint, Cmd *Instruction
	// Env is the ENV of the final image set by the Dockerfile.
	Env map[string]string
}

// Final returns the last stage, the one that ships.
func (f *File) Final() *Stage { return f.Stages[len(f.Stages)-1] }

// Chain returns s and the stages it builds on, root first.
func (f *File) Chain(s *Stage) []*Stage {
	var chain []*Stage
	for cur := s; cur != nil; {
		chain = append([]*Stage{cur}, chain...)
		if cur.Parent < 0 || cur.Parent >= cur.Index {
			break
		}
		cur = f.Stages[cur.Parent]
	}
	return chain
}

// StageByRef finds the stage a COPY --from value names: a stage name or an
// index. It returns nil for an image.
func (f *File) StageByRef(ref string) *Stage {
	for _, s := range f.Stages {
		if s.Name != "" && strings.EqualFold(s.Name, ref) {
			return s
		}
	}
	if i, err := strconv.Atoi(ref); err == nil && i >= 0 && i < len(f.Stages) {
		return f.Stages[i]
	}
	return nil
}

// Runtime follows the final stage back through the stages it builds on and
// returns the image's start-up settings. ENTRYPOINT set in a later stage
// clears a CMD inherited from an earlier one, as Docker does.
func (f *File) Runtime() Runtime {
	final := f.Final()
	chain := f.Chain(final)
	rt := Runtime{Root: chain[0], Base: chain[0].Base, Workdir: final.Workdir, Env: final.Env}
	for _, s := range chain {
		cmdInherited := true
		for _, in := range s.Instructions {
			switch in.Kind {
			case "CMD":
				rt.Cmd, cmdInherited = in, false
			case "ENTRYPOINT":
				rt.Entrypoint = in
				if cmdInherited {
					rt.Cmd = nil
				}
			}
		}
	}
	return rt
}

// Argv is the process the container starts: ENTRYPOINT followed by CMD,
// shell forms wrapped in /bin/sh -c. It is nil when neither is set.
func (rt Runtime) Argv() []string {
	form := func(in *Instruction) []string {
		if in.Shell {
			return []string{"/bin/sh", "-c", strings.Join(in.Args, " ")}
		}
		return in.Args
	}
	switch {
	case rt.Entrypoint != nil && rt.Entrypoint.Shell:
		return form(rt.Entrypoint)
	case rt.Entrypoint != nil:
		argv := append([]string{}, rt.Entrypoint.Args...)
		if rt.Cmd != nil {
			argv = append(argv, form(rt.Cmd)...)
		}
		return argv
	case rt.Cmd != nil:
		return form(rt.Cmd)
	}
	return nil
}

// Script returns the shell text of a RUN instruction: its command line and
// any heredoc bodies.
func (in *Instruction) Script() string {
	s := strings.Join(in.Args, " ")
	for _, h := range in.Heredocs {
		s += "\n" + h
	}
	return s
}
