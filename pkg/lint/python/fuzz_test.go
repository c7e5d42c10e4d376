package python

import (
	"testing"
)

// FuzzParse feeds arbitrary source to the tokenizer and the handler
// classifier. It must never panic or loop, and tokens must come in line
// order.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"import runpod\ndef handler(job):\n    yield 1\nrunpod.serverless.start({\"handler\": handler})\n",
		"from runpod.serverless import start as s\nasync def h(j):\n  async for x in y: yield x\ns(dict(handler=h))\n",
		"x = f\"{a[\"b\"]!r:>{w}}\" + '''\n''' # c\nclass A:\n\tdef m(self): return os.environ['K']\n",
		"if x:\n    pass\n  else:\n",
		"def f(:\n\x00\xff",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		toks, err := Tokenize(src)
		if err == nil {
			line := 0
			for _, tk := range toks {
				if tk.Line < line {
					t.Fatalf("token %q on line %d after line %d", tk.Text, tk.Line, line)
				}
				line = tk.Line
			}
		}
		m, err := Parse(src)
		if err != nil {
			if _, ok := err.(*SyntaxError); !ok {
				t.Fatalf("error of type %T", err)
			}
			return
		}
		for _, sc := range m.StartCalls {
			if fn, _ := m.Lookup(sc.Handler); fn != nil {
				_ = fn.Kind()
			}
		}
	})
}
