package provider

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	"github.com/nomadbox/nomadbox/internal/pluginwire/pb"
)

// newServer answers nomadbox's gRPC calls with p.
func newServer(p Provider) pb.ProviderServer { return &server{impl: p} }

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
	_, vagrant := s.impl.(VagrantMachines)
	return &pb.DescribeResponse{
		Name: d.Name, Version: d.Version, ProtocolVersion: int32(d.Protocol),
		Capabilities: &pb.Capabilities{
			ParallelUp: c.ParallelUp, UsesVagrant: c.UsesVagrant || vagrant, CanHalt: c.CanHalt,
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
		out.Diagnostics = append(out.Diagnostics, diagnosticToPB(d))
	}
	return out, nil
}

func (s *server) VagrantFragment(ctx context.Context, req *pb.NodeRequest) (*pb.VagrantFragmentResponse, error) {
	c, err := clusterFromPB(req.GetCluster())
	if err != nil {
		return nil, err
	}
	// A provider without Vagrant machines has no Ruby to give: the empty
	// answer every provider had to write before VagrantMachines.
	vm, ok := s.impl.(VagrantMachines)
	if !ok {
		return &pb.VagrantFragmentResponse{}, nil
	}
	ruby, err := vm.VagrantFragment(ctx, c, req.GetNode())
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

// diagnosticToPB maps the typed severity and path to the wire's bool and
// attribute name; only a warning is not an error, so a severity nomadbox
// does not know still stops it.
func diagnosticToPB(d Diagnostic) *pb.Diagnostic {
	return &pb.Diagnostic{
		Error: d.Severity != SeverityWarning, Summary: d.Summary, Detail: d.Detail,
		Attribute: d.Path.Attribute(),
	}
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
			MemoryMiB: int(n.GetMemoryMib()), CPUs: int(n.GetCpus()), Drivers: n.GetDrivers(),
		})
	}
	return out, nil
}
