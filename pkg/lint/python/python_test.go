package python

import (
	"reflect"
	"strings"
	"testing"
)

func TestTokenize(t *testing.T) {
	t.Parallel()
	src := "def f(a,\n      b):  # c\n    return '''x\ny''' + f\"{a['k']}\" \\\n        + 1\n\nx = 2\n"
	toks, err := Tokenize([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, tk := range toks {
		switch tk.Kind {
		case Newline:
			got = append(got, "NL")
		case Indent:
			got = append(got, "IN")
		case Dedent:
			got = append(got, "DE")
		case EOF:
			got = append(got, "EOF")
		default:
			got = append(got, tk.Text)
		}
	}
	want := []string{"def", "f", "(", "a", ",", "b", ")", ":", "NL", "IN", "return", "'''x\ny'''", "+", `f"{a['k']}"`, "+", "1", "NL", "DE", "x", "=", "2", "NL", "EOF"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("tokens\n got %q\nwant %q", got, want)
	}
	if toks[18].Line != 7 {
		t.Errorf("x is on line %d, want 7", toks[18].Line)
	}
}

func TestTokenizeErrors(t *testing.T) {
	t.Parallel()
	tests := []struct{ src, msg string }{
		{"x = 'abc\n", "unterminated string"},
		{"x = '''abc\n", "unterminated string"},
		{"if x:\n    a\n  b\n", "unindent"},
		{strings.Repeat("(", 250), "nested parentheses"},
		{deepIndent(120), "levels of indentation"},
	}
	for _, tt := range tests {
		_, err := Tokenize([]byte(tt.src))
		if err == nil || !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("Tokenize(%.20q) error = %v, want %q", tt.src, err, tt.msg)
		}
	}
}

func deepIndent(n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		b.WriteString(strings.Repeat(" ", i) + "if x:\n")
	}
	b.WriteString(strings.Repeat(" ", n) + "pass\n")
	return b.String()
}

func TestHandlerKinds(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, src string
		handler   string
		kind      Kind
		aggregate bool
	}{
		{"plain", `import runpod

def handler(job):
    return {"ok": True}

runpod.serverless.start({"handler": handler})
`, "handler", Plain, false},
		{"async", `import runpod
async def handler(job):
    await x()
    return 1
if __name__ == "__main__":
    runpod.serverless.start({'handler': handler, "return_aggregate_stream": True})
`, "handler", Async, true},
		{"generator with nested def", `import runpod as rp
def outer():
    def inner():
        return 1
    return inner

def stream(job):
    def helper():
        yield 1
    for chunk in job["input"]["chunks"]:
        yield chunk

rp.serverless.start({"handler": stream})
`, "stream", Generator, false},
		{"async generator via from import", `from runpod import serverless
async def gen(job):
    async for x in y():
        yield x
serverless.start({"handler": gen})
`, "gen", AsyncGenerator, false},
		{"nested function yield does not count", `from runpod.serverless import start
def handler(job):
    def g():
        yield 1
    class C:
        def m(self):
            yield 2
    return list(g())
start({"handler": handler})
`, "handler", Plain, false},
		{"config variable", `import runpod
def run(job): return job
config = {"handler": run}
runpod.serverless.start(config)
`, "run", Plain, false},
		{"dict call and main function", `import runpod
def h(job):
    yield job
def main():
    runpod.serverless.start(dict(handler=h, return_aggregate_stream=True))
main()
`, "h", Generator, true},
		{"one-line def", "import runpod\ndef h(j): yield j\nrunpod.serverless.start({\"handler\": h})\n", "h", Generator, false},
		{"strings do not confuse", `import runpod
def handler(job):
    s = "yield  def x(): runpod.serverless.start("
    return """
    yield
    """
runpod.serverless.start({"handler": handler})
`, "handler", Plain, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m, err := Parse([]byte(tt.src))
			if err != nil {
				t.Fatal(err)
			}
			if len(m.StartCalls) != 1 {
				t.Fatalf("StartCalls = %+v", m.StartCalls)
			}
			sc := m.StartCalls[0]
			if sc.Handler != tt.handler || sc.ReturnAggregateStream != tt.aggregate {
				t.Errorf("StartCall = %+v", sc)
			}
			fn, target := m.Lookup(sc.Handler)
			if fn == nil {
				t.Fatalf("Lookup(%q) = nil, %q", sc.Handler, target)
			}
			if fn.Kind() != tt.kind {
				t.Errorf("kind = %s, want %s", fn.Kind(), tt.kind)
			}
		})
	}
}

func TestLookupImported(t *testing.T) {
	t.Parallel()
	m, err := Parse([]byte(`import runpod
from src.worker import handler as h
from . import other
import pkg.mod as pm
runpod.serverless.start({"handler": h})
runpod.serverless.start({"handler": other.run})
runpod.serverless.start({"handler": pm.go})
runpod.serverless.start({"handler": make()})
runpod.serverless.start({"handler": lambda job: job})
`))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, sc := range m.StartCalls {
		fn, target := m.Lookup(sc.Handler)
		if fn != nil {
			t.Errorf("%s resolved to a local def", sc.Handler)
		}
		got = append(got, sc.Handler+"->"+target)
	}
	want := []string{"h->src.worker.handler", "other.run->.other.run", "pm.go->pkg.mod.go", "->", "lambda->"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestImportsAndEnv(t *testing.T) {
	t.Parallel()
	m, err := Parse([]byte(`import os, sys as system
from os import environ
from .util import (a,
    b as c)
from .. import x
from pkg.sub import *
try:
    import torch
except ImportError:
    torch = None
MODEL = os.environ["MODEL_NAME"]
TOKEN = environ['HF_TOKEN']
os.environ["SET_ONLY"] = "1"
OPT = os.environ.get("OPTIONAL")
def handler(job):
    key = os.environ["RUNTIME_ONLY"]
class Config:
    url = os.environ["API_URL"]
`))
	if err != nil {
		t.Fatal(err)
	}
	var imps []string
	for _, im := range m.Imports {
		imps = append(imps, im.Module+":"+strings.Join(im.Names, ","))
	}
	wantImps := []string{"os:", "sys:", "os:environ", ".util:a,b", "..:x", "pkg.sub:*", "torch:"}
	if !reflect.DeepEqual(imps, wantImps) {
		t.Errorf("imports = %q, want %q", imps, wantImps)
	}
	var env []string
	for _, e := range m.RequiredEnv {
		env = append(env, e.Name)
	}
	if want := []string{"MODEL_NAME", "HF_TOKEN", "API_URL"}; !reflect.DeepEqual(env, want) {
		t.Errorf("RequiredEnv = %q, want %q", env, want)
	}
	if len(m.StartCalls) != 0 {
		t.Errorf("StartCalls = %+v", m.StartCalls)
	}
}

func TestStringValue(t *testing.T) {
	t.Parallel()
	tests := []struct {
		text, want string
		ok         bool
	}{
		{`"handler"`, "handler", true},
		{`'a\'b'`, "a'b", true},
		{`r"a\n"`, `a\n`, true},
		{`"""doc"""`, "doc", true},
		{`f"x{y}"`, "", false},
		{`b"x"`, "", false},
	}
	for _, tt := range tests {
		got, ok := StringValue(Token{Kind: String, Text: tt.text})
		if got != tt.want || ok != tt.ok {
			t.Errorf("StringValue(%s) = %q, %v", tt.text, got, ok)
		}
	}
}
