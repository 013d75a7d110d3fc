package agentconfig

import (
	"github.com/hashicorp/hcl/v2/hclwrite"

	"github.com/nomadbox/nomadbox/internal/topology"
)

// Consul returns /etc/consul.d/consul.hcl for node n. The keys used are
// accepted by every Consul release the topology accepts (from
// topology.MinConsulVersion on for ui_config, MinConsulTLSVersion with
// TLS for the tls stanza; retry_join rather than start_join), except
// those FeaturesOf gates on the topology's Consul version; keys_test.go
// holds the release that introduced each key.
func Consul(t *topology.Topology, n topology.Node) []byte {
	return render(t, n, consulAgent, consulServer, consulDNS, consulListeners, consulTLS, consulACL)
}

// consulAgent writes who the agent is, where it listens and whom it
// joins.
func consulAgent(b *hclwrite.Body, t *topology.Topology, n topology.Node) {
	ip := n.Address.String()
	setAgent(b, t, n, "node_name", ConsulDataDir)
	// Bind and advertise on the private network only: a NAT interface
	// (VirtualBox's 10.0.2.15, Docker's bridge) has the same address on
	// every machine and would make the nodes unreachable to each other.
	set(b, "bind_addr", ip)
	set(b, "advertise_addr", ip)
	// The HTTP API and DNS listen on loopback (for the node's agents and
	// dnsmasq) and on the private address (for `nomadbox verify`).
	set(b, "client_addr", "127.0.0.1 "+ip)
	setRetryJoin(b, serverAddrs(t, ""))
	set(b, "leave_on_terminate", n.Role == topology.RoleClient)
	set(b, "rejoin_after_leave", true)
}

// consulServer writes what only a server runs: the Raft settings, the UI
// and, where the release leaves it off, Connect.
func consulServer(b *hclwrite.Body, t *topology.Topology, n topology.Node) {
	if n.Role != topology.RoleServer {
		return
	}
	set(b, "server", true)
	set(b, "bootstrap_expect", t.Server.Count)
	ui := newBlock(b, "ui_config", nil).Body()
	set(ui, "enabled", true)
	perf := newBlock(b, "performance", nil).Body()
	// 1 is the production setting; the default of 5 is tuned for
	// tiny development machines and slows leader elections.
	set(perf, "raft_multiplier", 1)
	if !FeaturesOf(t.Versions).ConsulConnectByDefault {
		// Connect's CA and intentions live on the servers, which
		// leave them off before Consul 1.14 unless told: Nomad's
		// sidecars would get no certificates.
		connect := newBlock(b, "connect", nil).Body()
		set(connect, "enabled", true)
	}
}

// consulDNS answers from any server, not only the leader, and lets
// dnsmasq cache answers briefly: .consul lookups stay fast under load.
func consulDNS(b *hclwrite.Body, _ *topology.Topology, _ topology.Node) {
	dns := newBlock(b, "dns_config", nil).Body()
	set(dns, "allow_stale", true)
	set(dns, "service_ttl", map[string]string{"*": "5s"})
	set(dns, "node_ttl", "5s")
}

// consulListeners writes the ports and addresses blocks: HTTP or HTTPS,
// and the gRPC listener nomad.hcl points Connect's sidecars at.
func consulListeners(b *hclwrite.Body, t *topology.Topology, _ topology.Node) {
	ports := newBlock(b, "ports", nil).Body()
	if t.Security.TLS {
		// HTTPS only: plain HTTP would carry tokens in the clear, and a
		// port that answers without TLS invites clients that skip it.
		set(ports, "http", -1)
		set(ports, "https", ConsulHTTPSPort)
	}
	// ports.grpc is off by default outside dev mode, and the default of
	// grpc_tls changed across releases: the listener Nomad points its
	// Connect sidecars at (nomad.hcl's consul.grpc_address) is set here.
	grpc := consulGRPC(t)
	set(ports, grpc.key, grpc.port)
	// Only Nomad on the same node talks to it (sidecars reach it through
	// Nomad's socket in their allocation): loopback only, not client_addr's
	// private address, whether or not the firewall runs.
	addrs := newBlock(b, "addresses", nil).Body()
	set(addrs, grpc.key, "127.0.0.1")
}

// consulTLS gives the agent, with TLS, the cluster CA's certificate and
// makes it verify its peers on the internal RPC.
func consulTLS(b *hclwrite.Body, t *topology.Topology, _ topology.Node) {
	if !t.Security.TLS {
		return
	}
	tls := newBlock(b, "tls", nil).Body()
	def := tls.AppendNewBlock("defaults", nil).Body()
	set(def, "ca_file", ConsulTLSDir+"/ca.pem")
	set(def, "cert_file", ConsulTLSDir+"/agent.pem")
	set(def, "key_file", ConsulTLSDir+"/agent-key.pem")
	set(def, "verify_outgoing", true)
	rpc := newBlock(tls, "internal_rpc", nil).Body()
	set(rpc, "verify_incoming", true)
	set(rpc, "verify_server_hostname", true)
}

// consulACL turns ACLs on, where the topology asks for them, with a deny
// default; tokens persist so that a restarted agent keeps the ones it was
// given.
func consulACL(b *hclwrite.Body, t *topology.Topology, _ topology.Node) {
	if !t.Security.ACL {
		return
	}
	acl := newBlock(b, "acl", nil).Body()
	set(acl, "enabled", true)
	set(acl, "default_policy", "deny")
	set(acl, "enable_token_persistence", true)
	set(acl, "down_policy", "extend-cache")
}

// grpcListener is the local Consul agent's gRPC listener that Nomad's
// Connect sidecars use: the ports key that enables it, its port and
// whether it speaks TLS.
type grpcListener struct {
	key  string
	port int
	tls  bool
}

// consulGRPC says which gRPC listener t's Consul agents open, so that
// consul.hcl and nomad.hcl agree on it. With TLS Consul 1.14 and later
// serve gRPC over TLS on ports.grpc_tls only; before 1.14 ports.grpc
// serves TLS once the agent has a certificate, which the tls stanza
// gives it.
func consulGRPC(t *topology.Topology) grpcListener {
	switch {
	case !t.Security.TLS:
		return grpcListener{key: "grpc", port: ConsulGRPCPort}
	case FeaturesOf(t.Versions).ConsulGRPCTLS:
		return grpcListener{key: "grpc_tls", port: ConsulGRPCTLSPort, tls: true}
	default:
		return grpcListener{key: "grpc", port: ConsulGRPCPort, tls: true}
	}
}
