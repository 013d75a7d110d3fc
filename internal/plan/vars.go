package plan

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/nomadbox/nomadbox/generator"
	"github.com/nomadbox/nomadbox/internal/topology"
)

// A variable of the rendered inventory (group_vars/all.yml, a node's
// host_vars) and what a change of it does on the nodes.
type varEffect struct {
	// what says what is done, given the old and the new value; nil for a
	// variable whose effect another line of the plan already names (the
	// agent configurations, the firewall, DNS and security lines, the
	// machines created or removed).
	what func(old, new string) string
	// restarts are the services that restart for it.
	restarts []string
	// clientsWith limits it to the clients with this driver.
	clientsWith string
}

var shown = varEffect{}

var varEffects = map[string]varEffect{
	// In the agent configurations (configChanges).
	"nomadbox_cluster": shown, "nomadbox_datacenter": shown, "nomadbox_region": shown,
	"nomadbox_server_addresses": shown, "nomadbox_config_dir": shown, "nomadbox_secrets_dir": shown,
	// The firewall, DNS and security lines (hostEdits).
	"nomadbox_firewall_enabled": shown, "nomadbox_firewall_extra_ports": shown,
	"nomadbox_firewall_api_sources": shown, "nomadbox_dns_forwarder": shown,
	"nomadbox_firewall_peers": {what: func(o, n string) string {
		return "firewall: the cluster's peer addresses " + o + " -> " + n
	}},
	"nomadbox_gossip_encryption": shown, "nomadbox_tls": shown, "nomadbox_acl": shown,
	"nomadbox_consul_dns_token": shown,

	// A binary's path on this machine reaches no node: its checksum does
	// (the roles copy a binary whose checksum differs).
	"nomadbox_consul_binary": shown, "nomadbox_nomad_binary": shown,

	"nomadbox_install_method": {what: func(o, n string) string {
		return fmt.Sprintf("install method %s -> %s: Consul and Nomad installed the new way", o, n)
	}, restarts: []string{"consul", "nomad"}},
	"nomadbox_consul_version": {what: func(o, n string) string {
		return fmt.Sprintf("consul %s -> %s: binary replaced", o, n)
	}, restarts: []string{"consul"}},
	"nomadbox_nomad_version": {what: func(o, n string) string {
		return fmt.Sprintf("nomad %s -> %s: binary replaced", o, n)
	}, restarts: []string{"nomad"}},
	"nomadbox_consul_binary_sha256": {what: func(o, n string) string {
		return fmt.Sprintf("consul binary replaced (sha256 %s -> %s)", short(o), short(n))
	}, restarts: []string{"consul"}},
	"nomadbox_nomad_binary_sha256": {what: func(o, n string) string {
		return fmt.Sprintf("nomad binary replaced (sha256 %s -> %s)", short(o), short(n))
	}, restarts: []string{"nomad"}},
	"nomadbox_docker_package": {what: func(o, n string) string {
		return fmt.Sprintf("docker package %s -> %s: installed", o, n)
	}, restarts: []string{"docker"}, clientsWith: "docker"},
	"nomadbox_canary_image": {what: func(o, n string) string {
		return fmt.Sprintf("canary image %s -> %s: imported", o, n)
	}, clientsWith: "docker"},
	// host_vars.
	"nomadbox_drivers": {what: func(o, n string) string {
		return fmt.Sprintf("drivers %s -> %s", o, n)
	}},
	"nomadbox_private_ip": {what: func(o, n string) string {
		return fmt.Sprintf("private address %s -> %s", o, n)
	}, restarts: []string{"consul", "nomad"}},
}

// varEdits names the variables of the rendered inventory that differ
// between the applied render and the new one (of t), on the kept nodes, one
// line per variable and value. membership: nodes are created or removed,
// which changes every node's list of the cluster's nodes (/etc/hosts).
func varEdits(t *topology.Topology, nodes []string, old, cur generator.Files, membership bool) []Edit {
	var out []Edit
	add := func(what string, nodes []string, restarts []string) {
		if len(nodes) > 0 {
			out = append(out, Edit{What: what, Nodes: nodes, Restarts: restarts})
		}
	}
	oldAll, curAll := vars(old["ansible/group_vars/all.yml"]), vars(cur["ansible/group_vars/all.yml"])
	changed := changedKeys(oldAll, curAll)
	for _, k := range changed {
		e, known := varEffects[k]
		if known && e.what == nil || subsumed(k, changed) {
			continue
		}
		targets := nodes
		if e.clientsWith != "" {
			targets = withDriver(nodes, t, e.clientsWith)
		}
		what := fmt.Sprintf("group_vars/all.yml: %s %s -> %s", k, oldAll[k], curAll[k])
		if known {
			what = e.what(oldAll[k], curAll[k])
		}
		add(what, targets, e.restarts)
	}
	// Per node; the same change on several nodes is one line.
	type key struct{ what, restarts string }
	byChange := map[key][]string{}
	var order []key
	for _, n := range nodes {
		file := "ansible/host_vars/" + n + ".yml"
		o, c := vars(old[file]), vars(cur[file])
		for _, k := range changedKeys(o, c) {
			e, known := varEffects[k]
			if known && e.what == nil {
				continue
			}
			what := fmt.Sprintf("host_vars: %s %s -> %s", k, o[k], c[k])
			if known {
				what = e.what(o[k], c[k])
			}
			kk := key{what, strings.Join(e.restarts, ",")}
			if byChange[kk] == nil {
				order = append(order, kk)
			}
			byChange[kk] = append(byChange[kk], n)
		}
	}
	for _, k := range order {
		var restarts []string
		if k.restarts != "" {
			restarts = strings.Split(k.restarts, ",")
		}
		add(k.what, byChange[k], restarts)
	}
	if membership || string(old["ansible/inventory.yml"]) != string(cur["ansible/inventory.yml"]) {
		add("/etc/hosts: the cluster's node list", nodes, nil)
	}
	return out
}

// subsumed: a new version's line already says the binary is replaced,
// so the checksum that comes with it gets no line.
func subsumed(key string, changed []string) bool {
	for _, agent := range []string{"consul", "nomad"} {
		if key == "nomadbox_"+agent+"_binary_sha256" &&
			slices.Contains(changed, "nomadbox_"+agent+"_version") {
			return true
		}
	}
	return false
}

// vars decodes a rendered variables file into each top-level variable's
// value as flow-style YAML text ("[docker, raw_exec]").
func vars(src []byte) map[string]string {
	out := map[string]string{}
	var m map[string]yaml.Node
	if err := yaml.Unmarshal(src, &m); err != nil {
		if len(src) > 0 {
			out["(unreadable)"] = string(src)
		}
		return out
	}
	for k, v := range m {
		out[k] = flow(&v)
	}
	return out
}

func flow(n *yaml.Node) string {
	setFlow(n)
	b, err := yaml.Marshal(n)
	if err != nil {
		return n.Value
	}
	s := strings.TrimSpace(string(b))
	if s == `""` || s == "''" {
		return `""`
	}
	return s
}

func setFlow(n *yaml.Node) {
	if n.Kind == yaml.SequenceNode || n.Kind == yaml.MappingNode {
		n.Style = yaml.FlowStyle
	}
	for _, c := range n.Content {
		setFlow(c)
	}
}

func changedKeys(a, b map[string]string) []string {
	var out []string
	for k, v := range b {
		if w, ok := a[k]; !ok || w != v {
			out = append(out, k)
		}
	}
	for k := range a {
		if _, ok := b[k]; !ok {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// withDriver keeps the nodes of t whose group runs the driver.
func withDriver(nodes []string, t *topology.Topology, driver string) []string {
	var out []string
	for _, n := range t.Nodes() {
		if slices.Contains(nodes, n.Name) && n.Group.HasDriver(driver) {
			out = append(out, n.Name)
		}
	}
	return out
}

func short(sum string) string {
	if len(sum) > 12 {
		return sum[:12]
	}
	if sum == "" || sum == `""` {
		return "none"
	}
	return sum
}
