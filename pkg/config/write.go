package config

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Set writes values into the YAML config file: each key is a dotted path
// (environments.prod.database.endpoint), each value a string, an int or a
// bool. Everything else in the file, comments included, stays as it was; a
// missing file is created (mode 0600). The file is replaced atomically: a
// temporary file in the same folder is written and synced, then renamed over
// it, so on any failure the old file is left untouched.
func Set(file string, values map[string]any) error {
	if real, err := filepath.EvalSymlinks(file); err == nil {
		file = real
	}
	old, err := os.ReadFile(file)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("read config file %s: %w", file, err)
	}
	doc := &yaml.Node{Kind: yaml.DocumentNode}
	if len(bytes.TrimSpace(old)) > 0 {
		if err := yaml.Unmarshal(old, doc); err != nil {
			return fmt.Errorf("read config file %s: %w (fix the YAML first)", file, err)
		}
	}
	if len(doc.Content) == 0 {
		doc.Content = []*yaml.Node{{Kind: yaml.MappingNode, Tag: "!!map"}}
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return fmt.Errorf("config file %s is not a YAML mapping: fix it first", file)
	}
	keys := make([]string, 0, len(values))
	for k := range values {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if err := setPath(root, strings.Split(k, "."), values[k]); err != nil {
			return fmt.Errorf("config file %s: %s: %w", file, k, err)
		}
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("write config file %s: %w", file, err)
	}
	if err := enc.Close(); err != nil {
		return fmt.Errorf("write config file %s: %w", file, err)
	}
	return writeAtomic(file, buf.Bytes())
}

// setPath sets the scalar at path under mapping m, creating mappings on the way.
func setPath(m *yaml.Node, path []string, v any) error {
	for i, key := range path {
		if key == "" {
			return errors.New("empty key")
		}
		var val *yaml.Node
		for j := 0; j+1 < len(m.Content); j += 2 {
			if m.Content[j].Value == key {
				val = m.Content[j+1]
				break
			}
		}
		last := i == len(path)-1
		if last {
			scalar, err := scalarNode(v)
			if err != nil {
				return err
			}
			if val == nil {
				m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key}, scalar)
			} else {
				// Keep a comment that sat on the old value.
				scalar.LineComment, scalar.HeadComment = val.LineComment, val.HeadComment
				*val = *scalar
			}
			return nil
		}
		if val == nil || (val.Kind == yaml.ScalarNode && val.Tag == "!!null") {
			next := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
			if val == nil {
				m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key}, next)
			} else {
				*val = *next
				next = val
			}
			m = next
			continue
		}
		if val.Kind != yaml.MappingNode {
			return fmt.Errorf("%s is not a mapping", strings.Join(path[:i+1], "."))
		}
		m = val
	}
	return nil
}

func scalarNode(v any) (*yaml.Node, error) {
	switch x := v.(type) {
	case string:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: x}, nil
	case int:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.Itoa(x)}, nil
	case bool:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: strconv.FormatBool(x)}, nil
	default:
		return nil, fmt.Errorf("value of type %T cannot be written", v)
	}
}

// writeAtomic replaces file with data, or leaves it as it was.
func writeAtomic(file string, data []byte) (err error) {
	dir := filepath.Dir(file)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create config folder %s: %w", dir, err)
	}
	mode := fs.FileMode(0o600)
	if st, err := os.Stat(file); err == nil {
		mode = st.Mode().Perm()
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(file)+".*")
	if err != nil {
		return fmt.Errorf("write config file %s: %w", file, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err = tmp.Write(data); err != nil {
		return fmt.Errorf("write config file %s: %w", file, err)
	}
	if err = tmp.Chmod(mode); err != nil {
		return fmt.Errorf("write config file %s: %w", file, err)
	}
	if err = tmp.Sync(); err != nil {
		return fmt.Errorf("write config file %s: %w", file, err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("write config file %s: %w", file, err)
	}
	if err = os.Rename(tmp.Name(), file); err != nil {
		return fmt.Errorf("write config file %s: %w", file, err)
	}
	return nil
}
