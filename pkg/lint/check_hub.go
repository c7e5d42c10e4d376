package lint

import (
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/runpod-workers/janitor/pkg/lint/hub"
)

const (
	hubPath   = ".runpod/hub.json"
	testsPath = ".runpod/tests.json"
)

var (
	envKeyRe    = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	cudaVerRe   = regexp.MustCompile(`^\d+\.\d+$`)
	poolShapeRe = regexp.MustCompile(`^[A-Z]+_[0-9]+(_[A-Z]+)?$`)
	envTypes    = []string{"string", "number", "boolean", "huggingface"}
)

// checkHub is JW021–JW032: the Hub files and how they agree with the code.
func (c *checker) checkHub() {
	if !c.t.isDir(".runpod") {
		c.add(NoHubFolder, Info, "", 0, "no .runpod/ folder: not a RunPod Hub repository, Hub rules skipped", "")
		return
	}
	c.facts.HubRepo = true
	if c.t.exists(hubPath) {
		if c.hubDoc = c.loadJSON(hubPath, HubInvalid); c.hubDoc != nil {
			c.checkHubJSON(c.hubDoc)
		}
		if !c.t.exists(testsPath) {
			c.add(HubWithoutTests, Error, hubPath, 0, "hub.json without .runpod/tests.json: the Hub tests every release and needs both", "")
		}
	}
	if c.t.exists(testsPath) {
		if c.tests = c.loadJSON(testsPath, TestsInvalid); c.tests != nil {
			c.checkTestsJSON(c.tests)
		}
	}
	c.checkCUDA()
	c.checkTestsEnv()
	c.checkTestInputDiffers()
}

// schema validates d; a problem at or below the pointer prefix is filed
// under rule inner, the others under outer.
func (c *checker) schema(d *jsonDoc, name, prefix, inner, outer string) {
	problems, err := d.Validate(name)
	if err != nil {
		c.add(outer, Error, d.path, 0, "janitor could not check the schema: "+err.Error(), "Report this janitor bug.")
		return
	}
	for _, p := range problems {
		rule := outer
		if p.Pointer == prefix || strings.HasPrefix(p.Pointer, prefix+"/") {
			rule = inner
		}
		c.at(d, rule, Error, p.Pointer, p.Msg, "")
	}
}

func (c *checker) checkHubJSON(d *jsonDoc) {
	c.schema(d, hub.HubSchema, "/config/env", HubEnvInvalid, HubInvalid)
	root, ok := obj(d.Value)
	if !ok {
		return
	}
	config, _ := obj(root["config"])
	runsOn, _ := str(config["runsOn"])
	c.facts.RunsOn = runsOn
	c.facts.AllowedCUDAVersions = stringList(config["allowedCudaVersions"])
	switch runsOn {
	case "GPU":
		for _, k := range []string{"gpuIds", "gpuCount"} {
			if _, has := config[k]; !has {
				c.at(d, HubInvalid, Error, "/config", fmt.Sprintf("runsOn is GPU but %s is missing", k), fmt.Sprintf("Add config.%s.", k))
			}
		}
	case "CPU":
		if s, _ := str(config["cpuFlavor"]); strings.TrimSpace(s) == "" {
			c.at(d, HubInvalid, Error, "/config", "runsOn is CPU but cpuFlavor is missing", "Add config.cpuFlavor.")
		}
	}
	if ids, ok := str(config["gpuIds"]); ok {
		c.checkGPUIds(d, ids)
	}
	keys := c.checkEnv(d, config["env"])
	c.checkPresets(d, config["presets"], keys)
	c.checkPlaceholders(d, root)
}

func (c *checker) checkGPUIds(d *jsonDoc, ids string) {
	positive := 0
	for _, id := range strings.Split(ids, ",") {
		id = strings.TrimSpace(id)
		if id == "" || strings.HasPrefix(id, "-") {
			continue
		}
		positive++
		if !slices.Contains(hub.KnownPools, id) {
			c.at(d, UnknownGPUPool, Warning, "/config/gpuIds", fmt.Sprintf("unknown GPU pool ID %q", id), "")
		}
	}
	if positive == 0 {
		c.at(d, HubInvalid, Error, "/config/gpuIds", fmt.Sprintf("gpuIds %q names no GPU pool", ids), "List at least one pool ID, e.g. \"ADA_24,AMPERE_24\".")
	}
}

// checkEnv is JW025; it returns the keys env declares.
func (c *checker) checkEnv(d *jsonDoc, v any) map[string]bool {
	keys := map[string]bool{}
	entries, _ := arr(v)
	for i, e := range entries {
		ptr := hub.Pointer("config", "env", i)
		m, ok := obj(e)
		if !ok {
			c.at(d, HubEnvInvalid, Error, ptr, fmt.Sprintf("env entry is %s, not an object", kindOf(e)), "")
			continue
		}
		key, ok := str(m["key"])
		switch {
		case !ok:
			c.at(d, HubEnvInvalid, Error, ptr, "env entry has no string \"key\"", "")
		case !envKeyRe.MatchString(key):
			c.at(d, HubEnvInvalid, Error, ptr+"/key", fmt.Sprintf("%q is not a valid environment variable name", key), "")
		case keys[key]:
			c.at(d, HubEnvInvalid, Error, ptr+"/key", fmt.Sprintf("duplicate env key %q", key), "")
		}
		if ok {
			keys[key] = true
		}
		value, hasValue := m["value"]
		input, hasInput := m["input"]
		switch {
		case hasValue && hasInput:
			c.at(d, HubEnvInvalid, Error, ptr, "env entry has both \"value\" and \"input\"; give exactly one", "")
		case !hasValue && !hasInput:
			c.at(d, HubEnvInvalid, Error, ptr, "env entry has neither \"value\" nor \"input\"; give exactly one", "")
		case hasValue:
			if _, isObj := obj(value); isObj || value == nil {
				c.at(d, HubEnvInvalid, Error, ptr+"/value", fmt.Sprintf("value is %s; give a string", kindOf(value)), "")
			} else if _, isArr := arr(value); isArr {
				c.at(d, HubEnvInvalid, Error, ptr+"/value", "value is an array; give a string", "")
			}
		default:
			c.checkEnvInput(d, ptr+"/input", input)
		}
	}
	return keys
}

func (c *checker) checkEnvInput(d *jsonDoc, ptr string, v any) {
	in, ok := obj(v)
	if !ok {
		c.at(d, HubEnvInvalid, Error, ptr, fmt.Sprintf("input is %s, not an object", kindOf(v)), "")
		return
	}
	if name, ok := str(in["name"]); !ok || strings.TrimSpace(name) == "" {
		c.at(d, HubEnvInvalid, Error, ptr, "input has no \"name\"", "Give the input a name the Hub shows as the field label.")
	}
	typ, ok := str(in["type"])
	if !ok || !slices.Contains(envTypes, typ) {
		c.at(d, HubEnvInvalid, Error, ptr+"/type", fmt.Sprintf("input.type is %s; want one of %s", short(in["type"]), strings.Join(envTypes, ", ")), "")
		return
	}
	for _, k := range []string{"min", "max"} {
		if x, has := in[k]; has {
			if _, isNum := num(x); !isNum {
				c.at(d, HubEnvInvalid, Error, ptr+"/"+k, fmt.Sprintf("%s is %s, not a number", k, kindOf(x)), "")
			}
		}
	}
	for _, k := range []string{"required", "advanced"} {
		if x, has := in[k]; has {
			if _, isBool := x.(bool); !isBool {
				c.at(d, HubEnvInvalid, Error, ptr+"/"+k, fmt.Sprintf("%s is %s, not a boolean", k, kindOf(x)), "")
			}
		}
	}
	var optionValues []any
	if opts, has := in["options"]; has {
		list, isArr := arr(opts)
		if !isArr {
			c.at(d, HubEnvInvalid, Error, ptr+"/options", fmt.Sprintf("options is %s, not an array", kindOf(opts)), "")
		}
		for j, o := range list {
			om, isObj := obj(o)
			_, hasLabel := str(om["label"])
			val, hasVal := om["value"]
			if !isObj || !hasLabel || !hasVal {
				c.at(d, HubEnvInvalid, Error, fmt.Sprintf("%s/options/%d", ptr, j), "an option needs a string \"label\" and a \"value\"", "")
				continue
			}
			optionValues = append(optionValues, val)
		}
	}
	def, has := in["default"]
	if !has || def == nil {
		return
	}
	fix := "Make the default match the input's type, range and options."
	switch typ {
	case "string", "huggingface":
		if _, isStr := str(def); !isStr {
			c.at(d, HubEnvInvalid, Warning, ptr+"/default", fmt.Sprintf("default %s is %s but the input's type is %s", short(def), kindOf(def), typ), fix)
			return
		}
	case "number":
		f, isNum := num(def)
		if !isNum {
			c.at(d, HubEnvInvalid, Warning, ptr+"/default", fmt.Sprintf("default %s is %s but the input's type is number", short(def), kindOf(def)), fix)
			return
		}
		if lo, ok := num(in["min"]); ok && f < lo {
			c.at(d, HubEnvInvalid, Warning, ptr+"/default", fmt.Sprintf("default %s is below min %s", short(def), short(in["min"])), fix)
		}
		if hi, ok := num(in["max"]); ok && f > hi {
			c.at(d, HubEnvInvalid, Warning, ptr+"/default", fmt.Sprintf("default %s is above max %s", short(def), short(in["max"])), fix)
		}
	case "boolean":
		if _, isBool := def.(bool); !isBool {
			c.at(d, HubEnvInvalid, Warning, ptr+"/default", fmt.Sprintf("default %s is %s but the input's type is boolean", short(def), kindOf(def)), fix)
			return
		}
	}
	if len(optionValues) > 0 && !slices.ContainsFunc(optionValues, func(o any) bool { return equalJSON(o, def) }) {
		c.at(d, HubEnvInvalid, Warning, ptr+"/default", fmt.Sprintf("default %s is not one of the options", short(def)), fix)
	}
}

func (c *checker) checkPresets(d *jsonDoc, v any, keys map[string]bool) {
	presets, _ := arr(v)
	for i, p := range presets {
		pm, _ := obj(p)
		defaults, _ := obj(pm["defaults"])
		name, _ := str(pm["name"])
		for _, k := range sortedKeys(defaults) {
			if !keys[k] {
				c.at(d, PresetUnknownKey, Warning, hub.Pointer("config", "presets", i, "defaults", k),
					fmt.Sprintf("preset %q sets %s, which config.env does not declare", name, k), "")
			}
		}
	}
}

var (
	placeholderText = regexp.MustCompile(`(?i)^\s*(my (worker|endpoint|template|project)|worker[ -]template|template|title|your title( here)?|todo|tbd|example|example worker|hello world|description|your description( here)?|a short description.*|add a description.*|describe (your|the) worker.*|worker description)\s*\.?\s*$`)
	loremIpsum      = regexp.MustCompile(`(?i)lorem ipsum|\bTODO\b|\bFIXME\b|<your `)
)

func (c *checker) checkPlaceholders(d *jsonDoc, root map[string]any) {
	if icon, ok := str(root["iconUrl"]); ok {
		if u, err := url.Parse(icon); err == nil {
			host := strings.ToLower(u.Hostname())
			for _, ex := range []string{"example.com", "example.org", "example.net"} {
				if host == ex || strings.HasSuffix(host, "."+ex) {
					c.at(d, PlaceholderMetadata, Warning, "/iconUrl", fmt.Sprintf("iconUrl %s is a placeholder", icon), "")
				}
			}
		}
	}
	for _, k := range []string{"title", "description"} {
		if s, ok := str(root[k]); ok && (placeholderText.MatchString(s) || loremIpsum.MatchString(s)) {
			c.at(d, PlaceholderMetadata, Warning, "/"+k, fmt.Sprintf("%s %q looks like template text", k, s), "")
		}
	}
}

func (c *checker) checkTestsJSON(d *jsonDoc) {
	c.schema(d, hub.TestsSchema, "/config", TestsConfigInvalid, TestsInvalid)
	root, ok := obj(d.Value)
	if !ok {
		return
	}
	cases, _ := arr(root["tests"])
	names := map[string]bool{}
	for i, tc := range cases {
		m, ok := obj(tc)
		if !ok {
			continue
		}
		ptr := hub.Pointer("tests", i)
		name, _ := str(m["name"])
		if name != "" && names[name] {
			c.at(d, TestsInvalid, Error, ptr+"/name", fmt.Sprintf("duplicate test name %q", name), "")
		}
		names[name] = true
		if in, ok := obj(m["input"]); ok && len(in) == 1 {
			if inner, wrapped := obj(in["input"]); wrapped && inner != nil {
				c.at(d, TestsInvalid, Warning, ptr+"/input", "the input looks wrapped in {\"input\": ...}; tests.json takes the job input itself",
					"Remove the outer {\"input\": ...}: the Hub wraps the case's input itself.")
			}
		}
		if _, has := m["timeout"]; !has {
			c.at(d, TestsInvalid, Info, ptr, fmt.Sprintf("test %q has no timeout (milliseconds)", name), "Add \"timeout\" in milliseconds so a hanging test fails instead of waiting.")
		}
		if i == 0 {
			c.firstCase(m)
		}
	}
	config, _ := obj(root["config"])
	if id, ok := str(config["gpuTypeId"]); ok && (slices.Contains(hub.KnownPools, id) || poolShapeRe.MatchString(id)) {
		c.at(d, TestsConfigInvalid, Error, "/config/gpuTypeId", fmt.Sprintf("gpuTypeId %q is a pool ID; tests.json wants a GPU name such as \"NVIDIA GeForce RTX 4090\"", id), "")
	}
	if c.facts.RunsOn == "CPU" {
		if s, _ := str(config["cpuFlavor"]); strings.TrimSpace(s) == "" {
			c.at(d, TestsConfigInvalid, Error, "/config", "hub.json runs on CPU but tests.json config has no cpuFlavor", "Add config.cpuFlavor to tests.json.")
		}
	}
	c.facts.TestsGPUTypeID, _ = str(config["gpuTypeId"])
	c.facts.TestsCPUFlavor, _ = str(config["cpuFlavor"])
	if n, ok := num(config["gpuCount"]); ok {
		c.facts.TestsGPUCount = int(n)
	}
	envs, _ := arr(config["env"])
	for _, e := range envs {
		m, _ := obj(e)
		k, ok := str(m["key"])
		if !ok {
			continue
		}
		v := m["value"]
		s, isStr := str(v)
		if !isStr && v != nil {
			s = short(v)
		}
		c.facts.TestsEnv = append(c.facts.TestsEnv, EnvVar{Key: k, Value: s})
	}
	if len(c.facts.AllowedCUDAVersions) == 0 {
		c.facts.AllowedCUDAVersions = stringList(config["allowedCudaVersions"])
	}
}

// firstCase records the first tests.json case, which validate falls back
// to when there is no test_input.json.
func (c *checker) firstCase(m map[string]any) {
	if in, ok := obj(m["input"]); ok {
		if raw, err := json.Marshal(in); err == nil {
			c.facts.TestsInput = raw
		}
	}
	c.facts.TestsName, _ = str(m["name"])
	if t, ok := num(m["timeout"]); ok && t > 0 {
		c.facts.TestsTimeoutMs = int64(t)
	}
}

// checkCUDA is JW031.
func (c *checker) checkCUDA() {
	lists := map[*jsonDoc][]string{}
	for _, d := range []*jsonDoc{c.hubDoc, c.tests} {
		if d == nil {
			continue
		}
		root, _ := obj(d.Value)
		config, _ := obj(root["config"])
		raw, has := config["allowedCudaVersions"]
		if !has {
			continue
		}
		list, _ := arr(raw)
		var valid []string
		for i, v := range list {
			s, ok := str(v)
			if !ok {
				continue // the schema reports non-strings
			}
			ptr := hub.Pointer("config", "allowedCudaVersions", i)
			if !cudaVerRe.MatchString(s) {
				c.at(d, CUDAVersions, Warning, ptr, fmt.Sprintf("CUDA version %q is not MAJOR.MINOR (e.g. \"12.4\")", s), "")
				continue
			}
			valid = append(valid, s)
			if base := c.facts.BaseImageCUDA; base != "" && compareVersions(s, base) < 0 {
				c.at(d, CUDAVersions, Warning, ptr, fmt.Sprintf("allows CUDA %s, older than the %s the base image %s is built on", s, base, c.facts.BaseImage), "")
			}
		}
		lists[d] = valid
	}
	h, hasHub := lists[c.hubDoc]
	t, hasTests := lists[c.tests]
	if c.hubDoc != nil && c.tests != nil && hasHub && hasTests && !sameSet(h, t) {
		c.at(c.tests, CUDAVersions, Warning, "/config/allowedCudaVersions",
			fmt.Sprintf("allowedCudaVersions %v differs from hub.json's %v", t, h), "Use the same list in hub.json and tests.json.")
	}
}

// checkTestsEnv is JW032.
func (c *checker) checkTestsEnv() {
	if c.tests == nil || c.facts.Handler == "" {
		return
	}
	have := map[string]bool{}
	for _, e := range c.facts.TestsEnv {
		have[e.Key] = true
	}
	if c.df != nil {
		for k := range c.df.rt.Env {
			have[k] = true
		}
	}
	lines := map[string]int{}
	if f := c.loadPy(c.facts.Handler); f.err == nil {
		for _, e := range f.mod.RequiredEnv {
			if _, seen := lines[e.Name]; !seen {
				lines[e.Name] = e.Line
			}
		}
	}
	for _, name := range c.facts.RequiredEnv {
		if have[name] {
			continue
		}
		file, line := c.facts.Handler, lines[name]
		c.add(TestsEnvMissing, Info, file, line, fmt.Sprintf("the code requires %s at start-up but tests.json config.env does not set it", name), "")
	}
}

// checkTestInputDiffers is JW021.
func (c *checker) checkTestInputDiffers() {
	if c.tests == nil || c.testInput == nil {
		return
	}
	root, _ := obj(c.tests.Value)
	cases, _ := arr(root["tests"])
	var first map[string]any
	firstName := ""
	for _, tc := range cases {
		m, _ := obj(tc)
		in, ok := obj(m["input"])
		if !ok {
			continue
		}
		if equalJSON(in, c.testInput) {
			return
		}
		if first == nil {
			first = in
			firstName, _ = str(m["name"])
		}
	}
	if first == nil {
		return
	}
	msg := fmt.Sprintf("test_input.json's input is %s while tests.json case %q's is an object", kindOf(c.testInput), firstName)
	if mine, ok := obj(c.testInput); ok {
		msg = fmt.Sprintf("test_input.json's input matches no .runpod/tests.json case; against %q it differs in %s", firstName, diffKeys(mine, first))
	}
	c.add(TestInputDiffers, Info, c.facts.TestInput, 0, msg, "")
}
