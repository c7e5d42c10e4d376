package iostreams

import "testing"

func TestColorOnlyOnTerminals(t *testing.T) {
	t.Parallel()
	s, _, _, _ := Test()
	if got := s.ColorScheme().Status("failed"); got != "failed" {
		t.Errorf("piped output is coloured: %q", got)
	}
	s.SetStdoutTTY(true)
	if got := s.ColorScheme().Status("failed"); got != "\x1b[31mfailed\x1b[0m" {
		t.Errorf("terminal output not coloured: %q", got)
	}
	if got := s.ColorScheme().Status("success"); got != "\x1b[32msuccess\x1b[0m" {
		t.Errorf("success: %q", got)
	}
	s.SetNoColor(true)
	if got := s.ColorScheme().Status("failed"); got != "failed" {
		t.Errorf("NO_COLOR ignored: %q", got)
	}
}
