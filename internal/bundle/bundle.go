// Package bundle makes the diagnostics archive of `nomadbox export logs`:
// from every node the journals of the units nomadbox installed, the
// agents' configurations as installed, the cluster's views (members,
// Raft peers, node status), the firewall ruleset and the resolver; from
// this machine nomadbox's log, the topology, the last plan and the last
// verify report. Every secret is redacted before anything is written,
// a node that does not answer is listed as unreachable while the rest is
// still collected, and the archive appears whole or not at all.
package bundle

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/nomadbox/nomadbox/internal/journal"
)

// Node is one machine to collect from.
type Node struct {
	Name  string
	Units []journal.Unit
}

// Collector runs a node's collection script (read from standard input)
// as root there and returns what it printed: a gzipped tar.
type Collector interface {
	Collect(ctx context.Context, node string, script io.Reader) ([]byte, error)
}

// LocalFile is a file from this machine, stored under nomadbox/ as Name.
type LocalFile struct {
	Name string
	Path string
	// Missing explains an absent file in the index (else "not found").
	Missing string
}

// Options say what to collect and where the archive goes.
type Options struct {
	Cluster   string
	Version   string // nomadbox's, for the index
	Dir       string // directory the archive is written into
	Nodes     []Node
	Collector Collector
	// Env are the variables the nodes' consul and nomad CLIs need
	// (tokens); they travel inside the script, never in a command line.
	Env map[string]string
	// Since limits the journals (journal.Since's form; "" for all).
	Since string
	Local []LocalFile
	// Secrets are the values to redact wherever they appear.
	Secrets []string
	// NodeTimeout bounds each node's collection (default 3 minutes).
	NodeTimeout time.Duration
	Now         func() time.Time
}

// NodeResult is what came from one node.
type NodeResult struct {
	Name  string `json:"name"`
	Files int    `json:"files"`
	// Error is set when the node could not be collected from
	// (unreachable, or the script failed).
	Error string `json:"error,omitempty"`
}

// Result is the archive that was written.
type Result struct {
	Path  string       `json:"path"`
	Nodes []NodeResult `json:"nodes"`
}

// Unreachable lists the nodes nothing came from.
func (r *Result) Unreachable() []string {
	var out []string
	for _, n := range r.Nodes {
		if n.Error != "" {
			out = append(out, n.Name)
		}
	}
	return out
}

type nodeFiles struct {
	result NodeResult
	files  []file
}

type file struct {
	name string
	data []byte
}

// Export collects from every node at once and writes the archive.
func Export(ctx context.Context, o Options) (*Result, error) {
	if o.NodeTimeout <= 0 {
		o.NodeTimeout = 3 * time.Minute
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	now := o.Now().UTC()
	root := fmt.Sprintf("nomadbox-%s-%s", o.Cluster, now.Format("20060102T150405Z"))
	red := NewRedactor(o.Secrets)

	collected := make([]nodeFiles, len(o.Nodes))
	var wg sync.WaitGroup
	for i, n := range o.Nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			collected[i] = collectNode(ctx, o, n, red)
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	res := &Result{}
	var files []file
	for _, c := range collected {
		res.Nodes = append(res.Nodes, c.result)
		files = append(files, c.files...)
	}
	var missing []string
	for _, l := range o.Local {
		b, err := os.ReadFile(l.Path)
		if err != nil {
			why := l.Missing
			if why == "" {
				why = "not found"
			}
			missing = append(missing, fmt.Sprintf("nomadbox/%s: %s", l.Name, why))
			continue
		}
		files = append(files, file{"nomadbox/" + l.Name, red.Redact(b)})
	}
	files = append([]file{{"index.txt", index(o, now, res, missing)}}, files...)

	if err := os.MkdirAll(o.Dir, 0o755); err != nil {
		return nil, err
	}
	res.Path = filepath.Join(o.Dir, root+".tar.gz")
	if err := writeArchive(res.Path, root, now, files); err != nil {
		return nil, err
	}
	return res, nil
}

// collectNode runs the script on n and unpacks its answer, redacted.
func collectNode(ctx context.Context, o Options, n Node, red *Redactor) nodeFiles {
	nf := nodeFiles{result: NodeResult{Name: n.Name}}
	ctx, cancel := context.WithTimeout(ctx, o.NodeTimeout)
	defer cancel()
	out, err := o.Collector.Collect(ctx, n.Name, strings.NewReader(Script(n.Units, o.Since, o.Env)))
	if err != nil {
		nf.result.Error = oneLine(string(red.Redact([]byte(err.Error()))))
		return nf
	}
	files, err := untar(out)
	if err != nil {
		nf.result.Error = "its answer was not an archive: " + err.Error()
		return nf
	}
	for _, f := range files {
		nf.files = append(nf.files, file{path.Join("nodes", n.Name, f.name), red.Redact(f.data)})
	}
	nf.result.Files = len(files)
	return nf
}

// oneLine keeps an error to its first line and the last line of the
// output it carries (where ssh says why it could not connect).
func oneLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) <= 2 {
		return strings.Join(lines, ": ")
	}
	return lines[0] + ": " + strings.TrimSpace(lines[len(lines)-1])
}

// untar reads the regular files of a gzipped tar, refusing names that
// would leave the node's folder.
func untar(b []byte) ([]file, error) {
	gz, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	tr := tar.NewReader(gz)
	var out []file
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		if h.Typeflag != tar.TypeReg {
			continue
		}
		name := path.Clean(strings.TrimPrefix(h.Name, "./"))
		if name == "." || strings.HasPrefix(name, "../") || path.IsAbs(name) {
			return nil, fmt.Errorf("refusing the entry %q", h.Name)
		}
		data, err := io.ReadAll(io.LimitReader(tr, 256<<20))
		if err != nil {
			return nil, err
		}
		out = append(out, file{name, data})
	}
}

// index is the archive's table of contents: what was collected from
// where, and what is missing and why.
func index(o Options, now time.Time, res *Result, missing []string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "nomadbox %s: diagnostics of cluster %q, collected %s\n\n", o.Version, o.Cluster, now.Format(time.RFC3339))
	fmt.Fprintf(&b, "Secrets (ACL tokens, private keys, the gossip key) are replaced by %s.\n", Redacted)
	if o.Since != "" {
		fmt.Fprintf(&b, "Journals since %s.\n", o.Since)
	}
	b.WriteString("\nNodes (nodes/<name>/: journal/, config/, commands/):\n")
	for _, n := range res.Nodes {
		if n.Error != "" {
			fmt.Fprintf(&b, "  %-20s UNREACHABLE: %s\n", n.Name, n.Error)
		} else {
			fmt.Fprintf(&b, "  %-20s collected (%d files)\n", n.Name, n.Files)
		}
	}
	b.WriteString("\nFrom this machine (nomadbox/):\n")
	for _, l := range o.Local {
		fmt.Fprintf(&b, "  %s\n", l.Name)
	}
	if len(missing) > 0 {
		b.WriteString("\nMissing:\n")
		for _, m := range missing {
			fmt.Fprintf(&b, "  %s\n", m)
		}
	}
	return []byte(b.String())
}

// writeArchive writes files under root into a gzipped tar at dst: first
// into a temporary file beside it, renamed into place once complete.
func writeArchive(dst, root string, mtime time.Time, files []file) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(dst), ".export-*.tar.gz")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	gz := gzip.NewWriter(tmp)
	tw := tar.NewWriter(gz)
	for _, f := range files {
		name := path.Join(root, f.name)
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o600, Size: int64(len(f.data)), ModTime: mtime, Typeflag: tar.TypeReg}); err != nil {
			return err
		}
		if _, err := tw.Write(f.data); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	if err := gz.Close(); err != nil {
		return err
	}
	if err := tmp.Chmod(0o600); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), dst)
}
