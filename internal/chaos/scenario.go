// Package chaos runs failure drills on a cluster: it injects one fault
// (an agent stopped, a leader killed, a node cut off from its peers, a
// machine halted), heals it after a while or on Ctrl-C, and lets verify
// judge how long the cluster took to notice and to become healthy
// again, and what moved meanwhile.
package chaos

import (
	"fmt"
	"strings"
)

// Scenario is one drill, parsed from the command line.
type Scenario struct {
	Name  string // stop-agent, kill-leader, partition, halt
	Node  string // the node the fault hits (kill-leader: found at start)
	Agent string // consul or nomad (stop-agent, kill-leader)
}

// Names are the scenarios, with the arguments each takes.
var Names = []string{"stop-agent NODE nomad|consul", "kill-leader nomad|consul", "partition NODE", "halt NODE"}

func (s Scenario) String() string {
	return strings.Join(strings.Fields(s.Name+" "+s.Node+" "+s.Agent), " ")
}

// Parse reads SCENARIO ARGS...
func Parse(args []string) (Scenario, error) {
	if len(args) == 0 {
		return Scenario{}, fmt.Errorf("name a scenario: %s", strings.Join(Names, "; "))
	}
	s := Scenario{Name: args[0]}
	rest := args[1:]
	want := func(n int, usage string) error {
		if len(rest) != n {
			return fmt.Errorf("%s takes %s, got %q", s.Name, usage, rest)
		}
		return nil
	}
	agent := func(a string) error {
		if a != "nomad" && a != "consul" {
			return fmt.Errorf("%s: the agent is nomad or consul, not %q", s.Name, a)
		}
		s.Agent = a
		return nil
	}
	switch s.Name {
	case "stop-agent":
		if err := want(2, "NODE nomad|consul"); err != nil {
			return s, err
		}
		s.Node = rest[0]
		return s, agent(rest[1])
	case "kill-leader":
		if err := want(1, "nomad|consul"); err != nil {
			return s, err
		}
		return s, agent(rest[0])
	case "partition", "halt":
		if err := want(1, "NODE"); err != nil {
			return s, err
		}
		s.Node = rest[0]
		return s, nil
	}
	return s, fmt.Errorf("unknown scenario %q: use one of %s", s.Name, strings.Join(Names, "; "))
}
