package lint

import (
	"fmt"
	"path"
	"regexp"
	"strings"

	"github.com/moby/patternmatcher"
	"go.yaml.in/yaml/v3"

	"github.com/runpod-workers/janitor/pkg/lint/hub"
	"github.com/runpod-workers/janitor/pkg/lint/python"
)

// checkHygiene is JW033–JW037.
func (c *checker) checkHygiene() {
	c.checkGPU()
	c.checkWorkflows()
	c.checkTestImports()
	c.checkLegacyTests()
	for _, p := range []string{"docker-bake.hcl", "docker-bake.json", "docker-bake.override.hcl"} {
		if c.t.isFile(p) {
			c.add(BakeFile, Info, p, 0, p+" present: the images that ship may come from bake targets, not from a plain docker build of the Dockerfile", "")
			break
		}
	}
}

var (
	gpuImageRe = regexp.MustCompile(`(?i)(nvidia/cuda|nvcr\.io/nvidia|vllm|tensorrt|runpod/pytorch|cuda\d*[.-]|[-_.]cu\d{2,3}\b)`)
	gpuPkgs    = map[string]bool{"torch": true, "vllm": true, "xformers": true, "flash-attn": true, "bitsandbytes": true,
		"onnxruntime-gpu": true, "tensorrt": true, "auto-gptq": true, "exllamav2": true, "sglang": true, "cupy-cuda12x": true, "cupy-cuda11x": true}
)

// checkGPU is JW033: collect the evidence that the worker needs a GPU.
func (c *checker) checkGPU() {
	type evidence struct {
		what, file string
		line       int
	}
	var ev []evidence
	if c.facts.RunsOn == "GPU" && c.hubDoc != nil {
		ev = append(ev, evidence{"hub.json runsOn GPU", hubPath, c.hubDoc.Line("/config/runsOn")})
	}
	if c.df != nil && gpuImageRe.MatchString(c.facts.BaseImage) {
		ev = append(ev, evidence{"base image " + c.facts.BaseImage, c.df.path, c.df.rt.Root.Line})
	}
	if c.facts.RunsOn != "CPU" && c.reqs != nil {
		reqs := c.reqs.installed
		if len(reqs) == 0 {
			reqs = c.reqs.all
		}
		seen := map[string]bool{}
		for _, r := range reqs {
			if gpuPkgs[r.name] && !seen[r.name] {
				seen[r.name] = true
				ev = append(ev, evidence{fmt.Sprintf("requirement %s (%s)", r.name, r.file), r.file, r.line})
			}
		}
	}
	if len(ev) == 0 {
		return
	}
	c.facts.GPULikely = true
	var what []string
	for _, e := range ev {
		what = append(what, e.what)
		c.facts.GPUEvidence = append(c.facts.GPUEvidence, e.what)
	}
	c.add(GPULikely, Info, ev[0].file, ev[0].line, "GPU likely required: "+strings.Join(what, "; "), "")
}

// checkWorkflows is JW034: paths named by GitHub workflows must exist.
func (c *checker) checkWorkflows() {
	for _, p := range c.t.under(".github/workflows") {
		if !(strings.HasSuffix(p, ".yml") || strings.HasSuffix(p, ".yaml")) || !c.t.isFile(p) {
			continue
		}
		data, err := c.t.read(p, maxJSONBytes)
		if err != nil {
			continue
		}
		var doc yaml.Node
		if yaml.Unmarshal(data, &doc) != nil || len(doc.Content) == 0 {
			continue
		}
		w := workflow{c: c, file: p}
		w.check(doc.Content[0])
	}
}

type workflow struct {
	c    *checker
	file string
}

// get returns the value node of key in a mapping node.
func get(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// values returns the values of a mapping node.
func values(n *yaml.Node) []*yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	var out []*yaml.Node
	for i := 1; i < len(n.Content); i += 2 {
		out = append(out, n.Content[i])
	}
	return out
}

func items(n *yaml.Node) []*yaml.Node {
	if n == nil || n.Kind != yaml.SequenceNode {
		return nil
	}
	return n.Content
}

func (w workflow) check(root *yaml.Node) {
	for _, trigger := range values(get(root, "on")) {
		for _, p := range items(get(trigger, "paths")) {
			w.pattern(p)
		}
	}
	w.dir(get(get(get(root, "defaults"), "run"), "working-directory"))
	for _, job := range values(get(root, "jobs")) {
		if uses := get(job, "uses"); uses != nil && strings.HasPrefix(uses.Value, "./") {
			w.path(uses, strings.SplitN(uses.Value, "@", 2)[0], "reusable workflow")
		}
		w.dir(get(get(get(job, "defaults"), "run"), "working-directory"))
		for _, step := range items(get(job, "steps")) {
			w.dir(get(step, "working-directory"))
			uses := get(step, "uses")
			if uses == nil {
				continue
			}
			with := get(step, "with")
			switch {
			case strings.HasPrefix(uses.Value, "./"):
				w.path(uses, uses.Value, "local action")
			case strings.HasPrefix(uses.Value, "docker/build-push-action"):
				w.path(get(with, "file"), "", "Dockerfile")
				w.path(get(with, "context"), "", "build context")
			case strings.HasPrefix(uses.Value, "docker/bake-action"):
				if f := get(with, "files"); f != nil {
					for _, part := range strings.FieldsFunc(f.Value, func(r rune) bool { return r == ',' || r == '\n' }) {
						w.check1(f, strings.TrimSpace(part), "bake file")
					}
				}
				w.path(get(with, "workdir"), "", "bake workdir")
			}
		}
	}
}

func (w workflow) dir(n *yaml.Node) { w.path(n, "", "working-directory") }

// path checks the node's value (or value when given) names an existing path.
func (w workflow) path(n *yaml.Node, value, what string) {
	if n == nil || n.Kind != yaml.ScalarNode {
		return
	}
	if value == "" {
		value = n.Value
	}
	w.check1(n, value, what)
}

func (w workflow) check1(n *yaml.Node, value, what string) {
	if value == "" || strings.Contains(value, "${{") || strings.Contains(value, "$") || strings.Contains(value, "://") {
		return
	}
	p := clean(value)
	if !w.c.t.exists(p) {
		w.c.add(WorkflowPathMissing, Warning, w.file, n.Line, fmt.Sprintf("%s %q does not exist in the repository", what, value), "")
	}
}

// pattern checks a paths filter matches something.
func (w workflow) pattern(n *yaml.Node) {
	v := n.Value
	if n.Kind != yaml.ScalarNode || v == "" || strings.HasPrefix(v, "!") || strings.Contains(v, "${{") {
		return
	}
	pm, err := patternmatcher.New([]string{strings.TrimPrefix(v, "./")})
	if err != nil {
		return
	}
	for _, p := range w.c.t.paths {
		if ok, err := pm.MatchesOrParentMatches(p); err == nil && ok {
			return
		}
	}
	w.c.add(WorkflowPathMissing, Warning, w.file, n.Line, fmt.Sprintf("paths filter %q matches nothing in the repository, so the workflow never runs for it", v), "")
}

// isTestFile: test_*.py, *_test.py, conftest.py, or any .py under tests/.
func isTestFile(p string) bool {
	if !strings.HasSuffix(p, ".py") || vendored(p) {
		return false
	}
	base := path.Base(p)
	if strings.HasPrefix(base, "test_") || strings.HasSuffix(base, "_test.py") || base == "conftest.py" {
		return true
	}
	for _, part := range strings.Split(path.Dir(p), "/") {
		if part == "tests" || part == "test" {
			return true
		}
	}
	return false
}

// checkTestImports is JW035.
func (c *checker) checkTestImports() {
	n := 0
	for _, p := range c.t.paths {
		if !isTestFile(p) || !c.t.isFile(p) {
			continue
		}
		if n++; n > 200 {
			return
		}
		f := c.loadPy(p)
		if f.err != nil {
			continue
		}
		for _, imp := range f.mod.Imports {
			if msg := c.missingImport(imp, p); msg != "" {
				c.add(TestImportMissing, Warning, p, imp.Line, msg, "")
			}
		}
	}
}

// missingImport explains why an import of a test file cannot succeed, or
// returns "".
func (c *checker) missingImport(imp python.Import, file string) string {
	if strings.HasPrefix(imp.Module, ".") {
		if c.findModule(imp.Module, file) != "" {
			return ""
		}
		for _, n := range imp.Names {
			if c.findModule(joinModule(imp.Module, n), file) != "" {
				return ""
			}
		}
		if strings.Trim(imp.Module, ".") == "" && c.packageDir(imp.Module, file) {
			return ""
		}
		return fmt.Sprintf("imports %s, which does not exist next to %s", imp.Module, file)
	}
	parts := strings.Split(imp.Module, ".")
	top := parts[0]
	for _, root := range c.importRoots(file) {
		if !c.moduleAt(root, top) {
			continue
		}
		dir := root
		for i, part := range parts {
			if !c.moduleAt(dir, part) {
				return fmt.Sprintf("imports %s, but %s has no module %s", imp.Module, strings.Join(parts[:i], "."), part)
			}
			dir = path.Join(dir, part)
		}
		return ""
	}
	if stdlib[top] || c.providedByRequirements(top) {
		return ""
	}
	return fmt.Sprintf("imports %s, which is neither in the repository, the standard library nor the requirements", imp.Module)
}

// importRoots are the directories Python (and pytest) would search: the
// file's directory and each directory above it, and src/.
func (c *checker) importRoots(file string) []string {
	var roots []string
	for d := path.Dir(file); ; d = path.Dir(d) {
		roots = append(roots, d)
		if d == "." {
			break
		}
	}
	return append(roots, "src")
}

// moduleAt reports a module or package named name in dir.
func (c *checker) moduleAt(dir, name string) bool {
	return c.t.isFile(path.Join(dir, name+".py")) || c.t.isDir(path.Join(dir, name)) || c.t.isFile(path.Join(dir, name+".so"))
}

func (c *checker) packageDir(mod, file string) bool {
	base := path.Dir(file)
	for i := 1; i < len(mod); i++ {
		base = path.Dir(base)
	}
	return c.t.isDir(base)
}

// providedByRequirements reports whether a requirement (or a package
// commonly installed with one) provides the top-level module.
func (c *checker) providedByRequirements(top string) bool {
	if commonModules[top] {
		return true
	}
	// PyTorch and vLLM images bring their own stack.
	if base := strings.ToLower(c.facts.BaseImage); (strings.Contains(base, "torch") || strings.Contains(base, "vllm")) && imageModules[top] {
		return true
	}
	if c.reqs == nil {
		return false
	}
	want := normalizeName(top)
	dist, mapped := importDists[top]
	for _, r := range c.reqs.all {
		if r.name == want || (mapped && strings.HasPrefix(r.name, dist)) {
			return true
		}
	}
	return false
}

// checkLegacyTests is JW036.
func (c *checker) checkLegacyTests() {
	const p = ".github/tests.json"
	if !c.t.exists(p) {
		return
	}
	d := c.loadJSON(p, LegacyTests)
	if d == nil {
		return
	}
	cases, ok := arr(d.Value)
	if !ok {
		c.at(d, LegacyTests, Error, "", fmt.Sprintf(".github/tests.json is %s; the legacy format is an array of {\"input\": ...} cases", kindOf(d.Value)), "")
		return
	}
	for i, tc := range cases {
		m, ok := obj(tc)
		if _, has := m["input"]; !ok || !has {
			c.at(d, LegacyTests, Error, hub.Pointer(i), "a legacy test case must be an object with \"input\"", "")
			return
		}
	}
	c.add(LegacyTests, Info, p, 0, "legacy .github/tests.json present (runpod-test-runner format); the Hub reads .runpod/tests.json", "")
}
