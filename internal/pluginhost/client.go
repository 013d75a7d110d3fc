package pluginhost

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"google.golang.org/grpc"

	"github.com/nomadbox/nomadbox/internal/pluginwire/pb"
	"github.com/nomadbox/nomadbox/provider"
)

// NewClient is the provider behind rpc, a connection to a plugin.
func NewClient(rpc pb.ProviderClient) *Client { return &Client{rpc: rpc} }

// Client is a provider.Provider that makes gRPC calls to a plugin.
type Client struct {
	rpc pb.ProviderClient
}

func (c *Client) Describe(ctx context.Context) (*provider.Description, error) {
	r, err := c.rpc.Describe(ctx, &pb.DescribeRequest{})
	if err != nil {
		return nil, err
	}
	caps := r.GetCapabilities()
	return &provider.Description{
		Name: r.GetName(), Version: r.GetVersion(), Protocol: int(r.GetProtocolVersion()),
		Capabilities: provider.Capabilities{
			ParallelUp: caps.GetParallelUp(), UsesVagrant: caps.GetUsesVagrant(), CanHalt: caps.GetCanHalt(),
			ReportsAddresses: caps.GetReportsAddresses(), ExistingHosts: caps.GetExistingHosts(),
		},
	}, nil
}

func (c *Client) Schema(ctx context.Context) (*provider.Schema, error) {
	r, err := c.rpc.Schema(ctx, &pb.SchemaRequest{})
	if err != nil {
		return nil, err
	}
	out := &provider.Schema{}
	for _, a := range r.GetAttributes() {
		attr := provider.Attribute{Name: a.GetName(), Type: a.GetType(), Required: a.GetRequired(), Description: a.GetDescription()}
		if a.GetDefaultJson() != "" {
			if err := json.Unmarshal([]byte(a.GetDefaultJson()), &attr.Default); err != nil {
				return nil, fmt.Errorf("the default of attribute %q is not JSON: %w", attr.Name, err)
			}
		}
		out.Attributes = append(out.Attributes, attr)
	}
	return out, nil
}

func (c *Client) Validate(ctx context.Context, cl *provider.Cluster) ([]provider.Diagnostic, error) {
	req, err := clusterToPB(cl)
	if err != nil {
		return nil, err
	}
	r, err := c.rpc.Validate(ctx, &pb.ValidateRequest{Cluster: req})
	if err != nil {
		return nil, err
	}
	var out []provider.Diagnostic
	for _, d := range r.GetDiagnostics() {
		out = append(out, diagnosticFromPB(d))
	}
	return out, nil
}

// diagnosticFromPB turns the wire's bool and attribute name into the
// typed severity and path.
func diagnosticFromPB(d *pb.Diagnostic) provider.Diagnostic {
	sev := provider.SeverityWarning
	if d.GetError() {
		sev = provider.SeverityError
	}
	return provider.Diagnostic{Severity: sev, Summary: d.GetSummary(), Detail: d.GetDetail(), Path: provider.AtAttribute(d.GetAttribute())}
}

func (c *Client) VagrantFragment(ctx context.Context, cl *provider.Cluster, node string) (string, error) {
	req, err := clusterToPB(cl)
	if err != nil {
		return "", err
	}
	r, err := c.rpc.VagrantFragment(ctx, &pb.NodeRequest{Cluster: req, Node: node})
	if err != nil {
		return "", err
	}
	return r.GetRuby(), nil
}

func (c *Client) List(ctx context.Context, cl *provider.Cluster) ([]provider.Machine, error) {
	req, err := clusterToPB(cl)
	if err != nil {
		return nil, err
	}
	r, err := c.rpc.List(ctx, &pb.ClusterRequest{Cluster: req})
	if err != nil {
		return nil, err
	}
	var out []provider.Machine
	for _, m := range r.GetMachines() {
		s := m.GetSsh()
		out = append(out, provider.Machine{
			Name: m.GetName(), State: m.GetState(), Address: m.GetAddress(),
			SSH: provider.SSH{Host: s.GetHost(), Port: int(s.GetPort()), User: s.GetUser(), PrivateKeyPath: s.GetPrivateKeyPath()},
		})
	}
	return out, nil
}

// progressReceiver is the receiving side of the calls that stream
// progress.
type progressReceiver interface {
	Recv() (*pb.Progress, error)
}

// receive hands every progress line to progress until the call ends.
func receive(stream progressReceiver, err error, progress provider.Progress) error {
	if err != nil {
		return err
	}
	for {
		p, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if progress != nil {
			progress(p.GetLine())
		}
	}
}

func (c *Client) Preflight(ctx context.Context, cl *provider.Cluster, progress provider.Progress) error {
	req, err := clusterToPB(cl)
	if err != nil {
		return err
	}
	stream, err := c.rpc.Preflight(ctx, &pb.ClusterRequest{Cluster: req})
	return receive(stream, err, progress)
}

// machinesCall is one of the calls that act on named machines and
// stream progress (Up, Halt, Destroy).
type machinesCall func(ctx context.Context, in *pb.MachinesRequest, opts ...grpc.CallOption) (grpc.ServerStreamingClient[pb.Progress], error)

// onMachines makes call for the named machines of cl and hands its
// progress on until it ends.
func onMachines(ctx context.Context, call machinesCall, cl *provider.Cluster, names []string, progress provider.Progress) error {
	req, err := clusterToPB(cl)
	if err != nil {
		return err
	}
	stream, err := call(ctx, &pb.MachinesRequest{Cluster: req, Names: names})
	return receive(stream, err, progress)
}

func (c *Client) Up(ctx context.Context, cl *provider.Cluster, names []string, progress provider.Progress) error {
	return onMachines(ctx, c.rpc.Up, cl, names, progress)
}

func (c *Client) Halt(ctx context.Context, cl *provider.Cluster, names []string, progress provider.Progress) error {
	return onMachines(ctx, c.rpc.Halt, cl, names, progress)
}

func (c *Client) Destroy(ctx context.Context, cl *provider.Cluster, names []string, progress provider.Progress) error {
	return onMachines(ctx, c.rpc.Destroy, cl, names, progress)
}

func clusterToPB(c *provider.Cluster) (*pb.Cluster, error) {
	if c == nil {
		return &pb.Cluster{}, nil
	}
	out := &pb.Cluster{Name: c.Name, Dir: c.Dir, TopologyFile: c.TopologyFile, Cidr: c.CIDR}
	if c.Config != nil {
		b, err := json.Marshal(c.Config)
		if err != nil {
			return nil, fmt.Errorf("the provider block as JSON: %w", err)
		}
		out.ConfigJson = string(b)
	}
	for _, n := range c.Nodes {
		out.Nodes = append(out.Nodes, &pb.Node{
			Name: n.Name, Role: n.Role, Group: n.Group, Address: n.Address,
			MemoryMib: int32(n.MemoryMiB), Cpus: int32(n.CPUs), Drivers: n.Drivers,
		})
	}
	return out, nil
}
