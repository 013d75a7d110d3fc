package provider

import (
	"os"

	"github.com/hashicorp/go-hclog"
	plugin "github.com/hashicorp/go-plugin"

	"github.com/nomadbox/nomadbox/internal/pluginwire"
)

// Serve serves p to nomadbox and returns when nomadbox is done with it.
// Call it from the plugin's main. Write diagnostics to stderr (nomadbox
// keeps them in the cluster's log), never to stdout, which go-plugin
// uses for its handshake.
func Serve(p Provider) {
	plugin.Serve(&plugin.ServeConfig{
		HandshakeConfig:  pluginwire.Handshake,
		VersionedPlugins: pluginwire.PluginSets(ProtocolVersion, newServer(p)),
		GRPCServer:       plugin.DefaultGRPCServer,
		Logger: hclog.New(&hclog.LoggerOptions{
			Name: "plugin", Output: os.Stderr, Level: hclog.Warn,
		}),
	})
}
