package tableprinter

import (
	"bytes"
	"testing"
)

func TestRender(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		tty  bool
		want string
	}{
		{"terminal", true, "REPO                 STATUS   DURATION\nworker-basic         success  3s\nworker-comfyui-long  failed   12m\n"},
		{"pipe", false, "worker-basic\tsuccess\t3s\nworker-comfyui-long\tfailed\t12m\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var b bytes.Buffer
			p := New(&b, tt.tty)
			p.Header("repo", "status", "duration")
			p.Row("worker-basic", "success", "3s")
			p.Row("worker-comfyui-long", "failed", "12m")
			if err := p.Render(); err != nil {
				t.Fatal(err)
			}
			if got := b.String(); got != tt.want {
				t.Errorf("got\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}

func TestPipeEscapesTabsAndNewlines(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	p := New(&b, false)
	p.Row("a\tb", "c\nd")
	if err := p.Render(); err != nil {
		t.Fatal(err)
	}
	if got, want := b.String(), "a b\tc d\n"; got != want {
		t.Errorf("got %q want %q", got, want)
	}
}
