// Package journal knows which systemd units nomadbox installs on a node
// and builds the journalctl command that reads them there: the one
// source for `nomadbox logs` and for the journals in `export logs`.
package journal

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/nomadbox/nomadbox/internal/execx"
	"github.com/nomadbox/nomadbox/internal/topology"
)

// Unit is a service nomadbox installed: Name is what users type
// (--unit firewall), Systemd the unit it stands for.
type Unit struct {
	Name    string
	Systemd string
}

// Names are every unit name `--unit` accepts, in the order the units
// start.
var Names = []string{"firewall", "dnsmasq", "docker", "consul", "nomad"}

// Units lists the units nomadbox installed on n, in start order: the
// firewall and the DNS forwarder where the topology enables them, Docker
// on clients with the docker driver, then Consul and Nomad everywhere.
func Units(t *topology.Topology, n topology.Node) []Unit {
	var us []Unit
	if t.Firewall.Enabled {
		us = append(us, Unit{"firewall", "nomadbox-firewall.service"})
	}
	switch t.DNS.Forwarder {
	case "dnsmasq":
		us = append(us, Unit{"dnsmasq", "dnsmasq.service"})
	case "systemd-resolved":
		us = append(us, Unit{"dnsmasq", "systemd-resolved.service"})
	}
	if n.Role == topology.RoleClient && n.Group.HasDriver("docker") {
		us = append(us, Unit{"docker", "docker.service"})
	}
	return append(us, Unit{"consul", "consul.service"}, Unit{"nomad", "nomad.service"})
}

// Select returns the units of n named in names (all of them when names
// is empty), or an error that says which names n has.
func Select(t *topology.Topology, n topology.Node, names []string) ([]Unit, error) {
	all := Units(t, n)
	if len(names) == 0 {
		return all, nil
	}
	var out []Unit
	for _, name := range names {
		found := false
		for _, u := range all {
			if u.Name == name {
				out, found = append(out, u), true
			}
		}
		if !found {
			var have []string
			for _, u := range all {
				have = append(have, u.Name)
			}
			if !slices.Contains(Names, name) {
				return nil, fmt.Errorf("unknown unit %q: use one of %s", name, strings.Join(Names, ", "))
			}
			return nil, fmt.Errorf("nomadbox installs no %s unit on %s (the topology does not enable it there); its units are %s",
				name, n.Name, strings.Join(have, ", "))
		}
	}
	return out, nil
}

// timestamp is what journalctl itself takes after --since besides a
// relative time: "2026-12-01", "2026-12-01 10:00" or "... 10:00:05".
var timestamp = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}( \d{2}:\d{2}(:\d{2})?)?$`)

// Since turns --since into journalctl's argument: a Go duration ("5m",
// "1h30m") means that long ago, a date or date and time is passed on as
// it is (the node's local time, as journalctl reads it).
func Since(s string) (string, error) {
	if s == "" {
		return "", nil
	}
	if d, err := time.ParseDuration(s); err == nil {
		if d <= 0 {
			return "", fmt.Errorf("--since %q: give a positive duration such as 5m or 2h", s)
		}
		// systemd.time(7): a time span prefixed with "-" is that long
		// before now.
		return fmt.Sprintf("-%ds", int64(d.Round(time.Second)/time.Second)), nil
	}
	if timestamp.MatchString(s) {
		return s, nil
	}
	return "", fmt.Errorf("--since %q: give a duration (5m, 2h) or a date and time (2026-12-01 10:00)", s)
}

// Command is the remote shell command that prints the journal of units,
// since (from Since; "" for everything), following it when follow is
// set. Short ISO timestamps with microseconds, so lines from several
// nodes sort into one timeline.
func Command(units []Unit, since string, follow bool) string {
	args := []string{"sudo", "-n", "journalctl", "--no-pager", "--output=short-iso-precise"}
	for _, u := range units {
		args = append(args, "--unit="+u.Systemd)
	}
	if since != "" {
		args = append(args, "--since="+since)
	}
	if follow {
		args = append(args, "--follow")
	}
	return execx.Quote(args)
}
