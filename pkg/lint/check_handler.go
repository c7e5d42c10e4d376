package lint

import (
	"bytes"
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/runpod-workers/janitor/pkg/lint/python"
	"github.com/runpod-workers/janitor/pkg/lint/script"
)

// pyFile is a Python file of the repository, read and parsed once.
type pyFile struct {
	mod *python.Module
	err error // why it could not be read or parsed
}

func (c *checker) loadPy(p string) *pyFile {
	if c.py == nil {
		c.py = map[string]*pyFile{}
	}
	if f, ok := c.py[p]; ok {
		return f
	}
	f := &pyFile{}
	data, err := c.t.read(p, maxSourceBytes)
	if err == nil {
		f.mod, err = python.Parse(data)
	}
	f.err = err
	c.py[p] = f
	return f
}

// candidate is a Python file the container command leads to.
type candidate struct {
	file string // repository path
	cwd  string // working directory of the process, in the image
	via  string // where the command was found, for messages
}

// tracer follows the container command through shell scripts to Python
// files of the repository.
type tracer struct {
	c          *checker
	d          *dockerfileState
	visited    map[string]bool
	cands      []candidate
	scripts    []string // repository scripts passed through, in order
	unresolved []string // image paths of Python files not from the repository
	problems   []string // repository files on the way that cannot be read
	flag       bool     // --test_input passed
}

// binDirs is the PATH a command name without a slash is looked up in.
var binDirs = []string{"/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"}

func (tr *tracer) argv(words []string, cwd string, depth int, via string) {
	for _, w := range words {
		if w == "--test_input" || strings.HasPrefix(w, "--test_input=") {
			tr.flag = true
		}
	}
	w := stripWrappers(words)
	if len(w) == 0 || depth > 6 {
		return
	}
	name := path.Base(w[0])
	switch {
	case shellBin[name]:
		i := 1
		for ; i < len(w) && strings.HasPrefix(w[i], "-"); i++ {
			if strings.HasPrefix(w[i], "-") && !strings.HasPrefix(w[i], "--") && strings.Contains(w[i], "c") {
				if i+1 < len(w) {
					tr.text(w[i+1], cwd, depth+1, via, false)
				}
				return
			}
		}
		if i < len(w) {
			tr.scriptFile(w[i], cwd, depth, false)
		}
	case name == "source" || name == ".":
		if len(w) > 1 {
			tr.scriptFile(w[1], cwd, depth, false)
		}
	case pythonBin.MatchString(name):
		tr.python(w, cwd, via)
	case strings.HasSuffix(name, ".py"):
		tr.pyFile(w[0], cwd, via, true)
	case strings.HasSuffix(name, ".sh"):
		tr.scriptFile(w[0], cwd, depth, true)
	default:
		// An extension-less executable from the repository: its shebang says.
		rp, ok := tr.repoPath(w[0], cwd, true)
		if !ok {
			return
		}
		data, err := tr.c.t.read(rp, maxTextBytes)
		if err != nil {
			return
		}
		first, _, _ := bytes.Cut(data, []byte("\n"))
		switch {
		case bytes.HasPrefix(first, []byte("#!")) && bytes.Contains(first, []byte("python")):
			tr.pyFile(w[0], cwd, via, true)
		case bytes.HasPrefix(first, []byte("#!")):
			tr.scriptFile(w[0], cwd, depth, true)
		}
	}
}

func (tr *tracer) python(w []string, cwd, via string) {
	for i := 1; i < len(w); i++ {
		a := w[i]
		switch {
		case a == "-m" && i+1 < len(w):
			mod := strings.ReplaceAll(w[i+1], ".", "/")
			for _, p := range []string{mod + ".py", mod + "/__main__.py"} {
				if _, ok := tr.repoPath(path.Join(cwd, p), cwd, false); ok {
					tr.pyFile(path.Join(cwd, p), cwd, via, false)
					return
				}
			}
			return
		case a == "-c":
			return
		case a == "-X" || a == "-W" || a == "-Q":
			i++
		case strings.HasPrefix(a, "-"):
		default:
			tr.pyFile(a, cwd, via, false)
			return
		}
	}
}

// repoPath maps a path as the container sees it to a repository file.
func (tr *tracer) repoPath(p, cwd string, lookPath bool) (string, bool) {
	if strings.Contains(p, "$") || p == "" {
		return "", false
	}
	var imagePaths []string
	switch {
	case strings.HasPrefix(p, "/"):
		imagePaths = []string{p}
	case lookPath && !strings.Contains(p, "/"):
		for _, d := range binDirs {
			imagePaths = append(imagePaths, path.Join(d, p))
		}
	default:
		imagePaths = []string{path.Join(cwd, p)}
	}
	for _, ip := range imagePaths {
		rp, ok := tr.d.img.resolve(tr.d.img.finalStage(), -1, ip)
		if !ok {
			continue
		}
		if tr.c.t.isFile(rp) {
			return rp, true
		}
		if _, err := tr.c.t.read(rp, maxSourceBytes); err != nil {
			tr.problems = append(tr.problems, err.Error())
		}
	}
	return "", false
}

func (tr *tracer) pyFile(p, cwd, via string, lookPath bool) {
	rp, ok := tr.repoPath(p, cwd, lookPath)
	if !ok {
		tr.unresolved = append(tr.unresolved, p)
		return
	}
	tr.cands = append(tr.cands, candidate{file: rp, cwd: cwd, via: via})
}

func (tr *tracer) scriptFile(p, cwd string, depth int, lookPath bool) {
	rp, ok := tr.repoPath(p, cwd, lookPath)
	if !ok || tr.visited[rp] {
		return
	}
	tr.visited[rp] = true
	data, err := tr.c.t.read(rp, maxTextBytes)
	if err != nil {
		return
	}
	tr.scripts = append(tr.scripts, rp)
	tr.text(string(data), cwd, depth+1, rp, true)
}

// text follows the commands of a script, tracking cd. via names where the
// text comes from; file says it is a script file (so lines are told).
func (tr *tracer) text(src, cwd string, depth int, via string, file bool) {
	if depth > 6 {
		return
	}
	for _, cmd := range script.Split(src) {
		w := stripWrappers(cmd.Words)
		if len(w) > 1 && w[0] == "cd" && !strings.Contains(w[1], "$") && w[1] != "-" {
			cwd = imageJoin(cwd, w[1])
			continue
		}
		where := via
		if file {
			where = fmt.Sprintf("%s:%d", via, cmd.Line)
		}
		tr.argv(cmd.Words, cwd, depth, where)
	}
}

// preferredHandlers rank files found by search; the rest follow by path.
var preferredHandlers = []string{"handler.py", "rp_handler.py", ".runpod/handler.py", "src/handler.py", "src/rp_handler.py"}

func (c *checker) checkHandler() {
	c.loadRequirements()
	var (
		entry     candidate
		handler   string
		traced    bool
		tr        *tracer
		entryName string
	)
	if c.df != nil {
		tr = &tracer{c: c, d: c.df, visited: map[string]bool{}}
		rt := c.df.rt
		entryName = "CMD"
		if rt.Entrypoint != nil {
			entryName = "ENTRYPOINT"
		}
		tr.argv(rt.Argv(), rt.Workdir, 0, entryName)
		c.facts.TestInputFlag = tr.flag
		for _, cand := range tr.cands {
			if h := c.reachesStart(cand.file, 0, map[string]bool{}); h != "" {
				entry, handler, traced = cand, h, true
				break
			}
		}
		if len(tr.scripts) > 0 {
			c.facts.Entry = tr.scripts[0]
		}
		if len(tr.cands) > 0 {
			if !traced {
				entry = tr.cands[0]
			}
			if c.facts.Entry == "" {
				c.facts.Entry = entry.file
			}
			c.facts.RunDir = entry.cwd
		}
	}
	defer c.checkRunpodRequirement()
	searched := c.searchHandler()
	switch {
	case traced:
		c.facts.HandlerFoundBy = "entry"
	case tr != nil && len(tr.cands) > 0:
		msg := fmt.Sprintf("%s runs %s, which never reaches runpod.serverless.start", entry.via, entry.file)
		if searched != "" {
			msg += fmt.Sprintf(" (%s calls it, but the image does not run it)", searched)
		}
		c.add(HandlerKind, Error, entry.file, 0, msg, "Make CMD run the file that calls runpod.serverless.start({\"handler\": ...}).")
		return
	case searched != "":
		handler = searched
		c.facts.HandlerFoundBy = "search"
	default:
		msg := "no handler found: no .py file in the repository calls runpod.serverless.start"
		if tr != nil && len(tr.problems) > 0 {
			msg = "no handler found: " + tr.problems[0]
		} else if tr != nil && len(tr.unresolved) > 0 {
			msg = fmt.Sprintf("no handler found: the container runs %s, which is not a file of the repository, and no .py file calls runpod.serverless.start", tr.unresolved[0])
		}
		file := ""
		if c.df != nil {
			file = c.df.path
		}
		c.add(NoHandler, Error, file, 0, msg, "")
		return
	}
	c.classify(handler)
	if c.t.isDir(".runpod") {
		if dir := path.Dir(handler); dir != "." && dir != ".runpod" {
			c.add(HandlerLocation, Warning, handler, 0, fmt.Sprintf("the handler is in %s/, not at the repository root or in .runpod/", dir), "")
		}
	}
	c.facts.RequiredEnv = c.requiredEnv(handler)
}

// reachesStart returns the file that calls runpod.serverless.start: file
// itself or a repository module it imports (up to three imports deep).
func (c *checker) reachesStart(file string, depth int, seen map[string]bool) string {
	if seen[file] || depth > 3 {
		return ""
	}
	seen[file] = true
	f := c.loadPy(file)
	if f.err != nil {
		return ""
	}
	if len(f.mod.StartCalls) > 0 {
		return file
	}
	for _, imp := range f.mod.Imports {
		for _, dep := range c.importFiles(imp, file) {
			if h := c.reachesStart(dep, depth+1, seen); h != "" {
				return h
			}
		}
	}
	return ""
}

// importFiles returns the repository files an import refers to: the module,
// and for "from m import a" also m.a when that is a module.
func (c *checker) importFiles(imp python.Import, from string) []string {
	var out []string
	mods := []string{imp.Module}
	for _, n := range imp.Names {
		if n != "*" {
			mods = append(mods, joinModule(imp.Module, n))
		}
	}
	for _, m := range mods {
		if p := c.findModule(m, from); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func joinModule(mod, name string) string {
	if strings.HasSuffix(mod, ".") {
		return mod + name
	}
	return mod + "." + name
}

// findModule resolves a dotted module name (relative ones from file) to a
// repository file, looking in the file's directory, the root and src/.
func (c *checker) findModule(mod, from string) string {
	var bases []string
	rel := strings.TrimLeft(mod, ".")
	if dots := len(mod) - len(rel); dots > 0 {
		base := path.Dir(from)
		for i := 1; i < dots; i++ {
			base = path.Dir(base)
		}
		bases = []string{base}
	} else {
		bases = []string{path.Dir(from), ".", "src"}
	}
	if rel == "" {
		for _, b := range bases {
			if p := path.Join(b, "__init__.py"); c.t.isFile(p) {
				return clean(p)
			}
		}
		return ""
	}
	sub := strings.ReplaceAll(rel, ".", "/")
	for _, b := range bases {
		for _, p := range []string{path.Join(b, sub+".py"), path.Join(b, sub, "__init__.py")} {
			if c.t.isFile(p) {
				return clean(p)
			}
		}
	}
	return ""
}

// searchHandler finds a .py file calling runpod.serverless.start without
// the Dockerfile's help, preferring the usual names.
func (c *checker) searchHandler() string {
	var found []string
	scanned := 0
	for _, p := range c.t.paths {
		if !strings.HasSuffix(p, ".py") || !c.t.isFile(p) || vendored(p) {
			continue
		}
		if scanned++; scanned > maxPyScanned {
			break
		}
		data, err := c.t.read(p, maxSourceBytes)
		if err != nil || !bytes.Contains(data, []byte("start")) || !bytes.Contains(data, []byte("runpod")) {
			continue
		}
		if f := c.loadPy(p); f.err == nil && len(f.mod.StartCalls) > 0 {
			found = append(found, p)
		}
	}
	if len(found) == 0 {
		return ""
	}
	rank := func(p string) int {
		for i, h := range preferredHandlers {
			if p == h {
				return i
			}
		}
		return len(preferredHandlers) + strings.Count(p, "/")
	}
	sort.SliceStable(found, func(i, j int) bool { return rank(found[i]) < rank(found[j]) })
	return found[0]
}

// vendored paths hold other people's code: never treat them as the worker's.
func vendored(p string) bool {
	for _, part := range strings.Split(p, "/") {
		switch part {
		case "node_modules", "site-packages", ".venv", "venv", "__pycache__", ".tox":
			return true
		}
	}
	return false
}

// classify records the handler facts and the JW014 info findings.
func (c *checker) classify(handler string) {
	c.facts.Handler = handler
	f := c.loadPy(handler)
	if f.err != nil || len(f.mod.StartCalls) == 0 {
		c.facts.HandlerKind = string(python.Unknown)
		return
	}
	sc := f.mod.StartCalls[0]
	c.facts.HandlerFunction = sc.Handler
	c.facts.ReturnAggregateStream = sc.ReturnAggregateStream
	kind := python.Unknown
	switch {
	case sc.Handler == "lambda":
		kind = python.Plain
	case sc.Handler != "":
		fn, target := f.mod.Lookup(sc.Handler)
		if fn == nil && target != "" {
			fn = c.lookupFunction(target, handler)
		}
		if fn != nil {
			kind = fn.Kind()
		}
	}
	c.facts.HandlerKind = string(kind)
	switch kind {
	case python.Generator, python.AsyncGenerator:
		c.add(HandlerKind, Info, handler, sc.Line, fmt.Sprintf("handler %s is a %s: the SDK's local test mode does not run it, so a local test is inconclusive", sc.Handler, strings.ReplaceAll(string(kind), "_", " ")),
			"Nothing to fix: validate runs generator handlers through the SDK's API mode (--rp_serve_api) for a conclusive result.")
	case python.Unknown:
		name := sc.Handler
		if name == "" {
			name = "(an expression)"
		}
		c.add(HandlerKind, Info, handler, sc.Line, fmt.Sprintf("could not tell what kind of function the handler %s is", name),
			"Pass a function defined with def (or imported from a repository module) as \"handler\".")
	}
}

// lookupFunction finds a def through a dotted import target such as
// "src.worker.handler".
func (c *checker) lookupFunction(target, from string) *python.Function {
	i := strings.LastIndex(target, ".")
	if i <= 0 {
		return nil
	}
	mod, attr := target[:i], target[i+1:]
	if strings.HasSuffix(mod, ".") && strings.Trim(mod, ".") == "" {
		mod = target[:i+1]
	}
	p := c.findModule(mod, from)
	if p == "" {
		return nil
	}
	f := c.loadPy(p)
	if f.err != nil {
		return nil
	}
	fn, _ := f.mod.Lookup(attr)
	return fn
}

// requiredEnv lists the variables the handler module, and the repository
// modules it imports, read at import time.
func (c *checker) requiredEnv(handler string) []string {
	seen := map[string]bool{}
	names := map[string]bool{}
	var walk func(file string, depth int)
	walk = func(file string, depth int) {
		if seen[file] || depth > 3 {
			return
		}
		seen[file] = true
		f := c.loadPy(file)
		if f.err != nil {
			return
		}
		for _, e := range f.mod.RequiredEnv {
			names[e.Name] = true
		}
		for _, imp := range f.mod.Imports {
			for _, dep := range c.importFiles(imp, file) {
				walk(dep, depth+1)
			}
		}
	}
	walk(handler, 0)
	return sortedKeys(names)
}
