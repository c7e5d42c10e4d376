package lint

import (
	"fmt"
	"path"
)

const testInputName = "test_input.json"

// checkTestInput is JW018–JW020: which test_input.json a local run uses,
// whether it is valid, and whether the image has it where the SDK looks.
func (c *checker) checkTestInput() {
	var files []string
	for _, p := range c.t.withBase(testInputName) {
		if !vendored(p) {
			files = append(files, p)
		}
	}
	if len(files) == 0 {
		c.add(NoTestInput, Warning, "", 0, "no test_input.json in the repository: a plain docker run has no job to run", "")
		return
	}
	chosen, inWorkdir := c.chooseTestInput(files)
	c.facts.TestInput = chosen
	c.facts.TestInputInWorkdir = inWorkdir
	for _, p := range files {
		c.validateTestInput(p, p == chosen)
	}
	if c.df != nil && !inWorkdir && !c.facts.TestInputFlag {
		c.add(TestInputNotInWorkdir, Warning, chosen, 0,
			fmt.Sprintf("%s is not in %s, the directory the handler runs in, so a plain docker run prints \"test_input.json not found\"", chosen, c.facts.RunDir),
			fmt.Sprintf("COPY %s %s", chosen, path.Join(c.facts.RunDir, testInputName)))
	}
}

// chooseTestInput prefers the file the image has in the handler's working
// directory, then the root one, then one next to the handler.
func (c *checker) chooseTestInput(files []string) (string, bool) {
	if c.df != nil {
		ip := path.Join(c.facts.RunDir, testInputName)
		if rp, ok := c.df.img.resolve(c.df.img.finalStage(), -1, ip); ok && c.t.isFile(rp) {
			return rp, true
		}
	}
	if c.t.isFile(testInputName) {
		return testInputName, false
	}
	if c.facts.Handler != "" {
		if p := clean(path.Join(path.Dir(c.facts.Handler), testInputName)); c.t.isFile(p) {
			return p, false
		}
	}
	return files[0], false
}

// validateTestInput is JW019 for one file; the chosen file's input is kept
// for JW021.
func (c *checker) validateTestInput(p string, chosen bool) {
	d := c.loadJSON(p, TestInputInvalid)
	if d == nil {
		return
	}
	root, ok := obj(d.Value)
	if !ok {
		c.at(d, TestInputInvalid, Error, "", fmt.Sprintf("test_input.json is %s, not an object {\"input\": ...}", kindOf(d.Value)), "")
		return
	}
	input, has := root["input"]
	switch {
	case !has:
		c.at(d, TestInputInvalid, Error, "", "test_input.json has no \"input\": the SDK answers \"Job has no input parameter\"", "")
		return
	case input == nil:
		c.at(d, TestInputInvalid, Error, "/input", "\"input\" is null: the SDK answers \"Job has no input parameter\"", "")
		return
	}
	if _, isObj := obj(input); !isObj {
		c.at(d, TestInputInvalid, Warning, "/input", fmt.Sprintf("\"input\" is %s, not an object", kindOf(input)),
			"Make input an object of named fields, as handlers read job[\"input\"][\"name\"].")
	}
	if chosen {
		c.testInput = input
	}
}
