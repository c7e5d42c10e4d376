// Command rulesdoc writes docs/rules.md from lint's rule table. Run it
// through "go generate ./pkg/lint".
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"

	"github.com/runpod-workers/janitor/pkg/lint"
)

func main() {
	out := flag.String("o", "", "write to this file instead of stdout")
	flag.Parse()
	var buf bytes.Buffer
	if err := lint.WriteRulesMarkdown(&buf); err != nil {
		fmt.Fprintln(os.Stderr, "rulesdoc:", err)
		os.Exit(1)
	}
	if *out == "" {
		_, _ = os.Stdout.Write(buf.Bytes())
		return
	}
	if err := os.WriteFile(*out, buf.Bytes(), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "rulesdoc:", err)
		os.Exit(1)
	}
}
