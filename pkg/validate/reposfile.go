package validate

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// LoadReposFile reads a repos.yaml file (see ParseRepos). Relative local
// paths in it are resolved against the file's directory.
func LoadReposFile(file string, d Defaults) ([]Repo, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("read repos file: %w", err)
	}
	d.Dir = filepath.Dir(file)
	return ParseRepos(data, file, d)
}

// ParseRepos parses a repos.yaml document. It is either a list of entries or
// a mapping with an optional "organization" (the default organisation for
// bare names) and "repositories" (the list). An entry is a string (as on the
// command line: name, owner/name, git URL, directory) or a mapping:
//
//	organization: runpod-workers
//	repositories:
//	  - worker-basic
//	  - name: worker-vllm              # or owner/name; or url: / path:
//	    ref: v1.2.0
//	    dockerfile: .runpod/Dockerfile
//	    build_args: {BASE_IMAGE: "nvidia/cuda:12.4.1-base-ubuntu22.04"}
//	    env: {MODEL_NAME: "facebook/opt-125m"}
//	    test_input: tests/small.json   # absolute, or relative to the repository
//	    timeout: 15m                   # run timeout
//	    build_timeout: 45m
//	    gpu_required: true
//
// A name given with url: or path: names the repository in the results.
// Errors name the file and line; file is used in messages only.
func ParseRepos(data []byte, file string, d Defaults) ([]Repo, error) {
	p := reposParser{file: file, d: d}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, p.yamlErr(err)
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return nil, fmt.Errorf("%s: no repositories: the file is empty", file)
	}
	root := doc.Content[0]
	list := root
	if root.Kind == yaml.MappingNode {
		list = nil
		err := p.eachKey(root, []string{"organization", "repositories"}, func(key string, v *yaml.Node) error {
			switch key {
			case "organization":
				org, err := p.scalar(v, key)
				if err != nil {
					return err
				}
				if !bareName.MatchString(org) {
					return p.errf(v, "organization %q is not a valid GitHub organisation name", org)
				}
				p.d.Org = org
			case "repositories":
				list = v
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		if list == nil {
			return nil, p.errf(root, `no "repositories" list`)
		}
	}
	if list.Kind != yaml.SequenceNode {
		return nil, p.errf(list, "expected a list of repositories, found %s", kindName(list))
	}
	if len(list.Content) == 0 {
		return nil, p.errf(list, "the list of repositories is empty")
	}
	repos := make([]Repo, 0, len(list.Content))
	seen := map[string]int{}
	for _, n := range list.Content {
		r, err := p.entry(n)
		if err != nil {
			return nil, err
		}
		key := r.Source() + "@" + r.Ref
		if line, dup := seen[key]; dup {
			return nil, p.errf(n, "repository %s (ref %q) is listed twice (first on line %d)", r.FullName(), r.Ref, line)
		}
		seen[key] = n.Line
		repos = append(repos, r)
	}
	return repos, nil
}

var (
	namePart  = `[A-Za-z0-9_.-]+`
	bareName  = regexp.MustCompile(`^` + namePart + `$`)
	ownerName = regexp.MustCompile(`^(` + namePart + `)/(` + namePart + `)$`)
)

type reposParser struct {
	file string
	d    Defaults
}

var entryKeys = []string{"name", "url", "path", "ref", "dockerfile", "build_args", "env", "test_input", "timeout", "build_timeout", "gpu_required"}

var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

func (p *reposParser) entry(n *yaml.Node) (Repo, error) {
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if n.Kind == yaml.ScalarNode {
		r, err := ParseRepoArg(n.Value, p.d)
		if err != nil {
			return Repo{}, p.errf(n, "%v", err)
		}
		return r, nil
	}
	if n.Kind != yaml.MappingNode {
		return Repo{}, p.errf(n, "a repository is a name or a mapping, found %s", kindName(n))
	}
	var r Repo
	var name, url, dir string
	err := p.eachKey(n, entryKeys, func(key string, v *yaml.Node) error {
		var err error
		switch key {
		case "name":
			name, err = p.scalar(v, key)
		case "url":
			url, err = p.scalar(v, key)
		case "path":
			dir, err = p.scalar(v, key)
		case "ref":
			r.Ref, err = p.scalar(v, key)
		case "dockerfile":
			r.Dockerfile, err = p.relPath(v, key)
		case "test_input":
			r.TestInput, err = p.scalar(v, key)
		case "build_args":
			r.BuildArgs, err = p.stringMap(v, key, false)
		case "env":
			r.Env, err = p.stringMap(v, key, true)
		case "timeout":
			r.RunTimeout, err = p.duration(v, key)
		case "build_timeout":
			r.BuildTimeout, err = p.duration(v, key)
		case "gpu_required":
			var b bool
			if v.Kind != yaml.ScalarNode || v.Decode(&b) != nil {
				return p.errf(v, "gpu_required must be true or false, found %q", v.Value)
			}
			r.GPURequired = &b
		}
		return err
	})
	if err != nil {
		return Repo{}, err
	}
	var base Repo
	switch {
	case btoi(name != "")+btoi(url != "")+btoi(dir != "") == 0:
		return Repo{}, p.errf(n, "a repository needs one of name, url or path")
	case url != "" && dir != "":
		return Repo{}, p.errf(n, "give url or path, not both")
	case url != "":
		if !strings.Contains(url, "://") && !strings.HasPrefix(url, "git@") {
			return Repo{}, p.errf(n, "url %q is not a git URL (https://, ssh://, file:// or git@host:owner/name)", url)
		}
		base, err = ParseRepoArg(url, p.d)
	case dir != "":
		if !filepath.IsAbs(dir) && !strings.HasPrefix(dir, ".") && !strings.HasPrefix(dir, "~") {
			dir = "./" + dir
		}
		base, err = ParseRepoArg(dir, p.d)
	default:
		if !ownerName.MatchString(name) && !bareName.MatchString(name) {
			return Repo{}, p.errf(n, "name %q: give owner/name or a bare name; use url: or path: for the others", name)
		}
		if !strings.Contains(name, "/") {
			name = p.d.org() + "/" + name
		}
		base, err = ParseRepoArg(name, p.d)
	}
	if err != nil {
		return Repo{}, p.errf(n, "%v", err)
	}
	if name != "" && (url != "" || dir != "") {
		// name: renames a url or path entry in the results.
		if m := ownerName.FindStringSubmatch(name); m != nil {
			base.Org, base.Name = m[1], m[2]
		} else {
			base.Name = name
		}
	}
	r.Name, r.Org, r.URL, r.Path = base.Name, base.Org, base.URL, base.Path
	return r, nil
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// eachKey calls fn for every key of mapping m, rejecting unknown and
// repeated keys.
func (p *reposParser) eachKey(m *yaml.Node, known []string, fn func(key string, v *yaml.Node) error) error {
	seen := map[string]bool{}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			return p.errf(k, "keys must be plain names")
		}
		if !slices.Contains(known, k.Value) {
			return p.errf(k, "unknown key %q (known keys: %s)", k.Value, strings.Join(known, ", "))
		}
		if seen[k.Value] {
			return p.errf(k, "key %q is repeated", k.Value)
		}
		seen[k.Value] = true
		if err := fn(k.Value, v); err != nil {
			return err
		}
	}
	return nil
}

func (p *reposParser) scalar(v *yaml.Node, key string) (string, error) {
	if v.Kind != yaml.ScalarNode || v.Tag == "!!null" {
		return "", p.errf(v, "%s must be a string, found %s", key, kindName(v))
	}
	s := strings.TrimSpace(v.Value)
	if s == "" {
		return "", p.errf(v, "%s is empty", key)
	}
	return s, nil
}

func (p *reposParser) relPath(v *yaml.Node, key string) (string, error) {
	s, err := p.scalar(v, key)
	if err != nil {
		return "", err
	}
	clean := filepath.ToSlash(filepath.Clean(s))
	if filepath.IsAbs(s) || clean == ".." || strings.HasPrefix(clean, "../") {
		return "", p.errf(v, "%s %q must be a path inside the repository", key, s)
	}
	return clean, nil
}

func (p *reposParser) stringMap(v *yaml.Node, key string, isEnv bool) (map[string]string, error) {
	if v.Kind != yaml.MappingNode {
		return nil, p.errf(v, "%s must be a mapping of NAME: value, found %s", key, kindName(v))
	}
	out := make(map[string]string, len(v.Content)/2)
	for i := 0; i+1 < len(v.Content); i += 2 {
		k, val := v.Content[i], v.Content[i+1]
		if k.Kind != yaml.ScalarNode || !envName.MatchString(k.Value) {
			return nil, p.errf(k, "%s: %q is not a valid variable name", key, k.Value)
		}
		if _, dup := out[k.Value]; dup {
			return nil, p.errf(k, "%s: %q is repeated", key, k.Value)
		}
		if isEnv && k.Value == webhookEnv {
			return nil, p.errf(k, "env: %s makes a worker wait for RunPod jobs instead of running its test input; remove it", webhookEnv)
		}
		if val.Kind != yaml.ScalarNode {
			return nil, p.errf(val, "%s: value of %s must be a string, number or boolean, found %s", key, k.Value, kindName(val))
		}
		out[k.Value] = val.Value
	}
	return out, nil
}

func (p *reposParser) duration(v *yaml.Node, key string) (time.Duration, error) {
	s, err := p.scalar(v, key)
	if err != nil {
		return 0, err
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, p.errf(v, "%s %q: give a positive duration such as 90s, 15m or 1h", key, s)
	}
	return d, nil
}

func (p *reposParser) errf(n *yaml.Node, format string, args ...any) error {
	return fmt.Errorf("%s:%d: %s", p.file, n.Line, fmt.Sprintf(format, args...))
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

func (p *reposParser) yamlErr(err error) error {
	var te *yaml.TypeError
	if errors.As(err, &te) {
		return fmt.Errorf("%s: %s", p.file, strings.Join(te.Errors, "; "))
	}
	if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
		return fmt.Errorf("%s:%s: %s", p.file, m[1], m[2])
	}
	return fmt.Errorf("%s: %w", p.file, err)
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "a list"
	case yaml.MappingNode:
		return "a mapping"
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return "nothing"
		}
		return fmt.Sprintf("%q", n.Value)
	case yaml.AliasNode:
		return "an alias"
	}
	return "a document"
}
