// Package scaffold writes the starting files of a new nomadbox project:
// a commented topology.hcl and the example jobs it refers to.
package scaffold

import (
	"bytes"
	_ "embed"
	"fmt"
	"text/template"

	"github.com/nomadbox/nomadbox/internal/topology"
)

//go:embed topology.hcl.tmpl
var topologyTemplate string

// Options selects what `nomadbox init` writes. Empty fields keep the
// defaults of internal/topology.
type Options struct {
	Cluster  string
	Provider string
	Servers  int
	Clients  int

	CIDR          string
	ConsulVersion string
	NomadVersion  string
	// InstallMethod releases, apt or local; ConsulBinary and NomadBinary
	// go with local.
	InstallMethod string
	ConsulBinary  string
	NomadBinary   string
	DockerPackage string
	// Jobs names the example jobs the topology deploys (jobs/<name>.nomad.hcl);
	// nil means fabio, as in the reference sandbox.
	Jobs []string
}

// Topology renders the commented default topology for opts.
func Topology(opts Options) ([]byte, error) {
	if opts.Servers < 1 || opts.Clients < 1 {
		return nil, fmt.Errorf("a cluster needs at least one server and one client (asked for %d and %d)", opts.Servers, opts.Clients)
	}
	tmpl, err := template.New("topology.hcl").Delims("[[", "]]").Option("missingkey=error").Parse(topologyTemplate)
	if err != nil {
		return nil, err
	}
	data := map[string]any{
		"Cluster":       opts.Cluster,
		"Provider":      opts.Provider,
		"Servers":       opts.Servers,
		"Clients":       opts.Clients,
		"Box":           topology.DefaultBox,
		"Image":         topology.DefaultDockerImage,
		"CIDR":          topology.DefaultCIDR,
		"ConsulVersion": topology.DefaultConsulVersion,
		"NomadVersion":  topology.DefaultNomadVersion,
		"InstallMethod": "releases",
		"DockerPackage": "docker-ce",
	}
	if opts.Provider == "libvirt" {
		data["Box"] = topology.DefaultLibvirtBox
	}
	data["ConsulBinary"], data["NomadBinary"] = opts.ConsulBinary, opts.NomadBinary
	data["Jobs"] = opts.Jobs
	if opts.Jobs == nil {
		data["Jobs"] = []string{"fabio"}
	}
	for key, v := range map[string]string{
		"CIDR": opts.CIDR, "ConsulVersion": opts.ConsulVersion, "NomadVersion": opts.NomadVersion,
		"InstallMethod": opts.InstallMethod, "DockerPackage": opts.DockerPackage,
	} {
		if v != "" {
			data[key] = v
		}
	}
	var buf bytes.Buffer
	if err := tmpl.Execute(&buf, data); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
