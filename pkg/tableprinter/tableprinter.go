// Package tableprinter is janitor's one wrapper over tablewriter v1. On a
// terminal it prints an aligned table with a header; piped, it prints
// tab-separated rows without a header so that cut, awk and sort just work
// (the convention gh follows).
package tableprinter

import (
	"fmt"
	"io"
	"strings"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"
)

// Printer collects rows and writes them on Render.
type Printer struct {
	w      io.Writer
	tty    bool
	header []string
	rows   [][]string
}

// New returns a printer writing to w; tty selects the terminal layout.
func New(w io.Writer, tty bool) *Printer { return &Printer{w: w, tty: tty} }

// Header sets the column names (shown on a terminal only).
func (p *Printer) Header(cols ...string) { p.header = cols }

// Row appends one row; cells beyond the header are kept.
func (p *Printer) Row(cells ...string) { p.rows = append(p.rows, cells) }

// Len is the number of rows added so far.
func (p *Printer) Len() int { return len(p.rows) }

// Render writes the table.
func (p *Printer) Render() error {
	if !p.tty {
		for _, r := range p.rows {
			clean := make([]string, len(r))
			for i, c := range r {
				clean[i] = strings.NewReplacer("\t", " ", "\n", " ").Replace(c)
			}
			if _, err := fmt.Fprintln(p.w, strings.Join(clean, "\t")); err != nil {
				return err
			}
		}
		return nil
	}
	var buf strings.Builder
	t := tablewriter.NewTable(&buf,
		tablewriter.WithRenderer(renderer.NewBlueprint(tw.Rendition{
			Borders: tw.BorderNone,
			Settings: tw.Settings{
				Separators: tw.Separators{BetweenColumns: tw.Off, BetweenRows: tw.Off, ShowHeader: tw.Off},
				Lines:      tw.Lines{ShowHeaderLine: tw.Off, ShowTop: tw.Off, ShowBottom: tw.Off},
			},
		})),
		tablewriter.WithHeaderAutoFormat(tw.On),
		tablewriter.WithHeaderAlignment(tw.AlignLeft),
		tablewriter.WithRowAlignment(tw.AlignLeft),
		tablewriter.WithRowAutoWrap(tw.WrapNone),
		tablewriter.WithPadding(tw.Padding{Left: "", Right: "  ", Overwrite: true}),
	)
	if len(p.header) > 0 {
		h := make([]any, len(p.header))
		for i, c := range p.header {
			h[i] = c
		}
		t.Header(h...)
	}
	for _, r := range p.rows {
		cells := make([]any, len(r))
		for i, c := range r {
			cells[i] = c
		}
		if err := t.Append(cells...); err != nil {
			return err
		}
	}
	if err := t.Render(); err != nil {
		return err
	}
	// tablewriter pads the last column too; trailing blanks only get in the way.
	var out strings.Builder
	for _, line := range strings.SplitAfter(buf.String(), "\n") {
		trimmed := strings.TrimRight(line, " \n")
		if trimmed == "" && line == "" {
			continue
		}
		out.WriteString(trimmed)
		if strings.HasSuffix(line, "\n") {
			out.WriteString("\n")
		}
	}
	_, err := io.WriteString(p.w, out.String())
	return err
}
