package provider_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/nomadbox/nomadbox/provider"
)

// hostsProvider is a small provider for machines that exist already: its
// block in topology.hcl names each node's host.
type hostsProvider struct{}

// hostsConfig is the provider's block, as Cluster.DecodeConfig fills it.
type hostsConfig struct {
	User       string            `json:"user"`
	Port       int               `json:"port"`
	PrivateKey string            `json:"private_key"`
	Hosts      map[string]string `json:"hosts"` // node name -> address
}

func (hostsProvider) Describe(context.Context) (*provider.Description, error) {
	return &provider.Description{
		Name: "hosts", Version: "0.1.0", Protocol: provider.ProtocolVersion,
		Capabilities: provider.Capabilities{ReportsAddresses: true, ExistingHosts: true},
	}, nil
}

func (hostsProvider) Schema(context.Context) (*provider.Schema, error) {
	return &provider.Schema{Attributes: []provider.Attribute{
		{Name: "user", Type: provider.TypeString, Default: "root"},
		{Name: "port", Type: provider.TypeNumber, Default: float64(22)},
		{Name: "private_key", Type: provider.TypeString, Required: true},
		{Name: "hosts", Type: provider.TypeMapString, Required: true, Description: "each node's address"},
	}}, nil
}

func (hostsProvider) Validate(_ context.Context, c *provider.Cluster) ([]provider.Diagnostic, error) {
	var cfg hostsConfig
	if err := c.DecodeConfig(&cfg); err != nil {
		return nil, err
	}
	var diags []provider.Diagnostic
	for _, n := range c.Nodes {
		if cfg.Hosts[n.Name] == "" {
			diags = append(diags, provider.Diagnostic{
				Severity: provider.SeverityError, Path: provider.AtAttribute("hosts"),
				Summary: "no host for node " + n.Name,
				Detail:  fmt.Sprintf("add %q = \"<address>\" to hosts", n.Name),
			})
		}
	}
	return diags, nil
}

func (hostsProvider) Preflight(context.Context, *provider.Cluster, provider.Progress) error {
	return nil
}

func (hostsProvider) Up(_ context.Context, _ *provider.Cluster, _ []string, progress provider.Progress) error {
	progress("the hosts exist already")
	return nil
}

func (hostsProvider) List(_ context.Context, c *provider.Cluster) ([]provider.Machine, error) {
	var cfg hostsConfig
	if err := c.DecodeConfig(&cfg); err != nil {
		return nil, err
	}
	var ms []provider.Machine
	for _, n := range c.Nodes {
		if addr := cfg.Hosts[n.Name]; addr != "" {
			ms = append(ms, provider.Machine{
				Name: n.Name, State: provider.StateRunning, Address: addr,
				SSH: provider.SSH{Port: cfg.Port, User: cfg.User, PrivateKeyPath: cfg.PrivateKey},
			})
		}
	}
	return ms, nil
}

func (hostsProvider) Halt(context.Context, *provider.Cluster, []string, provider.Progress) error {
	return errors.New("the hosts provider cannot halt machines it did not make")
}

func (hostsProvider) Destroy(context.Context, *provider.Cluster, []string, provider.Progress) error {
	return nil // nomadbox uninstalls what it installed; the hosts stay
}

// Example implements a provider for hosts that exist already. Its plugin,
// an executable named nomadbox-provider-hosts, has a one-line main:
//
//	func main() { provider.Serve(hostsProvider{}) }
//
// nomadbox sends the provider block as JSON values with the schema's
// defaults applied; DecodeConfig turns it into the provider's own struct.
func Example() {
	var p provider.Provider = hostsProvider{}
	ctx := context.Background()
	c := &provider.Cluster{
		Name:  "lab",
		Nodes: []provider.Node{{Name: "server-1", Role: "server"}, {Name: "client-1", Role: "client"}},
		Config: map[string]any{
			"user": "root", "port": float64(22), "private_key": "/home/me/.ssh/lab",
			"hosts": map[string]any{"server-1": "192.168.1.10"},
		},
	}

	var cfg hostsConfig
	if err := c.DecodeConfig(&cfg); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%+v\n", cfg)

	diags, _ := p.Validate(ctx, c)
	for _, d := range diags {
		fmt.Printf("%s: %s (%s)\n", d.Path, d.Summary, d.Detail)
	}
	ms, _ := p.List(ctx, c)
	for _, m := range ms {
		fmt.Printf("%s %s %s@%s:%d\n", m.Name, m.State, m.SSH.User, m.Address, m.SSH.Port)
	}
	// Output:
	// {User:root Port:22 PrivateKey:/home/me/.ssh/lab Hosts:map[server-1:192.168.1.10]}
	// hosts: no host for node client-1 (add "client-1" = "<address>" to hosts)
	// server-1 running root@192.168.1.10:22
}
