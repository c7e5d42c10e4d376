package lint

import (
	"bytes"
	"errors"
	"fmt"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/distribution/reference"
	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"

	"github.com/runpod-workers/janitor/pkg/lint/dockerfile"
	"github.com/runpod-workers/janitor/pkg/lint/script"
)

// dockerfileState is the parsed Dockerfile and what is derived from it.
type dockerfileState struct {
	path string
	file *dockerfile.File
	rt   dockerfile.Runtime
	img  *image
}

// Dockerfile locations, in order of precedence.
var dockerfilePaths = []string{".runpod/Dockerfile", "Dockerfile"}

func (c *checker) checkDockerfile() {
	name := ""
	for _, p := range dockerfilePaths {
		if c.t.exists(p) && !c.t.isDir(p) {
			name = p
			break
		}
	}
	if name == "" {
		c.add(NoDockerfile, Error, "", 0, "no Dockerfile at the repository root or in .runpod/", "")
		return
	}
	c.facts.Dockerfile = name
	data, err := c.t.read(name, maxDockerfileBytes)
	if err != nil {
		c.add(DockerfileInvalid, Error, name, 0, err.Error(), "Replace it with a text Dockerfile inside the repository.")
		return
	}
	f, err := dockerfile.Parse(data)
	if err != nil {
		var pe *dockerfile.Error
		line, msg := 0, err.Error()
		if errors.As(err, &pe) {
			line, msg = pe.Line, pe.Msg
		}
		c.add(DockerfileInvalid, Error, name, line, "Dockerfile does not parse: "+msg, "")
		return
	}
	ignore := c.dockerignore(name)
	img, problems := newImage(f, c.t, ignore)
	d := &dockerfileState{path: name, file: f, rt: f.Runtime(), img: img}
	c.df = d

	c.facts.BaseImage = d.rt.Base
	c.facts.BaseImageCUDA = cudaFromImage(d.rt.Base)
	c.facts.Workdir = d.rt.Workdir
	c.facts.RunDir = d.rt.Workdir
	if d.rt.Entrypoint != nil {
		c.facts.Entrypoint = dockerfile.Runtime{Entrypoint: d.rt.Entrypoint}.Argv()
	}
	if d.rt.Cmd != nil {
		c.facts.Cmd = dockerfile.Runtime{Cmd: d.rt.Cmd}.Argv()
	}

	c.checkFrom(d)
	for _, p := range problems {
		c.copyProblem(d, p)
	}
	c.checkBuildKit(d)
	c.checkEntry(d)
	c.checkSecrets(d)
	for _, line := range f.FromAsCasing {
		c.add(FromAsCasing, Warning, name, line, "the AS keyword's case differs from FROM's", "")
	}
	for _, s := range f.Stages {
		for _, in := range s.Instructions {
			if in.Kind == "RUN" {
				c.checkRun(d, in)
			}
		}
	}
}

// dockerignore reads the ignore file BuildKit uses: <Dockerfile>.dockerignore
// next to the Dockerfile, else .dockerignore at the context root.
func (c *checker) dockerignore(dockerfilePath string) *patternmatcher.PatternMatcher {
	for _, p := range []string{dockerfilePath + ".dockerignore", ".dockerignore"} {
		if !c.t.exists(p) {
			continue
		}
		data, err := c.t.read(p, maxTextBytes)
		if err != nil {
			c.add(CopySourceMissing, Error, p, 0, "the build context cannot be computed: "+err.Error(), "Make .dockerignore a small text file inside the repository.")
			return nil
		}
		patterns, err := ignorefile.ReadAll(bytes.NewReader(data))
		if err == nil {
			var pm *patternmatcher.PatternMatcher
			if pm, err = patternmatcher.New(patterns); err == nil {
				return pm
			}
		}
		c.add(CopySourceMissing, Error, p, 0, "the build context cannot be computed: "+err.Error(), "Fix the pattern in .dockerignore.")
		return nil
	}
	return nil
}

func (c *checker) checkFrom(d *dockerfileState) {
	for _, s := range d.file.Stages {
		if s.Parent >= 0 {
			continue
		}
		if len(s.Unresolved) > 0 || s.Base == "" {
			vars := strings.Join(s.Unresolved, ", ")
			msg := fmt.Sprintf("FROM %s: %s has no value", s.RawBase, vars)
			if vars == "" {
				msg = fmt.Sprintf("FROM %s resolves to an empty image name", s.RawBase)
			}
			c.add(UnresolvedFrom, Error, d.path, s.Line, msg, "")
			continue
		}
		if strings.EqualFold(s.Base, "scratch") {
			continue
		}
		ref, err := reference.ParseNormalizedNamed(s.Base)
		if err != nil {
			c.add(UnresolvedFrom, Error, d.path, s.Line, fmt.Sprintf("FROM %s resolves to %q, which is not a valid image reference: %v", s.RawBase, s.Base, err),
				"Give the image as name[:tag][@digest].")
			continue
		}
		_, digested := ref.(reference.Digested)
		tagged, hasTag := ref.(reference.Tagged)
		switch {
		case digested:
		case !hasTag:
			c.add(BaseNotPinned, Warning, d.path, s.Line, fmt.Sprintf("base image %s has no tag, so it means latest", s.Base), "")
		case tagged.Tag() == "latest":
			c.add(BaseNotPinned, Warning, d.path, s.Line, fmt.Sprintf("base image %s uses the latest tag", s.Base), "")
		default:
			c.add(BaseNotPinned, Info, d.path, s.Line, fmt.Sprintf("base image %s is pinned by tag but not by digest", s.Base),
				"Add the digest (image:tag@sha256:...) so the tag cannot move under the build.")
		}
	}
}

func (c *checker) copyProblem(d *dockerfileState, p copyProblem) {
	switch {
	case p.wildcard:
		c.add(CopySourceMissing, Warning, d.path, p.in.Line, fmt.Sprintf("%s source %q matches nothing in the build context", p.in.Kind, p.source),
			"Fix the pattern or remove the instruction.")
	case p.ignored:
		c.add(CopySourceMissing, Error, d.path, p.in.Line, fmt.Sprintf("%s source %q is excluded from the build context by .dockerignore", p.in.Kind, p.source),
			"Stop excluding it in .dockerignore (add a !pattern) or drop the COPY.")
	default:
		c.add(CopySourceMissing, Error, d.path, p.in.Line, fmt.Sprintf("%s source %q does not exist in the repository", p.in.Kind, p.source), "")
	}
}

func (c *checker) checkBuildKit(d *dockerfileState) {
	if len(d.file.Features) == 0 {
		return
	}
	c.facts.BuildKit = true
	var names []string
	seen := map[string]bool{}
	for _, f := range d.file.Features {
		if !seen[f.Name] {
			seen[f.Name] = true
			names = append(names, fmt.Sprintf("%s (line %d)", f.Name, f.Line))
		}
	}
	c.add(BuildKitRequired, Info, d.path, d.file.Features[0].Line, "BuildKit required: "+strings.Join(names, ", "), "")
}

// plainBases are images whose own command is a shell or nothing, so a
// worker built on them without CMD never starts its handler.
var plainBases = regexp.MustCompile(`^(docker\.io/)?(library/)?(scratch|ubuntu|debian|alpine|busybox|centos|fedora|rockylinux|almalinux|amazonlinux|python|nvidia/cuda|nvcr\.io/nvidia/cuda|runpod/base|runpod/pytorch|pytorch/pytorch|continuumio/miniconda3|mambaorg/micromamba)(:|@|$)`)

func (c *checker) checkEntry(d *dockerfileState) {
	rt := d.rt
	for _, in := range []*dockerfile.Instruction{rt.Entrypoint, rt.Cmd} {
		if in != nil && in.Shell {
			c.add(ShellFormEntry, Warning, d.path, in.Line, fmt.Sprintf("%s %s is in shell form: /bin/sh becomes PID 1 and the handler never gets SIGTERM", in.Kind, strings.Join(in.Args, " ")), "")
		}
	}
	if rt.Entrypoint != nil || rt.Cmd != nil {
		return
	}
	final := d.file.Final()
	if plainBases.MatchString(rt.Base) || rt.Base == "" {
		c.add(NoEntry, Error, d.path, final.Line, fmt.Sprintf("the final stage sets no CMD or ENTRYPOINT and its base %s does not start a handler", rt.Base), "")
		return
	}
	c.add(NoEntry, Warning, d.path, final.Line, fmt.Sprintf("the final stage sets no CMD or ENTRYPOINT; it relies on the base image %s to supply one", rt.Base),
		"Set CMD explicitly so the Dockerfile says what the worker runs.")
}

var secretWords = map[string]bool{"TOKEN": true, "KEY": true, "SECRET": true, "PASSWORD": true, "PASSWD": true, "APIKEY": true, "CREDENTIALS": true}

// secretName reports names like HF_TOKEN, OPENAI_API_KEY, DB_PASSWORD;
// public keys and key-like words that are not secrets are left alone.
func secretName(name string) bool {
	up := strings.ToUpper(name)
	parts := strings.FieldsFunc(up, func(r rune) bool { return r == '_' || r == '-' || r == '.' })
	for i, p := range parts {
		if secretWords[p] && !(p == "KEY" && i > 0 && parts[i-1] == "PUBLIC") {
			return true
		}
	}
	for w := range secretWords {
		if len(parts) == 1 && strings.HasSuffix(up, w) && len(up) > len(w) && w != "KEY" {
			return true
		}
	}
	return false
}

func (c *checker) checkSecrets(d *dockerfileState) {
	check := func(v dockerfile.Var) {
		if secretName(v.Name) {
			c.add(SecretInBuild, Warning, d.path, v.Line, fmt.Sprintf("%s %s looks like a secret; its value is stored in the image", v.Kind, v.Name), "")
		}
	}
	for _, v := range d.file.MetaArgs {
		check(v)
	}
	for _, s := range d.file.Stages {
		for _, in := range s.Instructions {
			for _, v := range in.Vars {
				check(v)
			}
		}
	}
}

var (
	modelExt       = regexp.MustCompile(`(?i)\.(safetensors|ckpt|pt|pth|bin|gguf|onnx|pb|tflite)(\?|$)`)
	modelHost      = regexp.MustCompile(`(?i)(huggingface\.co|hf\.co|civitai\.com)/`)
	pyDownloadCall = regexp.MustCompile(`snapshot_download|hf_hub_download|from_pretrained|download_model|load_model`)
)

// checkRun looks at one RUN instruction for non-hermetic steps (JW011) and
// model downloads (JW012).
func (c *checker) checkRun(d *dockerfileState, in *dockerfile.Instruction) {
	cmds := script.Split(in.Script())
	var problems []string
	download := ""
	for i, cmd := range cmds {
		w := stripWrappers(cmd.Words)
		if len(w) == 0 {
			continue
		}
		name := path.Base(w[0])
		if (name == "curl" || name == "wget") && cmd.Op == "|" && i+1 < len(cmds) {
			if next := stripWrappers(cmds[i+1].Words); len(next) > 0 && (shellBin[path.Base(next[0])] || pythonBin.MatchString(path.Base(next[0]))) {
				problems = append(problems, fmt.Sprintf("%s pipes a downloaded script into %s", name, path.Base(next[0])))
			}
		}
		if name == "git" && len(w) > 1 && w[1] == "clone" && !clonePinned(w, cmds[i+1:]) {
			problems = append(problems, "git clone "+cloneURL(w)+" without a pinned ref")
		}
		if pi, ok := parsePipInstall(w); ok && !pi.constraints {
			var unpinned []string
			for _, spec := range pi.specs {
				r := parseSpec(spec)
				if !r.pinned && !r.local && !r.vcs && !buildTools[r.name] && r.name != "" {
					unpinned = append(unpinned, spec)
				}
			}
			if len(unpinned) > 0 {
				problems = append(problems, "pip install of unpinned "+strings.Join(unpinned, ", "))
			}
		}
		if download == "" {
			download = modelDownload(w)
		}
	}
	for _, p := range problems {
		c.add(NonHermeticStep, Warning, d.path, in.Line, "non-hermetic step: "+p, "")
	}
	if download != "" {
		c.add(ModelDownload, Info, d.path, in.Line, "model download during build: "+download, "")
	}
}

// clonePinned: git clone --branch <tag|sha>, or a later git checkout /
// reset --hard of a pinned ref in the same RUN.
func clonePinned(w []string, rest []script.Command) bool {
	for i := 2; i < len(w); i++ {
		if (w[i] == "-b" || w[i] == "--branch") && i+1 < len(w) {
			return pinnedRef(w[i+1])
		}
		if v, ok := strings.CutPrefix(w[i], "--branch="); ok {
			return pinnedRef(v)
		}
		if strings.HasPrefix(w[i], "--revision=") {
			return true
		}
	}
	for _, cmd := range rest {
		g := stripWrappers(cmd.Words)
		if len(g) < 2 || path.Base(g[0]) != "git" {
			continue
		}
		args := g[1:]
		for len(args) > 1 && (args[0] == "-C" || args[0] == "-c") {
			args = args[2:]
		}
		if len(args) > 1 && (args[0] == "checkout" || args[0] == "switch" || (args[0] == "reset" && args[1] == "--hard")) {
			if pinnedRef(args[len(args)-1]) {
				return true
			}
		}
	}
	return false
}

func cloneURL(w []string) string {
	for _, a := range w[2:] {
		if strings.Contains(a, "://") || strings.HasPrefix(a, "git@") {
			return a
		}
	}
	return ""
}

// modelDownload describes a command that downloads model weights, "" if
// the command does not.
func modelDownload(w []string) string {
	name := path.Base(w[0])
	line := strings.Join(w, " ")
	switch {
	case (name == "huggingface-cli" || name == "hf") && len(w) > 1 && w[1] == "download":
		return line
	case name == "ollama" && len(w) > 1 && w[1] == "pull":
		return line
	case name == "git" && len(w) > 1 && (w[1] == "clone" || w[1] == "lfs") && modelHost.MatchString(line):
		return line
	case name == "curl" || name == "wget" || name == "aria2c":
		for _, a := range w[1:] {
			if strings.Contains(a, "://") && (modelHost.MatchString(a) || modelExt.MatchString(a)) {
				return name + " " + a
			}
		}
	case pythonBin.MatchString(name):
		for i, a := range w[1:] {
			if a == "-c" && i+2 < len(w) && pyDownloadCall.MatchString(w[i+2]) {
				return "python -c calling " + pyDownloadCall.FindString(w[i+2])
			}
			if strings.HasSuffix(a, ".py") && strings.Contains(strings.ToLower(path.Base(a)), "download") {
				return line
			}
		}
	}
	return ""
}

var (
	cudaTagRe = regexp.MustCompile(`(?i)cuda[-_]?(\d+)\.(\d+)`)
	cuTagRe   = regexp.MustCompile(`(?i)(?:^|[-_.])cu(\d)(\d{1,2})(?:[-_.]|$)`)
	leadVerRe = regexp.MustCompile(`^(\d+)\.(\d+)`)
)

// cudaFromImage returns the CUDA version an image's tag tells
// (nvidia/cuda:12.4.1-..., ...-cuda12.1-..., ...-cu121), "" otherwise.
func cudaFromImage(image string) string {
	ref, err := reference.ParseNormalizedNamed(image)
	if err != nil {
		return ""
	}
	tagged, ok := ref.(reference.Tagged)
	if !ok {
		return ""
	}
	tag := tagged.Tag()
	if strings.HasSuffix(reference.Path(ref), "nvidia/cuda") {
		if m := leadVerRe.FindStringSubmatch(tag); m != nil {
			return m[1] + "." + m[2]
		}
	}
	if m := cudaTagRe.FindStringSubmatch(tag); m != nil {
		return m[1] + "." + m[2]
	}
	if m := cuTagRe.FindStringSubmatch(tag); m != nil {
		// cu121 is 12.1 and cu118 11.8: the last digit is the minor version.
		digits := m[1] + m[2]
		return digits[:len(digits)-1] + "." + digits[len(digits)-1:]
	}
	return ""
}

// compareVersions compares "MAJOR.MINOR" strings numerically.
func compareVersions(a, b string) int {
	pa, pb := strings.SplitN(a, ".", 2), strings.SplitN(b, ".", 2)
	for i := 0; i < 2; i++ {
		var x, y int
		if i < len(pa) {
			x, _ = strconv.Atoi(pa[i])
		}
		if i < len(pb) {
			y, _ = strconv.Atoi(pb[i])
		}
		if x != y {
			if x < y {
				return -1
			}
			return 1
		}
	}
	return 0
}

// sortedKeys returns a map's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
