package providers

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
	"sync"

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
	// Shadowed are executables of the same name later on the search path.
	Shadowed []string `json:"shadowed,omitempty"`
}

// hostTools are the programs each built-in needs on this machine.
var hostTools = map[string][]string{
	"virtualbox": {"vagrant", "VBoxManage"},
	"libvirt":    {"vagrant", "virsh"},
	"hyperv":     {"vagrant", "powershell.exe"},
	"parallels":  {"vagrant", "prlctl"},
	"docker":     {"vagrant", "docker"},
	"ssh":        {"ssh"},
}

// Inventory lists the built-in providers and every plugin on the search
// path. Each plugin is started and asked to describe itself, all at once:
// one that fails, or does not answer within its timeouts, is listed with
// its problem and delays the list by no more than those timeouts.
func Inventory(ctx context.Context) []Info {
	var out []Info
	for _, name := range topology.BuiltinProviders() {
		b := newBuiltin(name, nil)
		d, _ := b.Describe(ctx)
		info := Info{Name: name, Kind: "built-in", Version: d.Version, Protocol: d.Protocol, Capabilities: d.Capabilities, Schema: builtinSchemas[name], Ready: true}
		var missing []string
		for _, tool := range hostTools[name] {
			if _, err := exec.LookPath(tool); err != nil {
				missing = append(missing, tool)
			}
		}
		if len(missing) > 0 {
			info.Ready, info.Problem = false, "not on PATH: "+strings.Join(missing, ", ")
		}
		out = append(out, info)
	}
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
	return append(out, plugins...)
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
