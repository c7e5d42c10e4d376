package script

import (
	"reflect"
	"strings"
	"testing"
)

func TestSplit(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		src  string
		want []Command
	}{
		{"simple", "python -u handler.py", []Command{{Words: []string{"python", "-u", "handler.py"}, Line: 1}}},
		{"operators", "apt-get update && apt-get install -y git; curl -fsSL https://x.test/i.sh | sh",
			[]Command{
				{Words: []string{"apt-get", "update"}, Line: 1, Op: "&&"},
				{Words: []string{"apt-get", "install", "-y", "git"}, Line: 1, Op: ";"},
				{Words: []string{"curl", "-fsSL", "https://x.test/i.sh"}, Line: 1, Op: "|"},
				{Words: []string{"sh"}, Line: 1},
			}},
		{"quotes", `echo "a b" 'c d' e\ f "x\"y"`, []Command{{Words: []string{"echo", "a b", "c d", "e f", `x"y`}, Line: 1}}},
		{"continuation and comments", "#!/bin/bash\n# start\ncd /src && \\\n  python main.py --listen &  # server\npython -u /rp_handler.py\n",
			[]Command{
				{Words: []string{"cd", "/src"}, Line: 3, Op: "&&"},
				{Words: []string{"python", "main.py", "--listen"}, Line: 3, Op: "&"},
				{Words: []string{"python", "-u", "/rp_handler.py"}, Line: 5, Op: "\n"},
			}},
		{"redirections", "python h.py > /tmp/log 2>&1 </dev/null &>/dev/null >&2 | tee x",
			[]Command{{Words: []string{"python", "h.py"}, Line: 1, Op: "|"}, {Words: []string{"tee", "x"}, Line: 1}}},
		{"heredoc skipped", "cat <<EOF > /x\npython not_me.py\nEOF\npython me.py\n",
			[]Command{{Words: []string{"cat"}, Line: 1, Op: "\n"}, {Words: []string{"python", "me.py"}, Line: 4, Op: "\n"}}},
		{"compound", "if [ -f x ]; then\n  exec python h.py\nfi\n",
			[]Command{
				{Words: []string{"[", "-f", "x", "]"}, Line: 1, Op: ";"},
				{Words: []string{"exec", "python", "h.py"}, Line: 2, Op: "\n"},
			}},
		{"substitution kept", `export X=$(cat "a b" | wc -l) Y=` + "`date`",
			[]Command{{Words: []string{"export", `X=$(cat "a b" | wc -l)`, "Y=`date`"}, Line: 1}}},
		{"pipe across newline", "curl -s x |\n  bash\n",
			[]Command{{Words: []string{"curl", "-s", "x"}, Line: 1, Op: "|"}, {Words: []string{"bash"}, Line: 2, Op: "\n"}}},
		{"unterminated", `echo "abc`, []Command{{Words: []string{"echo", "abc"}, Line: 1}}},
		{"empty", "  \n\n", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := Split(tt.src)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Split(%q)\n got %+v\nwant %+v", tt.src, got, tt.want)
			}
		})
	}
}

func TestSplitNeverLoops(t *testing.T) {
	t.Parallel()
	for _, src := range []string{"'", "\"", "`", "$(", "\\", "<<", "<<'", "a <<EOF", "2>&", "&", "|", ";;", strings.Repeat("$(", 1000)} {
		_ = Split(src)
	}
}

func FuzzSplit(f *testing.F) {
	for _, s := range []string{"a && b | c", "cat <<'X'\nbody\nX\nnext", `"q\"uo" 'x' $(a "b")`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		for _, c := range Split(src) {
			if len(c.Words) == 0 || c.Line < 1 || c.Line > strings.Count(src, "\n")+1 {
				t.Fatalf("bad command %+v", c)
			}
		}
	})
}
