// Package cluster holds what the commands do with a topology: load it
// (parse, default, validate, check this machine) and render it, and,
// through a Session opened on it, everything that touches the machines.
// Each command of the CLI copies its flags into an options struct and
// makes one call here: Render, or a function of the session such as Up.
package cluster

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/nomadbox/nomadbox/internal/binversion"
	"github.com/nomadbox/nomadbox/internal/kvmprobe"
	"github.com/nomadbox/nomadbox/internal/providers"
	"github.com/nomadbox/nomadbox/internal/topology"
)

// Diagnostics carries the problems found in a topology together with
// the sources they point into, so they can be printed with their lines.
type Diagnostics struct {
	Diags hcl.Diagnostics
	Files map[string]*hcl.File
}

// Write prints each diagnostic as "Error: file:line:col: summary", the
// source line it points at and the explanation. The position leads the
// summary so editors and terminals can jump to it.
func (d *Diagnostics) Write(w io.Writer, color bool) error {
	located := make(hcl.Diagnostics, len(d.Diags))
	for i, diag := range d.Diags {
		c := *diag
		if c.Subject != nil {
			c.Summary = fmt.Sprintf("%s:%d:%d: %s", c.Subject.Filename, c.Subject.Start.Line, c.Subject.Start.Column, c.Summary)
		}
		located[i] = &c
	}
	return hcl.NewDiagnosticTextWriter(w, d.Files, 78, color).WriteDiagnostics(located)
}

// Errors counts the errors (not the warnings).
func (d *Diagnostics) Errors() int {
	n := 0
	for _, diag := range d.Diags {
		if diag.Severity == hcl.DiagError {
			n++
		}
	}
	return n
}

// Error makes a Diagnostics with errors usable as an error value.
func (d *Diagnostics) Error() string {
	n := d.Errors()
	if n == 1 {
		for _, diag := range d.Diags {
			if diag.Severity == hcl.DiagError && diag.Subject == nil {
				return strings.ToLower(diag.Summary[:1]) + diag.Summary[1:]
			}
		}
		return "the topology has 1 error"
	}
	return fmt.Sprintf("the topology has %d errors", n)
}

// Loaded is a topology that passed every check, with the warnings found
// on the way. Nothing writes into Topology after Load: what commands
// learn later (paths made absolute, checksums, addresses a provider
// reports) travels beside it, so a render depends on what it is given
// and not on which commands ran before.
type Loaded struct {
	// Topology is the file's topology with Host in it (WithHostFacts).
	Topology *topology.Topology
	Warnings *Diagnostics
	// Host is what Load learned of this machine: the local binaries'
	// versions and the libvirt driver.
	Host topology.HostFacts
	// Plugin is what a plugin provider said when its block was checked.
	Plugin providers.Answers
	// provider is the plugin that checked the block, still running: the
	// command's Session works with it instead of starting another.
	provider *providers.Handle
}

// Close stops the plugin provider Load started, if a Session did not
// take it (Session.Close stops it then; stopping twice is harmless).
func (l *Loaded) Close() {
	if l.provider != nil {
		l.provider.Close()
	}
}

// Load parses, defaults and validates the topology at path and checks
// this machine for the files it names. On any error it returns a
// *Diagnostics error.
func Load(ctx context.Context, path string) (*Loaded, error) {
	p := providers.NewParser()
	t, diags := p.ParseFile(path)
	var host topology.HostFacts
	if t != nil {
		diags = append(diags, t.CheckHost()...)
		// With install method local the binaries' own versions are the
		// versions: each is run once (`version`) to ask.
		var ds hcl.Diagnostics
		host.Versions, ds = t.CheckLocalBinaries(binversion.ProbeProgram)
		diags = append(diags, ds...)
	}
	// Where the topology has errors, what parsed of it still has its
	// job files and plugin block checked.
	partial := p.Partial()
	if t == nil && partial != nil {
		// The job files are checked beside the topology's own problems.
		diags = append(diags, partial.CheckHost()...)
	}
	// A plugin checks its block beside every other check, so that
	// validate shows every problem at once: the whole check where the
	// topology itself is valid (this machine may still lack a file it
	// names), the block alone against the plugin's schema where other
	// blocks have errors.
	var answers providers.Answers
	var h *providers.Handle
	if t != nil {
		var ds hcl.Diagnostics
		h, answers, ds = checkProvider(ctx, t)
		diags = append(diags, ds...)
	} else if partial != nil && partial.Provider.Plugin {
		diags = append(diags, checkPluginBlock(ctx, partial)...)
	}
	if diags.HasErrors() {
		if h != nil {
			h.Close()
		}
		return nil, &Diagnostics{Diags: diags, Files: p.Files()}
	}
	if t.Provider.Name == "libvirt" && !t.Provider.DriverSet() {
		// kvm only where KVM boots a Linux guest here (a cached probe).
		host.LibvirtDriver = kvmprobe.OnHost().Driver()
	}
	return &Loaded{
		Topology: t.WithHostFacts(host), Host: host, Plugin: answers, provider: h,
		Warnings: &Diagnostics{Diags: diags, Files: p.Files()},
	}, nil
}

// checkProvider starts t's plugin provider, with the command's ctx, and
// has it check its block; the plugin keeps running for the rest of the
// command. A built-in provider has nothing to start here (nil).
func checkProvider(ctx context.Context, t *topology.Topology) (*providers.Handle, providers.Answers, hcl.Diagnostics) {
	h, diags := providers.LaunchFor(ctx, t)
	if h == nil {
		return nil, providers.Answers{}, diags
	}
	answers, diags := providers.CheckBlock(ctx, t, h)
	return h, answers, diags
}

// checkPluginBlock starts the plugin a topology with errors names, only
// to decode its block with the plugin's schema, and stops it.
func checkPluginBlock(ctx context.Context, t *topology.Topology) hcl.Diagnostics {
	h, diags := providers.LaunchFor(ctx, t)
	if h == nil {
		return diags
	}
	defer h.Close()
	return providers.DecodeBlock(ctx, t, h)
}

// RenderDir is where a cluster's files go unless -o says otherwise:
// .nomadbox/<cluster> beside the topology file.
func RenderDir(t *topology.Topology) string {
	return filepath.Join(filepath.Dir(t.Filename), ".nomadbox", t.Cluster.Name)
}
