package lint

import (
	"path"
	"regexp"
	"strings"
)

var (
	envAssign = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*=`)
	pythonBin = regexp.MustCompile(`^(python|pypy)[0-9.]*$`)
	pipBin    = regexp.MustCompile(`^pip[0-9.]*$`)
	shellBin  = map[string]bool{"sh": true, "bash": true, "dash": true, "zsh": true, "ash": true}
)

// stripWrappers removes what only wraps the real command: variable
// assignments, exec, nohup, env, sudo, tini/dumb-init, gosu, time, and the
// "run" of uv, poetry, pipenv, conda and micromamba.
func stripWrappers(words []string) []string {
	for len(words) > 0 {
		w := words[0]
		base := path.Base(w)
		switch {
		case envAssign.MatchString(w):
			words = words[1:]
		case base == "exec" || base == "nohup" || base == "time":
			words = words[1:]
		case base == "sudo" || base == "env":
			words = words[1:]
			for len(words) > 0 && (strings.HasPrefix(words[0], "-") || envAssign.MatchString(words[0])) {
				words = words[1:]
			}
		case base == "tini" || base == "dumb-init" || base == "catatonit":
			words = words[1:]
			for len(words) > 0 && strings.HasPrefix(words[0], "-") {
				done := words[0] == "--"
				words = words[1:]
				if done {
					break
				}
			}
		case base == "gosu" || base == "su-exec":
			if len(words) < 2 {
				return nil
			}
			words = words[2:]
		case (base == "uv" || base == "poetry" || base == "pipenv") && len(words) > 1 && words[1] == "run":
			words = words[2:]
			for len(words) > 0 && strings.HasPrefix(words[0], "-") {
				words = words[1:]
			}
		case (base == "conda" || base == "micromamba" || base == "mamba") && len(words) > 1 && words[1] == "run":
			words = words[2:]
			for len(words) > 0 && strings.HasPrefix(words[0], "-") {
				if words[0] == "-n" || words[0] == "--name" || words[0] == "-p" || words[0] == "--prefix" {
					words = words[1:]
				}
				if len(words) > 0 {
					words = words[1:]
				}
			}
		default:
			return words
		}
	}
	return words
}

// pipInstall is a "pip install" command line.
type pipInstall struct {
	specs       []string // package arguments
	reqFiles    []string // -r files
	editables   []string // -e values
	constraints bool     // -c given: versions come from a constraints file
}

// pipValueOpts are pip install options that take a value.
var pipValueOpts = map[string]bool{
	"-r": true, "--requirement": true, "-c": true, "--constraint": true, "-e": true, "--editable": true,
	"-i": true, "--index-url": true, "--extra-index-url": true, "-f": true, "--find-links": true,
	"-t": true, "--target": true, "--prefix": true, "--root": true, "--platform": true,
	"--python-version": true, "--implementation": true, "--abi": true, "--cache-dir": true, "--src": true,
	"--trusted-host": true, "--progress-bar": true, "--timeout": true, "--retries": true,
	"--upgrade-strategy": true, "-C": true, "--config-settings": true, "--log": true, "--report": true,
	"--only-binary": true, "--no-binary": true, "--global-option": true, "--python": true,
	"--exists-action": true, "--proxy": true, "--cert": true, "--client-cert": true, "--group": true,
}

// parsePipInstall recognises pip install, pip3 install, python -m pip
// install and uv pip install.
func parsePipInstall(words []string) (pipInstall, bool) {
	w := stripWrappers(words)
	var args []string
	switch {
	case len(w) > 1 && pipBin.MatchString(path.Base(w[0])) && w[1] == "install":
		args = w[2:]
	case len(w) > 3 && pythonBin.MatchString(path.Base(w[0])) && w[1] == "-m" && pipBin.MatchString(w[2]) && w[3] == "install":
		args = w[4:]
	case len(w) > 2 && path.Base(w[0]) == "uv" && w[1] == "pip" && w[2] == "install":
		args = w[3:]
	default:
		return pipInstall{}, false
	}
	var pi pipInstall
	for i := 0; i < len(args); i++ {
		a := args[i]
		if !strings.HasPrefix(a, "-") {
			pi.specs = append(pi.specs, a)
			continue
		}
		opt, val, hasVal := strings.Cut(a, "=")
		if !hasVal && len(opt) > 2 && opt[1] != '-' && pipValueOpts[opt[:2]] {
			opt, val, hasVal = opt[:2], opt[2:], true // -rrequirements.txt
		}
		if pipValueOpts[opt] && !hasVal && i+1 < len(args) {
			val = args[i+1]
			i++
		}
		switch opt {
		case "-r", "--requirement":
			pi.reqFiles = append(pi.reqFiles, val)
		case "-c", "--constraint":
			pi.constraints = true
		case "-e", "--editable":
			pi.editables = append(pi.editables, val)
		}
	}
	return pi, true
}

// buildTools are packages whose unpinned upgrade is routine, not a
// reproducibility problem worth a warning.
var buildTools = map[string]bool{"pip": true, "setuptools": true, "wheel": true, "uv": true, "packaging": true}

var (
	shaRe     = regexp.MustCompile(`^[0-9a-fA-F]{7,40}$`)
	versionRe = regexp.MustCompile(`^v?\d+(\.\d+)+([-.+]?[0-9A-Za-z.]*)?$`)
)

// pinnedRef reports whether a git ref names a fixed commit: a SHA, a
// version tag, or a variable (assumed to carry a pin from an ARG).
func pinnedRef(ref string) bool {
	return shaRe.MatchString(ref) || versionRe.MatchString(ref) || strings.Contains(ref, "$")
}
