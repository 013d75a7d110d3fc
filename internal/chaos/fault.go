package chaos

import (
	"context"
	"fmt"
	"strings"
)

// fault is what a scenario does to the cluster and how it is undone.
type fault struct {
	inject func(ctx context.Context) error
	heal   func(ctx context.Context) error
}

// The partition's chains live in the nftables table nomadbox owns (the
// firewall role's), at a priority before its own input chain, so they
// drop the peers' packets whatever the firewall accepts. Reloading the
// firewall (provision) deletes the table and with it a partition.
const (
	table        = "inet nomadbox"
	partitionIn  = "chaos_partition_in"
	partitionOut = "chaos_partition_out"
)

func faultFor(s Scenario, c Cluster) (*fault, error) {
	run := func(cmd string) func(ctx context.Context) error {
		return func(ctx context.Context) error {
			_, err := c.Exec(ctx, s.Node, cmd)
			return err
		}
	}
	switch s.Name {
	case "stop-agent":
		return &fault{
			inject: run("sudo -n systemctl stop " + s.Agent + ".service"),
			heal:   run("sudo -n systemctl start " + s.Agent + ".service"),
		}, nil
	case "kill-leader":
		// SIGKILL: no graceful leave, the way a crashed machine goes.
		// systemd restarts the agent (Restart=on-failure); healing makes
		// sure it runs.
		return &fault{
			inject: run("sudo -n systemctl kill --signal=SIGKILL " + s.Agent + ".service"),
			heal:   run("sudo -n systemctl start " + s.Agent + ".service"),
		}, nil
	case "partition":
		peers, err := c.Peers(s.Node)
		if err != nil {
			return nil, err
		}
		if len(peers) == 0 {
			return nil, fmt.Errorf("%s has no peers to be cut off from", s.Node)
		}
		return &fault{inject: run(partitionScript(peers)), heal: run(healScript)}, nil
	case "halt":
		return &fault{
			inject: func(ctx context.Context) error { return c.Halt(ctx, s.Node) },
			heal:   func(ctx context.Context) error { return c.Start(ctx, s.Node) },
		}, nil
	}
	return nil, fmt.Errorf("unknown scenario %q", s.Name)
}

// partitionScript drops every packet from and to peers, both ways; this
// machine (SSH, the APIs) is not a peer and stays connected.
func partitionScript(peers []string) string {
	set := "{ " + strings.Join(peers, ", ") + " }"
	return strings.Join([]string{
		"set -e",
		"sudo -n nft add table " + table,
		fmt.Sprintf("sudo -n nft add chain %s %s '{ type filter hook input priority -10 ; policy accept ; }'", table, partitionIn),
		fmt.Sprintf("sudo -n nft add chain %s %s '{ type filter hook output priority -10 ; policy accept ; }'", table, partitionOut),
		fmt.Sprintf("sudo -n nft add rule %s %s ip saddr '%s' drop", table, partitionIn, set),
		fmt.Sprintf("sudo -n nft add rule %s %s ip daddr '%s' drop", table, partitionOut, set),
	}, "\n")
}

// healScript removes the partition's chains (flushed first: nft deletes
// only empty chains), and is a no-op where they are gone already.
var healScript = strings.Join([]string{
	"for c in " + partitionIn + " " + partitionOut + "; do",
	"  if sudo -n nft list chain " + table + " $c >/dev/null 2>&1; then",
	"    sudo -n nft flush chain " + table + " $c && sudo -n nft delete chain " + table + " $c || exit 1",
	"  fi",
	"done",
}, "\n")
