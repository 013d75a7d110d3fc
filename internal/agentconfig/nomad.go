package agentconfig

import (
	"fmt"

	"github.com/hashicorp/hcl/v2/hclwrite"

	"github.com/nomadbox/nomadbox/internal/topology"
)

// Nomad returns /etc/nomad.d/nomad.hcl for node n. The keys used are
// accepted by every Nomad release the topology accepts (from
// topology.MinNomadVersion on), except those FeaturesOf gates on the
// topology's versions; keys_test.go holds the release that introduced
// each key.
func Nomad(t *topology.Topology, n topology.Node) []byte {
	return render(t, n, nomadAgent, nomadServer, nomadClient, nomadConsul, nomadTLS, nomadACL)
}

// nomadAgent writes who the agent is and the address it binds and
// advertises: the node's private one.
func nomadAgent(b *hclwrite.Body, t *topology.Topology, n topology.Node) {
	ip := n.Address.String()
	set(b, "region", t.Cluster.Region)
	setAgent(b, t, n, "name", NomadDataDir)
	set(b, "bind_addr", ip)
	adv := newBlock(b, "advertise", nil).Body()
	set(adv, "http", ip)
	set(adv, "rpc", ip)
	set(adv, "serf", ip)
}

// nomadServer writes the server block: the other servers to join and,
// where the release has it, how clients introduce themselves.
func nomadServer(b *hclwrite.Body, t *topology.Topology, n topology.Node) {
	if n.Role != topology.RoleServer {
		return
	}
	srv := newBlock(b, "server", nil).Body()
	set(srv, "enabled", true)
	set(srv, "bootstrap_expect", t.Server.Count)
	join := newBlock(srv, "server_join", nil).Body()
	setRetryJoin(join, serverAddrs(t, ""))
	if FeaturesOf(t.Versions).NomadClientIntroduction {
		appendClientIntroduction(srv)
	}
}

// nomadClient writes, on a client, the client block of n's group and
// the task drivers it runs.
func nomadClient(b *hclwrite.Body, t *topology.Topology, n topology.Node) {
	if n.Role == topology.RoleServer {
		return
	}
	cl := newBlock(b, "client", nil).Body()
	set(cl, "enabled", true)
	// Fingerprint the interface that holds the private address rather
	// than the one with the default route (the NAT interface), so
	// allocations advertise addresses other nodes can reach.
	set(cl, "network_interface", fmt.Sprintf(`{{ GetAllInterfaces | include "address" %q | attr "name" }}`, n.Address.String()))
	if n.Group.NodeClass != "" {
		set(cl, "node_class", n.Group.NodeClass)
	}
	if len(n.Group.Meta) > 0 {
		set(cl, "meta", n.Group.Meta)
	}
	join := newBlock(cl, "server_join", nil).Body()
	setRetryJoin(join, serverAddrs(t, "4647"))
	for _, drv := range n.Group.Drivers {
		appendPlugin(b, drv, n.Group)
	}
}

// nomadConsul points Nomad at the node's own Consul agent: its HTTP API
// (HTTPS with TLS) and the gRPC listener Connect's sidecars read from.
func nomadConsul(b *hclwrite.Body, t *topology.Topology, _ topology.Node) {
	consul := newBlock(b, "consul", nil).Body()
	if t.Security.TLS {
		// The local agent serves HTTPS only; its certificate names
		// 127.0.0.1 and is signed by the cluster's CA.
		set(consul, "address", fmt.Sprintf("127.0.0.1:%d", ConsulHTTPSPort))
		set(consul, "ssl", true)
		set(consul, "ca_file", NomadTLSDir+"/ca.pem")
	} else {
		set(consul, "address", fmt.Sprintf("127.0.0.1:%d", ConsulHTTPPort))
	}
	// Connect sidecars read their configuration from the local agent's
	// gRPC listener. Spelt out rather than left to Nomad's fingerprint
	// of the agent (and its fallback, 8502), so that nomad.hcl and
	// consul.hcl visibly name the same port.
	grpc := consulGRPC(t)
	set(consul, "grpc_address", fmt.Sprintf("127.0.0.1:%d", grpc.port))
	if grpc.tls && FeaturesOf(t.Versions).ConsulEnvoyGRPCCAFile {
		// Envoy checks the TLS listener's certificate against this CA;
		// earlier Consul releases take it from ca_file above.
		set(consul, "grpc_ca_file", NomadTLSDir+"/ca.pem")
	}
}

// nomadTLS makes HTTP and RPC speak TLS, where the topology asks for it,
// with the cluster CA's certificate. HTTPS clients (the CLI, verify) are
// not asked for one.
func nomadTLS(b *hclwrite.Body, t *topology.Topology, _ topology.Node) {
	if !t.Security.TLS {
		return
	}
	tls := newBlock(b, "tls", nil).Body()
	set(tls, "http", true)
	set(tls, "rpc", true)
	set(tls, "ca_file", NomadTLSDir+"/ca.pem")
	set(tls, "cert_file", NomadTLSDir+"/agent.pem")
	set(tls, "key_file", NomadTLSDir+"/agent-key.pem")
	set(tls, "verify_server_hostname", true)
	set(tls, "verify_https_client", false)
}

// nomadACL turns ACLs on where the topology asks for them.
func nomadACL(b *hclwrite.Body, t *topology.Topology, _ topology.Node) {
	if t.Security.ACL {
		acl := newBlock(b, "acl", nil).Body()
		set(acl, "enabled", true)
	}
}

// appendClientIntroduction writes the server's client_introduction block.
// nomadbox's clients register without an introduction token (with TLS
// they present a certificate of the cluster's CA, which does not count
// as one): "warn", Nomad's own default, written here so the choice shows
// in the file, lets them register and logs each such registration;
// "strict" would refuse them until nomadbox issues introduction tokens.
func appendClientIntroduction(srv *hclwrite.Body) {
	intro := newBlock(srv, "client_introduction", nil).Body()
	intro.AppendUnstructuredTokens(comment("Clients register without an introduction token: \"warn\" (Nomad's\ndefault) logs each such registration, \"strict\" would refuse it."))
	set(intro, "enforcement", "warn")
}

// appendPlugin configures a task driver of group g. Drivers with no
// settings of their own (exec, java, qemu) are enabled by fingerprinting
// alone.
func appendPlugin(b *hclwrite.Body, drv string, g *topology.Group) {
	switch drv {
	case "docker":
		cfg := newBlock(b, "plugin", []string{"docker"}).Body().AppendNewBlock("config", nil).Body()
		// Host volumes (what cadvisor and similar node agents mount) let a
		// job read the node's file system, so only groups that ask for
		// them get them; Nomad's own default is off.
		if g.DockerVolumes {
			vol := cfg.AppendNewBlock("volumes", nil).Body()
			set(vol, "enabled", true)
		}
		set(cfg, "allow_privileged", false)
		// Images stay when their last task stops: nomadbox clusters often
		// have no registry, and an image brought in with `nomadbox load`,
		// or the canary image, would otherwise be removed three minutes
		// later (gc.image_delay) and the next task would try to pull it.
		gc := cfg.AppendNewBlock("gc", nil).Body()
		set(gc, "image", false)
	case "raw_exec":
		cfg := newBlock(b, "plugin", []string{"raw_exec"}).Body().AppendNewBlock("config", nil).Body()
		set(cfg, "enabled", true)
	}
}
