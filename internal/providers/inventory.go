package providers

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/nomadbox/nomadbox/internal/detect"
	"github.com/nomadbox/nomadbox/internal/kvmprobe"
	"github.com/nomadbox/nomadbox/internal/topology"
	"github.com/nomadbox/nomadbox/provider"
)

// Info is one provider in `nomadbox providers`.
type Info struct {
	Name         string                `json:"name"`
	Kind         string                `json:"kind"` // "built-in" or "plugin"
	Version      string                `json:"version"`
	Protocol     int                   `json:"protocol"`
	Path         string                `json:"path,omitempty"`
	Capabilities provider.Capabilities `json:"capabilities"`
	Schema       []provider.Attribute  `json:"schema"`
	// Ready says whether this machine can use the provider now; Problem
	// says why not.
	Ready   bool   `json:"ready"`
	Problem string `json:"problem,omitempty"`
	// Driver is how libvirt runs machines here: kvm, or qemu (software
	// emulation, which DriverNote says is slow).
	Driver     string `json:"driver,omitempty"`
	DriverNote string `json:"driver_note,omitempty"`
	// Shadowed are executables of the same name later on the search path.
	Shadowed []string `json:"shadowed,omitempty"`
}

// Inventory lists the built-in providers and every plugin on the search
// path. Each plugin is started and asked to describe itself, all at once:
// one that fails, or does not answer within its timeouts, is listed with
// its problem and delays the list by no more than those timeouts.
func Inventory(ctx context.Context) []Info {
	return append(builtins(ctx, detect.Host()), plugins(ctx)...)
}

// builtins lists the built-in providers: ready where their programs are
// on PATH and, for those that need a daemon, where it answers (the same
// probes init chooses by); libvirt with the driver it would run under.
func builtins(ctx context.Context, sys detect.System) []Info {
	looked := map[string]detect.Candidate{}
	for _, c := range detect.Detect(ctx, sys).Looked {
		looked[c.Provider] = c
	}
	var out []Info
	for _, name := range topology.BuiltinProviders() {
		b := newBuiltin(name, nil)
		d, _ := b.Describe(ctx)
		info := Info{Name: name, Kind: "built-in", Version: d.Version, Protocol: d.Protocol, Capabilities: d.Capabilities, Schema: b.spec.Schema, Ready: true}
		var missing []string
		for _, tool := range b.spec.Tools {
			if _, err := sys.LookPath(tool); err != nil {
				missing = append(missing, tool)
			}
		}
		c, probed := looked[name]
		switch {
		case len(missing) > 0:
			info.Ready, info.Problem = false, "not on PATH: "+strings.Join(missing, ", ")
		case probed && !c.Usable:
			info.Ready, info.Problem = false, c.Why+": "+c.Fix
		case name == "libvirt":
			info.Driver = "kvm"
			if c.Emulated {
				info.Driver, info.DriverNote = "qemu", kvmprobe.EmulationNote
			}
		}
		out = append(out, info)
	}
	return out
}

// plugins lists every plugin on the search path, each started and asked
// to describe itself, all at once.
func plugins(ctx context.Context) []Info {
	found := Discover()
	plugins := make([]Info, len(found))
	var wg sync.WaitGroup
	for i, f := range found {
		wg.Add(1)
		go func() {
			defer wg.Done()
			plugins[i] = pluginInfo(ctx, f)
		}()
	}
	wg.Wait()
	return plugins
}

// pluginInfo starts the plugin f and asks for its description and schema.
func pluginInfo(ctx context.Context, f Found) Info {
	info := Info{Name: f.Name, Kind: "plugin", Path: f.Path, Shadowed: f.Shadowed}
	if IsBuiltin(f.Name) {
		info.Problem = fmt.Sprintf("never used: %q is a built-in provider", f.Name)
		return info
	}
	h, err := Launch(ctx, f.Name, f.Path, nil)
	if err != nil {
		info.Problem = err.Error()
		return info
	}
	defer h.Close()
	d := h.Description
	info.Version, info.Protocol, info.Capabilities = d.Version, d.Protocol, d.Capabilities
	if s, err := h.Schema(ctx); err != nil {
		info.Problem = err.Error()
	} else {
		info.Schema, info.Ready = s.Attributes, true
	}
	return info
}
