package provider

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"

	plugin "github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	"github.com/nomadbox/nomadbox/provider/internal/pb"
)

// pluginName is the name the provider is dispensed under.
const pluginName = "provider"

// Handshake is what nomadbox and a plugin check before talking: a plugin
// started by hand (not by nomadbox) says so and exits.
var Handshake = plugin.HandshakeConfig{
	ProtocolVersion:  ProtocolVersion,
	MagicCookieKey:   "NOMADBOX_PROVIDER_PLUGIN",
	MagicCookieValue: "f6b3c1a2-nomadbox-provider",
}

// grpcPlugin carries a Provider over go-plugin's gRPC transport, in both
// directions: the plugin serves Impl, nomadbox gets a client.
type grpcPlugin struct {
	plugin.NetRPCUnsupportedPlugin
	Impl Provider
}

func (p *grpcPlugin) GRPCServer(_ *plugin.GRPCBroker, s *grpc.Server) error {
	pb.RegisterProviderServer(s, &server{impl: p.Impl})
	return nil
}

func (p *grpcPlugin) GRPCClient(_ context.Context, _ *plugin.GRPCBroker, c *grpc.ClientConn) (any, error) {
	return &client{rpc: pb.NewProviderClient(c)}, nil
}

// pluginSets are the plugins a side offers, by protocol version.
func pluginSets(version int, impl Provider) map[int]plugin.PluginSet {
	return map[int]plugin.PluginSet{version: {pluginName: &grpcPlugin{Impl: impl}}}
}

// server answers gRPC calls with a Provider.
type server struct {
	pb.UnimplementedProviderServer
	impl Provider
}

func (s *server) Describe(ctx context.Context, _ *pb.DescribeRequest) (*pb.DescribeResponse, error) {
	d, err := s.impl.Describe(ctx)
	if err != nil {
		return nil, err
	}
	if d == nil {
		return nil, errors.New("the provider's Describe returned nothing")
	}
	c := d.Capabilities
	return &pb.DescribeResponse{
		Name: d.Name, Version: d.Version, ProtocolVersion: int32(d.Protocol),
		Capabilities: &pb.Capabilities{
			ParallelUp: c.ParallelUp, UsesVagrant: c.UsesVagrant, CanHalt: c.CanHalt,
			ReportsAddresses: c.ReportsAddresses, ExistingHosts: c.ExistingHosts,
		},
	}, nil
}

func (s *server) Schema(ctx context.Context, _ *pb.SchemaRequest) (*pb.SchemaResponse, error) {
	sc, err := s.impl.Schema(ctx)
	if err != nil {
		return nil, err
	}
	if sc == nil {
		return &pb.SchemaResponse{}, nil
	}
	out := &pb.SchemaResponse{}
	for _, a := range sc.Attributes {
		def := ""
		if a.Default != nil {
			b, err := json.Marshal(a.Default)
			if err != nil {
				return nil, fmt.Errorf("default of %s: %w", a.Name, err)
			}
			def = string(b)
		}
		out.Attributes = append(out.Attributes, &pb.Attribute{
			Name: a.Name, Type: a.Type, Required: a.Required, DefaultJson: def, Description: a.Description,
		})
	}
	return out, nil
}

func (s *server) Validate(ctx context.Context, req *pb.ValidateRequest) (*pb.ValidateResponse, error) {
	c, err := clusterFromPB(req.GetCluster())
	if err != nil {
		return nil, err
	}
	diags, err := s.impl.Validate(ctx, c)
	if err != nil {
		return nil, err
	}
	out := &pb.ValidateResponse{}
	for _, d := range diags {
		out.Diagnostics = append(out.Diagnostics, &pb.Diagnostic{Error: d.Error, Summary: d.Summary, Detail: d.Detail, Attribute: d.Attribute})
	}
	return out, nil
}

func (s *server) VagrantFragment(ctx context.Context, req *pb.NodeRequest) (*pb.VagrantFragmentResponse, error) {
	c, err := clusterFromPB(req.GetCluster())
	if err != nil {
		return nil, err
	}
	ruby, err := s.impl.VagrantFragment(ctx, c, req.GetNode())
	if err != nil {
		return nil, err
	}
	return &pb.VagrantFragmentResponse{Ruby: ruby}, nil
}

func (s *server) List(ctx context.Context, req *pb.ClusterRequest) (*pb.ListResponse, error) {
	c, err := clusterFromPB(req.GetCluster())
	if err != nil {
		return nil, err
	}
	ms, err := s.impl.List(ctx, c)
	if err != nil {
		return nil, err
	}
	out := &pb.ListResponse{}
	for _, m := range ms {
		out.Machines = append(out.Machines, &pb.Machine{
			Name: m.Name, State: m.State, Address: m.Address,
			Ssh: &pb.SSH{Host: m.SSH.Host, Port: int32(m.SSH.Port), User: m.SSH.User, PrivateKeyPath: m.SSH.PrivateKeyPath},
		})
	}
	return out, nil
}

// progressStream is the sending side of the calls that stream progress.
type progressStream interface {
	Context() context.Context
	Send(*pb.Progress) error
}

// streamed runs a long call, sending its progress lines as they come
// (the provider may report from several goroutines).
func streamed(stream progressStream, call func(ctx context.Context, progress Progress) error) error {
	var mu sync.Mutex
	return call(stream.Context(), func(line string) {
		mu.Lock()
		defer mu.Unlock()
		_ = stream.Send(&pb.Progress{Line: line})
	})
}

func (s *server) Preflight(req *pb.ClusterRequest, stream pb.Provider_PreflightServer) error {
	c, err := clusterFromPB(req.GetCluster())
	if err != nil {
		return err
	}
	return streamed(stream, func(ctx context.Context, p Progress) error { return s.impl.Preflight(ctx, c, p) })
}

func (s *server) Up(req *pb.MachinesRequest, stream pb.Provider_UpServer) error {
	c, err := clusterFromPB(req.GetCluster())
	if err != nil {
		return err
	}
	return streamed(stream, func(ctx context.Context, p Progress) error { return s.impl.Up(ctx, c, req.GetNames(), p) })
}

func (s *server) Halt(req *pb.MachinesRequest, stream pb.Provider_HaltServer) error {
	c, err := clusterFromPB(req.GetCluster())
	if err != nil {
		return err
	}
	return streamed(stream, func(ctx context.Context, p Progress) error { return s.impl.Halt(ctx, c, req.GetNames(), p) })
}

func (s *server) Destroy(req *pb.MachinesRequest, stream pb.Provider_DestroyServer) error {
	c, err := clusterFromPB(req.GetCluster())
	if err != nil {
		return err
	}
	return streamed(stream, func(ctx context.Context, p Progress) error { return s.impl.Destroy(ctx, c, req.GetNames(), p) })
}

// client is a Provider that makes gRPC calls.
type client struct {
	rpc pb.ProviderClient
}

func (c *client) Describe(ctx context.Context) (*Description, error) {
	r, err := c.rpc.Describe(ctx, &pb.DescribeRequest{})
	if err != nil {
		return nil, err
	}
	caps := r.GetCapabilities()
	return &Description{
		Name: r.GetName(), Version: r.GetVersion(), Protocol: int(r.GetProtocolVersion()),
		Capabilities: Capabilities{
			ParallelUp: caps.GetParallelUp(), UsesVagrant: caps.GetUsesVagrant(), CanHalt: caps.GetCanHalt(),
			ReportsAddresses: caps.GetReportsAddresses(), ExistingHosts: caps.GetExistingHosts(),
		},
	}, nil
}

func (c *client) Schema(ctx context.Context) (*Schema, error) {
	r, err := c.rpc.Schema(ctx, &pb.SchemaRequest{})
	if err != nil {
		return nil, err
	}
	out := &Schema{}
	for _, a := range r.GetAttributes() {
		attr := Attribute{Name: a.GetName(), Type: a.GetType(), Required: a.GetRequired(), Description: a.GetDescription()}
		if a.GetDefaultJson() != "" {
			if err := json.Unmarshal([]byte(a.GetDefaultJson()), &attr.Default); err != nil {
				return nil, fmt.Errorf("the default of attribute %q is not JSON: %w", attr.Name, err)
			}
		}
		out.Attributes = append(out.Attributes, attr)
	}
	return out, nil
}

func (c *client) Validate(ctx context.Context, cl *Cluster) ([]Diagnostic, error) {
	req, err := clusterToPB(cl)
	if err != nil {
		return nil, err
	}
	r, err := c.rpc.Validate(ctx, &pb.ValidateRequest{Cluster: req})
	if err != nil {
		return nil, err
	}
	var out []Diagnostic
	for _, d := range r.GetDiagnostics() {
		out = append(out, Diagnostic{Error: d.GetError(), Summary: d.GetSummary(), Detail: d.GetDetail(), Attribute: d.GetAttribute()})
	}
	return out, nil
}

func (c *client) VagrantFragment(ctx context.Context, cl *Cluster, node string) (string, error) {
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

func (c *client) List(ctx context.Context, cl *Cluster) ([]Machine, error) {
	req, err := clusterToPB(cl)
	if err != nil {
		return nil, err
	}
	r, err := c.rpc.List(ctx, &pb.ClusterRequest{Cluster: req})
	if err != nil {
		return nil, err
	}
	var out []Machine
	for _, m := range r.GetMachines() {
		s := m.GetSsh()
		out = append(out, Machine{
			Name: m.GetName(), State: m.GetState(), Address: m.GetAddress(),
			SSH: SSH{Host: s.GetHost(), Port: int(s.GetPort()), User: s.GetUser(), PrivateKeyPath: s.GetPrivateKeyPath()},
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
func receive(stream progressReceiver, err error, progress Progress) error {
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

func (c *client) Preflight(ctx context.Context, cl *Cluster, progress Progress) error {
	req, err := clusterToPB(cl)
	if err != nil {
		return err
	}
	stream, err := c.rpc.Preflight(ctx, &pb.ClusterRequest{Cluster: req})
	return receive(stream, err, progress)
}

func (c *client) Up(ctx context.Context, cl *Cluster, names []string, progress Progress) error {
	req, err := clusterToPB(cl)
	if err != nil {
		return err
	}
	stream, err := c.rpc.Up(ctx, &pb.MachinesRequest{Cluster: req, Names: names})
	return receive(stream, err, progress)
}

func (c *client) Halt(ctx context.Context, cl *Cluster, names []string, progress Progress) error {
	req, err := clusterToPB(cl)
	if err != nil {
		return err
	}
	stream, err := c.rpc.Halt(ctx, &pb.MachinesRequest{Cluster: req, Names: names})
	return receive(stream, err, progress)
}

func (c *client) Destroy(ctx context.Context, cl *Cluster, names []string, progress Progress) error {
	req, err := clusterToPB(cl)
	if err != nil {
		return err
	}
	stream, err := c.rpc.Destroy(ctx, &pb.MachinesRequest{Cluster: req, Names: names})
	return receive(stream, err, progress)
}

func clusterToPB(c *Cluster) (*pb.Cluster, error) {
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
			MemoryMib: int32(n.MemoryMiB), Cpus: int32(n.CPUs),
		})
	}
	return out, nil
}

func clusterFromPB(c *pb.Cluster) (*Cluster, error) {
	out := &Cluster{Name: c.GetName(), Dir: c.GetDir(), TopologyFile: c.GetTopologyFile(), CIDR: c.GetCidr(), Config: map[string]any{}}
	if c.GetConfigJson() != "" {
		if err := json.Unmarshal([]byte(c.GetConfigJson()), &out.Config); err != nil {
			return nil, fmt.Errorf("the provider block sent by nomadbox is not a JSON object: %w", err)
		}
	}
	for _, n := range c.GetNodes() {
		out.Nodes = append(out.Nodes, Node{
			Name: n.GetName(), Role: n.GetRole(), Group: n.GetGroup(), Address: n.GetAddress(),
			MemoryMiB: int(n.GetMemoryMib()), CPUs: int(n.GetCpus()),
		})
	}
	return out, nil
}
