package lint

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"sort"
	"strings"
)

// Read limits. A file above its limit is not read at all; a finding says so.
const (
	maxDockerfileBytes = 1 << 20
	maxJSONBytes       = 1 << 20
	maxSourceBytes     = 2 << 20
	maxTextBytes       = 256 << 10
	maxEntries         = 100_000
	maxPyScanned       = 2_000
)

type entryKind uint8

const (
	kindFile entryKind = iota + 1
	kindDir
	kindLink  // a symbolic link whose target is missing or outside the repository
	kindOther // a FIFO, socket or device: present, never opened
)

// tree is the repository as lint sees it: every path (slash-separated,
// relative to the root) with its kind, read through an fs.FS that cannot
// leave the root (os.Root), so a symbolic link pointing outside is never
// followed.
type tree struct {
	fsys      fs.FS
	kinds     map[string]entryKind
	paths     []string // sorted
	truncated bool
}

func loadTree(ctx context.Context, fsys fs.FS) (*tree, error) {
	t := &tree{fsys: fsys, kinds: map[string]entryKind{}}
	n := 0
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == "." {
				return err
			}
			return nil // unreadable entries are simply absent
		}
		if n++; n%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if p == "." {
			return nil
		}
		if len(t.paths) >= maxEntries {
			t.truncated = true
			return fs.SkipAll
		}
		switch {
		case d.IsDir() && d.Name() == ".git":
			return fs.SkipDir
		case d.IsDir():
			t.add(p, kindDir)
		case d.Type()&fs.ModeSymlink != 0:
			// Stat follows the link, but only inside the root.
			st, err := fs.Stat(fsys, p)
			switch {
			case err != nil:
				t.add(p, kindLink)
			case st.IsDir():
				t.add(p, kindDir)
			case st.Mode().IsRegular():
				t.add(p, kindFile)
			default:
				t.add(p, kindOther)
			}
		case d.Type().IsRegular():
			t.add(p, kindFile)
		default:
			t.add(p, kindOther)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("walk repository: %w", err)
	}
	sort.Strings(t.paths)
	return t, nil
}

func (t *tree) add(p string, k entryKind) {
	t.kinds[p] = k
	t.paths = append(t.paths, p)
}

func (t *tree) isFile(p string) bool { return t.kinds[clean(p)] == kindFile }
func (t *tree) isDir(p string) bool {
	p = clean(p)
	return p == "." || t.kinds[p] == kindDir
}
func (t *tree) exists(p string) bool { p = clean(p); return p == "." || t.kinds[p] != 0 }

// under returns the paths below dir ("." for all), in order.
func (t *tree) under(dir string) []string {
	dir = clean(dir)
	if dir == "." {
		return t.paths
	}
	prefix := dir + "/"
	i := sort.SearchStrings(t.paths, prefix)
	j := i
	for j < len(t.paths) && strings.HasPrefix(t.paths[j], prefix) {
		j++
	}
	return t.paths[i:j]
}

// withBase returns every file (or unreadable link) whose base name is
// name, in order.
func (t *tree) withBase(name string) []string {
	var out []string
	for _, p := range t.paths {
		if path.Base(p) == name && t.kinds[p] != kindDir {
			out = append(out, p)
		}
	}
	return out
}

// readProblem says why a file could not be read, in words for a finding.
type readProblem struct{ msg string }

func (e *readProblem) Error() string { return e.msg }

// read returns the file's content. It refuses links that leave the
// repository, files larger than limit, and binary files (a NUL byte in the
// first 8 KiB), each with a *readProblem.
func (t *tree) read(p string, limit int64) ([]byte, error) {
	p = clean(p)
	switch t.kinds[p] {
	case kindLink:
		return nil, &readProblem{p + " is a symbolic link to a path outside the repository (or to nothing); janitor does not follow it"}
	case kindDir:
		return nil, &readProblem{p + " is a directory"}
	case kindOther:
		return nil, &readProblem{p + " is not a regular file"}
	case 0:
		return nil, &readProblem{p + " does not exist"}
	}
	// Stat before opening: opening a FIFO would block until a writer comes.
	if st, err := fs.Stat(t.fsys, p); err != nil || !st.Mode().IsRegular() {
		return nil, &readProblem{p + " is not a regular file"}
	}
	f, err := t.fsys.Open(p)
	if err != nil {
		return nil, &readProblem{fmt.Sprintf("%s cannot be read: %v", p, unwrapPath(err))}
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, &readProblem{fmt.Sprintf("%s cannot be read: %v", p, unwrapPath(err))}
	}
	if !st.Mode().IsRegular() {
		return nil, &readProblem{p + " is not a regular file"}
	}
	if st.Size() > limit {
		return nil, &readProblem{fmt.Sprintf("%s is %s, more than the %s janitor reads", p, size(st.Size()), size(limit))}
	}
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, &readProblem{fmt.Sprintf("%s cannot be read: %v", p, unwrapPath(err))}
	}
	if int64(len(data)) > limit {
		return nil, &readProblem{fmt.Sprintf("%s is more than the %s janitor reads", p, size(limit))}
	}
	if bytes.IndexByte(data[:min(len(data), 8192)], 0) >= 0 {
		return nil, &readProblem{p + " is a binary file"}
	}
	return data, nil
}

func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func size(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// clean makes p a clean slash path relative to the root ("." for the root).
func clean(p string) string {
	p = path.Clean("/" + p)
	if p == "/" {
		return "."
	}
	return p[1:]
}
