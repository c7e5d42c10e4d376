package lint

import (
	"path"
	"regexp"
	"strings"
)

// requirement is one Python requirement: a line of a requirements file, a
// pyproject dependency, or a package named on a pip install command line.
type requirement struct {
	name   string // normalised (PEP 503): lower case, runs of -_. as "-"
	spec   string // as written
	pinned bool
	// vcs is a VCS URL (git+https://...); vcsPinned when it names a commit.
	vcs, vcsPinned bool
	local          bool // a path, ".", a wheel or archive file
	file           string
	line           int
}

var (
	reqNameRe   = regexp.MustCompile(`^([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*(.*)$`)
	eggRe       = regexp.MustCompile(`[#&]egg=([A-Za-z0-9][A-Za-z0-9._-]*)`)
	shaRefRe    = regexp.MustCompile(`@[0-9a-fA-F]{7,40}(?:#|$)`)
	normalizeRe = regexp.MustCompile(`[-_.]+`)
)

func normalizeName(n string) string { return strings.ToLower(normalizeRe.ReplaceAllString(n, "-")) }

// parseSpec reads one requirement specifier ("torch==2.4.0", "runpod",
// "git+https://...@sha#egg=x", "pkg @ https://...").
func parseSpec(spec string) requirement {
	r := requirement{spec: spec}
	s := strings.TrimSpace(spec)
	if i := strings.Index(s, ";"); i >= 0 && !strings.Contains(s[:i], "://") {
		s = strings.TrimSpace(s[:i]) // environment marker
	}
	lower := strings.ToLower(s)
	switch {
	case isVCS(lower):
		r.vcs = true
		r.vcsPinned = shaRefRe.MatchString(s)
		if m := eggRe.FindStringSubmatch(s); m != nil {
			r.name = normalizeName(m[1])
		}
		return r
	case strings.HasPrefix(lower, "http://") || strings.HasPrefix(lower, "https://") || strings.HasPrefix(lower, "file:"):
		r.pinned, r.local = true, true
		if m := eggRe.FindStringSubmatch(s); m != nil {
			r.name = normalizeName(m[1])
		}
		return r
	case !strings.Contains(s, "@") && (s == "." || strings.HasPrefix(s, "./") || strings.HasPrefix(s, "../") || strings.HasPrefix(s, "/") ||
		strings.HasSuffix(lower, ".whl") || strings.HasSuffix(lower, ".tar.gz") || strings.HasSuffix(lower, ".zip")):
		r.pinned, r.local = true, true
		return r
	}
	m := reqNameRe.FindStringSubmatch(s)
	if m == nil {
		r.local = true
		return r
	}
	r.name = normalizeName(m[1])
	rest := strings.TrimSpace(m[3])
	if url, ok := strings.CutPrefix(rest, "@"); ok {
		url = strings.TrimSpace(url)
		if isVCS(strings.ToLower(url)) {
			r.vcs = true
			r.vcsPinned = shaRefRe.MatchString(url)
		} else {
			r.pinned = true
		}
		return r
	}
	r.pinned = isPinned(rest)
	return r
}

func isVCS(lower string) bool {
	for _, p := range []string{"git+", "hg+", "svn+", "bzr+"} {
		if strings.HasPrefix(lower, p) {
			return true
		}
	}
	return false
}

// isPinned: an exact version (==, ===), a compatible release (~=), or a
// range bounded on both sides.
func isPinned(spec string) bool {
	if strings.Contains(spec, "==") || strings.Contains(spec, "~=") {
		return !strings.Contains(spec, "==*") && !strings.HasSuffix(strings.TrimSpace(spec), ".*")
	}
	return strings.Contains(spec, "<") && strings.Contains(spec, ">")
}

// reqFile is a parsed requirements file.
type reqFile struct {
	reqs     []requirement
	includes []string // -r and -c files, relative to the repository
}

// parseRequirements reads a pip requirements file (path is its repository
// path, used to resolve -r includes).
func parseRequirements(data []byte, file string) reqFile {
	var out reqFile
	lines := strings.Split(string(data), "\n")
	for i := 0; i < len(lines); i++ {
		lineNo := i + 1
		line := lines[i]
		for strings.HasSuffix(strings.TrimRight(line, " \r"), "\\") && i+1 < len(lines) {
			line = strings.TrimSuffix(strings.TrimRight(line, " \r"), "\\") + " " + lines[i+1]
			i++
		}
		if j := strings.Index(line, " #"); j >= 0 {
			line = line[:j]
		}
		line = strings.TrimSpace(strings.TrimSuffix(line, "\r"))
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if strings.HasPrefix(line, "-") {
			opt, val := splitOption(line)
			switch opt {
			case "-r", "--requirement", "-c", "--constraint":
				if val != "" {
					out.includes = append(out.includes, clean(path.Join(path.Dir(file), val)))
				}
			case "-e", "--editable":
				if val != "" {
					r := parseSpec(val)
					r.file, r.line = file, lineNo
					out.reqs = append(out.reqs, r)
				}
			}
			continue
		}
		r := parseSpec(line)
		r.file, r.line = file, lineNo
		out.reqs = append(out.reqs, r)
	}
	return out
}

// splitOption splits "-r file", "-rfile" and "--requirement=file".
func splitOption(line string) (opt, val string) {
	if strings.HasPrefix(line, "--") {
		opt, val, found := strings.Cut(line, "=")
		if !found {
			opt, val, _ = strings.Cut(line, " ")
		}
		return strings.TrimSpace(opt), strings.TrimSpace(val)
	}
	if len(line) > 2 && line[2] != ' ' {
		return line[:2], strings.TrimSpace(line[2:])
	}
	opt, val, _ = strings.Cut(line, " ")
	return opt, strings.TrimSpace(val)
}

var (
	pyprojectString = regexp.MustCompile(`"([^"]+)"|'([^']+)'`)
	poetryDep       = regexp.MustCompile(`^([A-Za-z0-9][A-Za-z0-9._-]*)\s*=\s*(.*)$`)
)

// parsePyproject reads dependencies from a pyproject.toml well enough for
// the rules: PEP 621 dependency arrays and Poetry dependency tables.
func parsePyproject(data []byte, file string) []requirement {
	var out []requirement
	section := ""
	inArray := false
	for i, raw := range strings.Split(string(data), "\n") {
		line := strings.TrimSpace(raw)
		if j := strings.Index(line, " #"); j >= 0 {
			line = strings.TrimSpace(line[:j])
		}
		if strings.HasPrefix(line, "[") && !inArray {
			section = strings.Trim(line, "[] ")
			continue
		}
		isDepKey := strings.HasPrefix(line, "dependencies") || (section == "project.optional-dependencies" && strings.Contains(line, "= ["))
		if !inArray && isDepKey && strings.Contains(line, "[") && (section == "project" || section == "project.optional-dependencies") {
			inArray = true
			line = line[strings.Index(line, "[")+1:]
		}
		if inArray {
			for _, m := range pyprojectString.FindAllStringSubmatch(line, -1) {
				spec := m[1] + m[2]
				r := parseSpec(spec)
				r.file, r.line = file, i+1
				out = append(out, r)
			}
			if strings.Contains(pyprojectString.ReplaceAllString(line, ""), "]") {
				inArray = false
			}
			continue
		}
		if section == "tool.poetry.dependencies" || strings.HasPrefix(section, "tool.poetry.group.") {
			if m := poetryDep.FindStringSubmatch(line); m != nil && !strings.EqualFold(m[1], "python") {
				val := strings.Trim(m[2], `"' `)
				r := requirement{name: normalizeName(m[1]), spec: line, file: file, line: i + 1}
				switch {
				case strings.HasPrefix(m[2], "{"):
					r.pinned = strings.Contains(m[2], "version") || strings.Contains(m[2], "rev")
					r.vcs = strings.Contains(m[2], "git")
					r.vcsPinned = strings.Contains(m[2], "rev")
				default:
					// Poetry: "1.2.3" is exact; ^ and ~ are bounded ranges.
					r.pinned = val != "*" && val != ""
				}
				out = append(out, r)
			}
		}
	}
	return out
}
