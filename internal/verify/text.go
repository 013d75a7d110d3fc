package verify

import (
	"fmt"
	"io"
	"text/tabwriter"
)

// WriteText prints one line per check (mark, name, node, detail) and a
// summary line. fancy (a terminal) uses coloured ✓ and ✗; otherwise the
// marks are "ok" and "FAIL", for logs and pipes.
func (r *Report) WriteText(w io.Writer, fancy bool) error {
	pass, fail := "ok", "FAIL"
	if fancy {
		pass, fail = "\x1b[32m✓\x1b[0m", "\x1b[31m✗\x1b[0m"
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, c := range r.Checks {
		mark := pass
		switch {
		case !c.OK:
			mark = fail
		case c.Skipped:
			mark = "skip"
		}
		node := c.Node
		if node == "" {
			node = "-"
		}
		// Every cell but the last ends in a tab, so the detail (which may
		// be long) never widens a column.
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", mark, c.Name, node, c.Detail)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	state := "healthy"
	if !r.Healthy {
		state = "NOT healthy"
	}
	name := r.Cluster
	if name == "" {
		name = "cluster"
	}
	_, err := fmt.Fprintf(w, "%s: %s (%d of %d checks passed)\n", name, state, r.Passed, len(r.Checks))
	return err
}
