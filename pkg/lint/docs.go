package lint

import (
	"fmt"
	"io"
	"path"
	"strings"
)

//go:generate go run ./internal/rulesdoc -o ../../docs/rules.md

// WriteRulesMarkdown writes docs/rules.md: every rule of the catalogue with
// its severity, why it matters, a bad and a good example, the fix and how
// to suppress it. The file is generated so that code and docs never differ.
func WriteRulesMarkdown(w io.Writer) error {
	var b strings.Builder
	b.WriteString(`# janitor lint rules

<!-- Generated from the rule table in pkg/lint/rules.go by "go generate ./pkg/lint". Do not edit. -->

` + "`janitor lint`" + ` checks a worker repository statically, before anything is built. Every
finding carries a rule ID, a severity, the file and line where there is one, a message and a
remediation. Rule IDs are stable: they appear in JSON and SARIF output, in the results database
and in suppressions.

Severities: **error** (the repository cannot work, or breaks the Hub spec), **warning**, **info**.
` + "`janitor lint`" + ` exits 3 when a finding reaches ` + "`--fail-on`" + ` (default ` + "`error`" + `), 0 otherwise, and 1
when it could not lint at all. A rule that does not apply (no hub.json, say) stays silent.

## Suppressing findings

In the repository, ` + "`.janitor.yaml`" + `:

` + "```yaml" + `
ignore:
  - JW007                              # everywhere
  - {rule: JW005, path: "docker/*"}    # only for findings in files under docker/
` + "```" + `

From the command line: ` + "`janitor lint --ignore JW007 --ignore JW012 .`" + `. Suppressed findings do not count
towards ` + "`--fail-on`" + `; they are counted in the summary and listed with ` + "`--show-suppressed`" + `.

## Index

| ID | severity | group | what it finds |
| --- | --- | --- | --- |
`)
	for _, r := range catalogue {
		fmt.Fprintf(&b, "| [%s](#%s) | %s | %s | %s |\n", r.ID, strings.ToLower(r.ID), r.Severity, r.Group, tableCell(r.Title))
	}
	group := ""
	for _, r := range catalogue {
		if r.Group != group {
			group = r.Group
			fmt.Fprintf(&b, "\n## %s rules\n", group)
		}
		fmt.Fprintf(&b, "\n### %s\n\n%s\n\n", r.ID, r.Title)
		sev := r.Severity.String()
		if r.Also != "" {
			sev += "; " + r.Also
		}
		fmt.Fprintf(&b, "**Severity:** %s.\n\n", sev)
		fmt.Fprintf(&b, "**Why it matters.** %s\n\n", r.Why)
		example(&b, "Bad", r.Bad)
		example(&b, "Good", r.Good)
		fmt.Fprintf(&b, "**How to fix.** %s\n\n", r.Fix)
		fmt.Fprintf(&b, "**How to suppress.** `ignore: [%s]` in `.janitor.yaml` (or `{rule: %s, path: \"<glob>\"}` for some files only), or `janitor lint --ignore %s`.\n", r.ID, r.ID, r.ID)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func example(b *strings.Builder, label string, e Example) {
	fmt.Fprintf(b, "**%s** (`%s`):\n\n```%s\n%s\n```\n\n", label, e.File, fence(e.File), e.Text)
}

// fence picks the code block language for an example's file.
func fence(file string) string {
	switch base := path.Base(file); {
	case base == "Dockerfile":
		return "dockerfile"
	case strings.HasSuffix(base, ".json"):
		return "json"
	case strings.HasSuffix(base, ".py"):
		return "python"
	case strings.HasSuffix(base, ".yml"), strings.HasSuffix(base, ".yaml"):
		return "yaml"
	case strings.HasSuffix(base, ".hcl"):
		return "hcl"
	}
	return "text"
}

func tableCell(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
