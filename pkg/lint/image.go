package lint

import (
	"path"
	"strings"

	"github.com/moby/patternmatcher"

	"github.com/runpod-workers/janitor/pkg/lint/dockerfile"
)

// image maps paths inside the built image back to repository files,
// following each stage's COPY/ADD instructions (and COPY --from between
// stages). It is what lets lint say "CMD runs /app/handler.py, which is
// src/handler.py in the repository".
type image struct {
	df     *dockerfile.File
	t      *tree
	ignore *patternmatcher.PatternMatcher // .dockerignore, nil when none
	stages [][]mapping
	before map[*dockerfile.Instruction]int // mappings in effect before an instruction
}

// mapping says that dest in the image comes from src: a repository path
// (stage < 0) or a path in another stage's image.
type mapping struct {
	dest  string
	src   string
	stage int
	// dir: dest holds the contents of the directory src. auto: src's kind
	// is unknown (another stage), so both readings are tried.
	dir, auto bool
}

// copyProblem is a COPY/ADD source that is not in the build context.
type copyProblem struct {
	in       *dockerfile.Instruction
	source   string
	wildcard bool
	ignored  bool
}

func newImage(df *dockerfile.File, t *tree, ignore *patternmatcher.PatternMatcher) (*image, []copyProblem) {
	img := &image{df: df, t: t, ignore: ignore, before: map[*dockerfile.Instruction]int{}}
	var problems []copyProblem
	for _, s := range df.Stages {
		var ms []mapping
		if s.Parent >= 0 && s.Parent < len(img.stages) {
			ms = append(ms, img.stages[s.Parent]...)
		}
		for _, in := range s.Instructions {
			img.before[in] = len(ms)
			if (in.Kind != "COPY" && in.Kind != "ADD") || in.Unresolved {
				continue
			}
			from := -1
			if in.From != "" {
				st := df.StageByRef(in.From)
				if st == nil || st.Index >= s.Index {
					continue // copied from an image: nothing to map
				}
				from = st.Index
			}
			multi := len(in.Sources) > 1
			for _, src := range in.Sources {
				if from >= 0 {
					ms = append(ms, img.stageMapping(in, src, from))
					continue
				}
				if dockerfile.IsRemoteSource(src) {
					continue
				}
				m, p := img.contextMappings(in, src, multi)
				ms = append(ms, m...)
				if p != nil {
					problems = append(problems, *p)
				}
			}
		}
		img.stages = append(img.stages, ms)
	}
	return img, problems
}

func (img *image) stageMapping(in *dockerfile.Instruction, src string, from int) mapping {
	// Whether src is a file or a directory in the other stage is not
	// known here, so the mapping tries both readings.
	return mapping{dest: in.Dest, src: path.Clean("/" + src), stage: from, auto: true}
}

// contextMappings maps one build-context source; it reports the source when
// the context does not have it.
func (img *image) contextMappings(in *dockerfile.Instruction, src string, multi bool) ([]mapping, *copyProblem) {
	rel := clean(src)
	if hasWildcard(rel) {
		matches := img.glob(rel)
		if len(matches) == 0 {
			return nil, &copyProblem{in: in, source: src, wildcard: true}
		}
		var ms []mapping
		for _, m := range matches {
			if img.t.isDir(m) {
				ms = append(ms, mapping{dest: in.Dest, src: m, stage: -1, dir: true})
			} else {
				ms = append(ms, mapping{dest: path.Join(in.Dest, path.Base(m)), src: m, stage: -1})
			}
		}
		return ms, nil
	}
	if !img.t.exists(rel) {
		return nil, &copyProblem{in: in, source: src}
	}
	if !img.inContext(rel) {
		return nil, &copyProblem{in: in, source: src, ignored: true}
	}
	if img.t.isDir(rel) {
		return []mapping{{dest: in.Dest, src: rel, stage: -1, dir: true}}, nil
	}
	dest := in.Dest
	if in.DestDir || multi {
		dest = path.Join(in.Dest, path.Base(rel))
	}
	return []mapping{{dest: dest, src: rel, stage: -1}}, nil
}

// inContext reports whether p reaches the build context: not excluded by
// .dockerignore, or (for a directory) with something below it re-included.
func (img *image) inContext(p string) bool {
	if !img.excluded(p) {
		return true
	}
	if !img.t.isDir(p) {
		return false
	}
	for _, q := range img.t.under(p) {
		if !img.excluded(q) {
			return true
		}
	}
	return false
}

func (img *image) excluded(p string) bool {
	if img.ignore == nil || p == "." {
		return false
	}
	ok, err := img.ignore.MatchesOrParentMatches(p)
	return err == nil && ok
}

// glob matches a COPY wildcard against the repository the way the builder
// does: * and ? do not cross "/", ** does.
func (img *image) glob(pattern string) []string {
	var pm *patternmatcher.PatternMatcher
	if strings.Contains(pattern, "**") {
		var err error
		if pm, err = patternmatcher.New([]string{pattern}); err != nil {
			return nil
		}
	}
	var out []string
	matched := map[string]bool{}
	for _, p := range img.t.paths {
		var ok bool
		if pm != nil {
			ok, _, _ = pm.MatchesUsingParentResults(p, patternmatcher.MatchInfo{})
		} else {
			ok, _ = path.Match(pattern, p)
		}
		if !ok || !img.inContext(p) {
			continue
		}
		matched[p] = true
		// Below a matched directory, the directory's copy covers it.
		if d := path.Dir(p); d != "." && matched[d] {
			matched[p] = true
			continue
		}
		out = append(out, p)
	}
	return out
}

// imageJoin resolves p against the image directory wd: absolute paths stand
// on their own.
func imageJoin(wd, p string) string {
	if strings.HasPrefix(p, "/") {
		return path.Clean(p)
	}
	return path.Join("/", wd, p)
}

func hasWildcard(p string) bool { return strings.ContainsAny(p, "*?[") }

// resolve returns the repository file (or directory) that the image path p
// holds in stage s, using only the first upto mappings of the stage (pass
// -1 for all). ok is false when the path cannot be traced to the repository.
func (img *image) resolve(s, upto int, p string) (string, bool) {
	return img.resolveDepth(s, upto, path.Clean("/"+p), 0)
}

func (img *image) resolveDepth(s, upto int, p string, depth int) (string, bool) {
	if s < 0 || s >= len(img.stages) || depth > len(img.stages) {
		return "", false
	}
	ms := img.stages[s]
	if upto >= 0 && upto < len(ms) {
		ms = ms[:upto]
	}
	for i := len(ms) - 1; i >= 0; i-- {
		m := ms[i]
		for _, cand := range m.candidates(p) {
			if m.stage >= 0 {
				if r, ok := img.resolveDepth(m.stage, -1, cand, depth+1); ok {
					return r, true
				}
				continue
			}
			if img.t.exists(cand) && img.inContext(cand) {
				return cand, true
			}
		}
	}
	return "", false
}

// candidates lists the source paths that image path p would come from
// under this mapping.
func (m mapping) candidates(p string) []string {
	join := func(base, rest string) string {
		if m.stage >= 0 {
			return path.Join(base, rest)
		}
		return clean(path.Join(base, rest))
	}
	var out []string
	if m.dir || m.auto {
		if p == m.dest {
			out = append(out, m.src)
		} else if rest, ok := strings.CutPrefix(p, strings.TrimSuffix(m.dest, "/")+"/"); ok {
			out = append(out, join(m.src, rest))
		}
	}
	if m.auto {
		if p == path.Join(m.dest, path.Base(m.src)) {
			out = append(out, m.src)
		}
	} else if !m.dir && p == m.dest {
		out = append(out, m.src)
	}
	return out
}

// finalStage is the index of the stage that ships.
func (img *image) finalStage() int { return len(img.df.Stages) - 1 }
