package lint

import (
	"fmt"
	"path"
	"regexp"
	"strings"

	"github.com/runpod-workers/janitor/pkg/lint/dockerfile"
	"github.com/runpod-workers/janitor/pkg/lint/script"
)

// requirements are the Python requirements of the repository, split into
// those the Dockerfile installs and the rest.
type requirements struct {
	installed      []requirement
	installedFiles map[string]bool
	all            []requirement // every requirement in every file, plus command lines
}

var reqFileRe = regexp.MustCompile(`(^|/)(requirements[^/]*\.txt|requirements/[^/]+\.txt)$`)

// loadRequirements reads every requirements file and pyproject.toml of the
// repository and works out which of them the Dockerfile installs.
func (c *checker) loadRequirements() {
	r := &requirements{installedFiles: map[string]bool{}}
	c.reqs = r
	files := map[string][]requirement{}
	for _, p := range c.t.paths {
		if vendored(p) || !c.t.isFile(p) || len(files) >= 50 {
			continue
		}
		switch {
		case reqFileRe.MatchString(p):
			if data, err := c.t.read(p, maxTextBytes); err == nil {
				rf := parseRequirements(data, p)
				files[p] = rf.reqs
			}
		case path.Base(p) == "pyproject.toml":
			if data, err := c.t.read(p, maxTextBytes); err == nil {
				files[p] = parsePyproject(data, p)
			}
		}
	}
	for _, p := range sortedKeys(files) {
		r.all = append(r.all, files[p]...)
	}
	if c.df == nil {
		return
	}
	var installFile func(p string, depth int)
	installFile = func(p string, depth int) {
		if r.installedFiles[p] || depth > 5 || !c.t.isFile(p) {
			return
		}
		r.installedFiles[p] = true
		data, err := c.t.read(p, maxTextBytes)
		if err != nil {
			return
		}
		var rf reqFile
		if path.Base(p) == "pyproject.toml" {
			rf.reqs = parsePyproject(data, p)
		} else {
			rf = parseRequirements(data, p)
		}
		r.installed = append(r.installed, rf.reqs...)
		if _, scanned := files[p]; !scanned {
			r.all = append(r.all, rf.reqs...)
		}
		for _, inc := range rf.includes {
			installFile(inc, depth+1)
		}
	}
	for _, s := range c.df.file.Stages {
		for _, in := range s.Instructions {
			if in.Kind != "RUN" {
				continue
			}
			for _, cmd := range script.Split(in.Script()) {
				w := stripWrappers(cmd.Words)
				if pi, ok := parsePipInstall(w); ok {
					for _, f := range pi.reqFiles {
						if rp, ok := c.runPath(s, in, f); ok {
							installFile(rp, 0)
						}
					}
					for _, spec := range append(pi.specs, pi.editables...) {
						req := parseSpec(spec)
						if req.local {
							if rp, ok := c.runPath(s, in, spec); ok && c.t.isDir(rp) {
								installFile(path.Join(rp, "pyproject.toml"), 0)
							}
							continue
						}
						req.file, req.line = c.df.path, in.Line
						r.installed = append(r.installed, req)
						r.all = append(r.all, req)
					}
					continue
				}
				if projectInstall(w) {
					if rp, ok := c.runPath(s, in, "."); ok {
						installFile(path.Join(rp, "pyproject.toml"), 0)
					}
				}
			}
		}
	}
}

// projectInstall: commands that install the project in the working
// directory from its pyproject.toml.
func projectInstall(w []string) bool {
	if len(w) < 2 {
		return false
	}
	name := path.Base(w[0])
	return (name == "uv" && w[1] == "sync") || (name == "poetry" && w[1] == "install") || (name == "pipenv" && w[1] == "install") || (name == "pdm" && w[1] == "install")
}

// runPath maps a path a RUN instruction uses (relative to its WORKDIR) to
// the repository, through a --mount=type=bind or the COPYs before it.
func (c *checker) runPath(s *dockerfile.Stage, in *dockerfile.Instruction, p string) (string, bool) {
	if strings.Contains(p, "$") {
		return "", false
	}
	ip := imageJoin(in.Workdir, p)
	for _, fl := range in.Flags {
		spec, ok := strings.CutPrefix(fl, "--mount=")
		if !ok {
			continue
		}
		opts := map[string]string{}
		for _, kv := range strings.Split(spec, ",") {
			k, v, _ := strings.Cut(kv, "=")
			opts[k] = v
		}
		target := opts["target"]
		if target == "" {
			target = opts["dst"]
		}
		if target == "" {
			target = opts["destination"]
		}
		if opts["type"] != "bind" || opts["from"] != "" || target == "" {
			continue
		}
		target = imageJoin(in.Workdir, target)
		src := clean(opts["source"])
		if opts["src"] != "" {
			src = clean(opts["src"])
		}
		if ip == target {
			return src, true
		}
		if rest, ok := strings.CutPrefix(ip, target+"/"); ok {
			return clean(path.Join(src, rest)), true
		}
	}
	return c.df.img.resolve(s.Index, c.df.img.before[in], ip)
}

// checkRunpodRequirement is JW016 (runpod installed and pinned) and JW017
// (VCS requirements without a commit).
func (c *checker) checkRunpodRequirement() {
	r := c.reqs
	seen := map[string]bool{}
	for _, req := range r.all {
		key := fmt.Sprintf("%s:%d:%s", req.file, req.line, req.spec)
		if req.vcs && !req.vcsPinned && !seen[key] {
			seen[key] = true
			c.add(UnpinnedVCS, Info, req.file, req.line, fmt.Sprintf("requirement %s comes from a VCS URL without a commit", req.spec), "")
		}
	}
	if c.df == nil {
		return
	}
	for _, req := range r.installed {
		if req.name != "runpod" {
			continue
		}
		if !req.pinned && !req.vcsPinned {
			c.add(RunpodRequirement, Warning, req.file, req.line, fmt.Sprintf("runpod is installed unpinned (%s)", strings.TrimSpace(req.spec)), "")
		}
		return
	}
	for _, req := range r.all {
		if req.name == "runpod" {
			c.add(RunpodRequirement, Warning, req.file, req.line, fmt.Sprintf("runpod is listed in %s, which the Dockerfile does not install", req.file),
				"Install that file in the Dockerfile (pip install -r ...), or move runpod into the file it installs.")
			return
		}
	}
	c.add(RunpodRequirement, Warning, c.df.path, 0, "runpod is not among the requirements the Dockerfile installs", "")
}
