// Package pluginwire is what both ends of a provider plugin connection
// agree on: the go-plugin handshake, the name the provider is dispensed
// under, and the gRPC service (package pb, generated from
// provider/proto). The plugin's end is provider.Serve, nomadbox's end is
// internal/pluginhost; neither imports the other.
package pluginwire

import (
	"context"

	plugin "github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	"github.com/nomadbox/nomadbox/internal/pluginwire/pb"
)

// ProtocolVersion is the version of the provider contract, the public
// provider.ProtocolVersion (this package cannot import that one; a test
// of pluginhost holds the two equal).
const ProtocolVersion = 1

// PluginName is the name the provider is dispensed under.
const PluginName = "provider"

// Handshake is what nomadbox and a plugin check before talking: a plugin
// started by hand (not by nomadbox) says so and exits.
var Handshake = plugin.HandshakeConfig{
	ProtocolVersion:  ProtocolVersion,
	MagicCookieKey:   "NOMADBOX_PROVIDER_PLUGIN",
	MagicCookieValue: "f6b3c1a2-nomadbox-provider",
}

// GRPCPlugin carries the provider service over go-plugin's gRPC
// transport: the plugin registers Impl, nomadbox gets a
// pb.ProviderClient.
type GRPCPlugin struct {
	plugin.NetRPCUnsupportedPlugin
	Impl pb.ProviderServer
}

func (p *GRPCPlugin) GRPCServer(_ *plugin.GRPCBroker, s *grpc.Server) error {
	pb.RegisterProviderServer(s, p.Impl)
	return nil
}

func (p *GRPCPlugin) GRPCClient(_ context.Context, _ *plugin.GRPCBroker, c *grpc.ClientConn) (any, error) {
	return pb.NewProviderClient(c), nil
}

// PluginSets are the plugins a side offers for version: the plugin
// passes its server, nomadbox nil.
func PluginSets(version int, server pb.ProviderServer) map[int]plugin.PluginSet {
	return map[int]plugin.PluginSet{version: {PluginName: &GRPCPlugin{Impl: server}}}
}
