package journal

import (
	"strings"
	"testing"

	"github.com/nomadbox/nomadbox/internal/topology"
)

func testTopology(firewall bool, forwarder string) *topology.Topology {
	t := &topology.Topology{}
	t.Firewall.Enabled = firewall
	t.DNS.Forwarder = forwarder
	t.Server = topology.Group{Name: "nomad-server", Role: topology.RoleServer, Count: 1}
	t.Clients = []topology.Group{
		{Name: "docker", Role: topology.RoleClient, Count: 1, Drivers: []string{"docker", "raw_exec"}},
		{Name: "raw", Role: topology.RoleClient, Count: 1, Drivers: []string{"raw_exec"}},
	}
	return t
}

func names(us []Unit) string {
	var s []string
	for _, u := range us {
		s = append(s, u.Name+"="+u.Systemd)
	}
	return strings.Join(s, " ")
}

func TestUnitsFollowTheTopology(t *testing.T) {
	top := testTopology(true, "dnsmasq")
	nodes := top.Nodes()
	want := map[string]string{
		"nomad-server1": "firewall=nomadbox-firewall.service dnsmasq=dnsmasq.service consul=consul.service nomad=nomad.service",
		"docker1":       "firewall=nomadbox-firewall.service dnsmasq=dnsmasq.service docker=docker.service consul=consul.service nomad=nomad.service",
		"raw1":          "firewall=nomadbox-firewall.service dnsmasq=dnsmasq.service consul=consul.service nomad=nomad.service",
	}
	for _, n := range nodes {
		if got := names(Units(top, n)); got != want[n.Name] {
			t.Errorf("%s: %s, want %s", n.Name, got, want[n.Name])
		}
	}
	bare := testTopology(false, "none")
	if got := names(Units(bare, bare.Nodes()[0])); got != "consul=consul.service nomad=nomad.service" {
		t.Errorf("no firewall, no forwarder: %s", got)
	}
	resolved := testTopology(false, "systemd-resolved")
	if got := names(Units(resolved, resolved.Nodes()[0])); !strings.HasPrefix(got, "dnsmasq=systemd-resolved.service ") {
		t.Errorf("systemd-resolved forwarder: %s", got)
	}
}

func TestSelectNamesWhatIsThere(t *testing.T) {
	top := testTopology(true, "dnsmasq")
	server := top.Nodes()[0]
	us, err := Select(top, server, []string{"nomad", "consul"})
	if err != nil || names(us) != "nomad=nomad.service consul=consul.service" {
		t.Fatalf("%v %v", names(us), err)
	}
	if _, err := Select(top, server, []string{"docker"}); err == nil || !strings.Contains(err.Error(), "no docker unit on nomad-server1") ||
		!strings.Contains(err.Error(), "firewall, dnsmasq, consul, nomad") {
		t.Errorf("docker on a server: %v", err)
	}
	if _, err := Select(top, server, []string{"vault"}); err == nil || !strings.Contains(err.Error(), `unknown unit "vault"`) {
		t.Errorf("unknown unit: %v", err)
	}
}

func TestSince(t *testing.T) {
	for in, want := range map[string]string{"": "", "5m": "-300s", "1h30m": "-5400s", "2026-12-01": "2026-12-01", "2026-12-01 10:00": "2026-12-01 10:00"} {
		if got, err := Since(in); err != nil || got != want {
			t.Errorf("Since(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"yesterday; rm -rf /", "-5m", "0s", "5 minutes"} {
		if _, err := Since(bad); err == nil {
			t.Errorf("Since(%q) accepted", bad)
		}
	}
}

func TestCommandIsQuoted(t *testing.T) {
	got := Command([]Unit{{"nomad", "nomad.service"}}, "2026-12-01 10:00", true)
	want := "sudo -n journalctl --no-pager --output=short-iso-precise --unit=nomad.service '--since=2026-12-01 10:00' --follow"
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}
