package agentconfig

import (
	"fmt"
	"testing"

	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/nomadbox/nomadbox/internal/topology"
)

func familyTopology(t *testing.T, consul, nomad string, tls bool) *topology.Topology {
	t.Helper()
	return parseTopology(t, fmt.Sprintf(`cluster "x" {}
provider "docker" {}
versions {
  consul = %q
  nomad  = %q
}
server "nomad-server" {}
client "nomad-client" {}
security {
  tls = %t
}
`, consul, nomad, tls))
}

// consulConfig is nomadConfig for consul.hcl.
func consulConfig(t *testing.T, topo *topology.Topology, node string) *hclsyntax.Body {
	t.Helper()
	return parsedConfig(t, Consul, "consul.hcl", topo, node)
}

// one returns the single block of type typ in body, or nil when there is
// none; more than one fails the test.
func one(t *testing.T, body *hclsyntax.Body, typ string) *hclsyntax.Body {
	t.Helper()
	bs := blocks(body, typ)
	switch len(bs) {
	case 0:
		return nil
	case 1:
		return bs[0].Body
	}
	t.Fatalf("%d %s blocks, want at most one", len(bs), typ)
	return nil
}

// attr returns the value of attribute name in body and whether it is
// there.
func attr(t *testing.T, body *hclsyntax.Body, name string) (cty.Value, bool) {
	t.Helper()
	if body == nil {
		return cty.NilVal, false
	}
	a, ok := body.Attributes[name]
	if !ok {
		return cty.NilVal, false
	}
	v, diags := a.Expr.Value(nil)
	if diags.HasErrors() {
		t.Fatalf("%s: %s", name, diags.Error())
	}
	return v, true
}

// wantAttr checks attribute name of body; a want of cty.NilVal means the
// attribute must be absent.
func wantAttr(t *testing.T, where string, body *hclsyntax.Body, name string, want cty.Value) {
	t.Helper()
	got, ok := attr(t, body, name)
	switch absent := want == cty.NilVal; {
	case absent && ok:
		t.Errorf("%s: %s = %s, want it absent", where, name, got.GoString())
	case !absent && !ok:
		t.Errorf("%s: %s absent, want %s", where, name, want.GoString())
	case !absent && !got.RawEquals(want):
		t.Errorf("%s: %s = %s, want %s", where, name, got.GoString(), want.GoString())
	}
}

// The local Consul agent opens the gRPC listener nomad.hcl points
// Connect's sidecars at, on every node of both version families.
func TestConsulGRPCListenerPerFamily(t *testing.T) {
	none := cty.NilVal
	for _, tc := range []struct {
		name          string
		consul, nomad string
		tls           bool
		grpc, grpcTLS cty.Value // consul.hcl ports.grpc, ports.grpc_tls
		address, ca   cty.Value // nomad.hcl consul.grpc_address, grpc_ca_file
	}{
		{"old family, TLS", "1.13.9", "1.6.1", true,
			cty.NumberIntVal(ConsulGRPCPort), none, cty.StringVal("127.0.0.1:8502"), none},
		{"old family, no TLS", "1.13.9", "1.6.1", false,
			cty.NumberIntVal(ConsulGRPCPort), none, cty.StringVal("127.0.0.1:8502"), none},
		{"Consul 1.14.0, TLS", "1.14.0", "1.6.1", true,
			none, cty.NumberIntVal(ConsulGRPCTLSPort), cty.StringVal("127.0.0.1:8503"), none},
		{"current family, TLS", "1.22.7", "2.0.5", true,
			none, cty.NumberIntVal(ConsulGRPCTLSPort), cty.StringVal("127.0.0.1:8503"), cty.StringVal(NomadTLSDir + "/ca.pem")},
		{"current family, no TLS", "1.22.7", "2.0.5", false,
			cty.NumberIntVal(ConsulGRPCPort), none, cty.StringVal("127.0.0.1:8502"), none},
	} {
		topo := familyTopology(t, tc.consul, tc.nomad, tc.tls)
		for _, node := range []string{"nomad-server1", "nomad-client1"} {
			where := tc.name + ", " + node
			ports := one(t, consulConfig(t, topo, node), "ports")
			if ports == nil {
				t.Errorf("%s: consul.hcl has no ports block", where)
				continue
			}
			wantAttr(t, where, ports, "grpc", tc.grpc)
			wantAttr(t, where, ports, "grpc_tls", tc.grpcTLS)
			// The listener is on loopback only (addresses.<same key>).
			addrs := one(t, consulConfig(t, topo, node), "addresses")
			if addrs == nil {
				t.Errorf("%s: consul.hcl has no addresses block", where)
				continue
			}
			loopback := func(port cty.Value) cty.Value {
				if port == cty.NilVal {
					return cty.NilVal
				}
				return cty.StringVal("127.0.0.1")
			}
			wantAttr(t, where, addrs, "grpc", loopback(tc.grpc))
			wantAttr(t, where, addrs, "grpc_tls", loopback(tc.grpcTLS))
			consul := one(t, nomadConfig(t, topo, node), "consul")
			wantAttr(t, where, consul, "grpc_address", tc.address)
			wantAttr(t, where, consul, "grpc_ca_file", tc.ca)
		}
	}
}

// Before Consul 1.14 Connect is off unless the servers enable it; from
// 1.14 on it is on by default and the block is left out.
func TestConsulConnectOnOldServers(t *testing.T) {
	for _, tc := range []struct {
		consul string
		node   string
		want   bool
	}{
		{"1.13.9", "nomad-server1", true},
		{"1.13.9", "nomad-client1", false},
		{"1.22.7", "nomad-server1", false},
		{"1.22.7", "nomad-client1", false},
	} {
		body := consulConfig(t, familyTopology(t, tc.consul, "1.6.1", false), tc.node)
		connect := one(t, body, "connect")
		if (connect != nil) != tc.want {
			t.Errorf("Consul %s, %s: connect block present = %v, want %v", tc.consul, tc.node, connect != nil, tc.want)
			continue
		}
		if tc.want {
			wantAttr(t, tc.consul+", "+tc.node, connect, "enabled", cty.True)
		}
	}
}

// Nomad 1.11 servers get client_introduction with "warn"; Nomad 1.6
// does not know the block, and clients never take it.
func TestNomadClientIntroductionOnNewServers(t *testing.T) {
	for _, tc := range []struct {
		nomad string
		node  string
		want  bool
	}{
		{"1.6.1", "nomad-server1", false},
		{"1.11.0", "nomad-server1", true},
		{"2.0.5", "nomad-server1", true},
		{"2.0.5", "nomad-client1", false},
	} {
		body := nomadConfig(t, familyTopology(t, "1.22.7", tc.nomad, true), tc.node)
		var intro *hclsyntax.Body
		if srv := one(t, body, "server"); srv != nil {
			intro = one(t, srv, "client_introduction")
		}
		// Nowhere else either: a client block or the top level would be
		// an unknown key.
		if cl := one(t, body, "client"); cl != nil && one(t, cl, "client_introduction") != nil {
			t.Errorf("Nomad %s, %s: client_introduction in the client block", tc.nomad, tc.node)
		}
		if one(t, body, "client_introduction") != nil {
			t.Errorf("Nomad %s, %s: client_introduction at the top level", tc.nomad, tc.node)
		}
		if (intro != nil) != tc.want {
			t.Errorf("Nomad %s, %s: server.client_introduction present = %v, want %v", tc.nomad, tc.node, intro != nil, tc.want)
			continue
		}
		if tc.want {
			wantAttr(t, tc.nomad+", "+tc.node, intro, "enforcement", cty.StringVal("warn"))
		}
	}
}
