package plan

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/nomadbox/nomadbox/internal/topology"
)

// Write prints the plan for a person: one line per thing up does, with
// the nodes it touches and what restarts.
func (p *Plan) Write(w io.Writer) {
	if p.Empty() {
		fmt.Fprintln(w, "Plan: no changes.")
	} else {
		fmt.Fprintf(w, "Plan: %d to create, %d to drain and remove, %d to reconfigure.\n", len(p.Create), len(p.Remove), len(p.Changes))
	}
	added, gone := "new machine", "destroy"
	if p.ExistingHosts {
		added, gone = "existing host: install the agents", "uninstall; the host keeps running"
	}
	if len(p.Create)+len(p.Start) > 0 && !p.ExistingHosts {
		fmt.Fprintf(w, "  machines: %s\n", p.Machines)
	}
	for _, n := range p.Create {
		fmt.Fprintf(w, "  + %s  (%s)\n", n, added)
	}
	for _, n := range p.Start {
		fmt.Fprintf(w, "  ~ %s  (not running: started, then provisioned)\n", n)
	}
	for _, n := range p.Remove {
		how := "drain, leave Consul, " + gone
		if n.Role == topology.RoleServer {
			how = "leave Raft and Consul, " + gone
		}
		fmt.Fprintf(w, "  - %s  (%s)\n", n.Name, how)
	}
	for _, c := range p.Changes {
		fmt.Fprintf(w, "  ~ %s  (agent configuration: %s; restarts %s)\n", c.Node, strings.Join(c.Settings, "; "), strings.Join(c.Restarts, " and "))
	}
	for _, e := range p.Edits {
		restart := "no restart"
		if len(e.Restarts) > 0 {
			restart = "restarts " + strings.Join(e.Restarts, " and ")
		}
		fmt.Fprintf(w, "  ~ %s on %s (%s)\n", e.What, nodeList(e.Nodes), restart)
	}
	if p.RollClients > 0 {
		fmt.Fprintf(w, "  ~ restarts roll in HashiCorp's upgrade order: Consul, then Nomad, each on the servers one at a time (back with a Raft leader before the next), then on the clients %d at a time\n", p.RollClients)
	}
	if p.ProvisionAll != "" {
		fmt.Fprintf(w, "  ~ every node is provisioned: %s (a service restarts only where its own files change)\n", p.ProvisionAll)
	}
	for _, n := range p.NotApplied {
		fmt.Fprintf(w, "  ! not applied: %s\n", n)
	}
	for _, n := range p.Unknown {
		fmt.Fprintf(w, "  ! %s: a machine of this cluster that is neither in the topology nor in the applied state (not touched)\n", n)
	}
	for _, why := range p.NeedsForce {
		fmt.Fprintf(w, "  ! needs --force: %s\n", why)
	}
	if len(p.Jobs) > 0 {
		fmt.Fprintf(w, "  = after verify, the job blocks are submitted: %s (Nomad keeps an unchanged job as it is)\n", strings.Join(p.Jobs, ", "))
	}
}

// nodeList says "3 nodes" for many, the names for one or two.
func nodeList(nodes []string) string {
	if len(nodes) <= 2 {
		return strings.Join(nodes, ", ")
	}
	return fmt.Sprintf("%d nodes", len(nodes))
}

// jsonPlan is the plan as `up --dry-run --json` prints it: every list
// present (empty, not null), plus the two answers a script asks.
type jsonPlan struct {
	Empty      bool      `json:"empty"`
	Provisions bool      `json:"provisions"`
	Remove     []removal `json:"remove"`
	*Plan
}

type removal struct {
	Name string        `json:"name"`
	Role topology.Role `json:"role"`
}

// WriteJSON prints the plan as one JSON object.
func (p *Plan) WriteJSON(w io.Writer) error {
	q := *p
	for _, l := range []*[]string{&q.Create, &q.Start, &q.NotApplied, &q.Unknown, &q.NeedsForce, &q.Jobs} {
		if *l == nil {
			*l = []string{}
		}
	}
	remove := []removal{}
	for _, n := range p.Remove {
		remove = append(remove, removal{Name: n.Name, Role: n.Role})
	}
	if q.Changes == nil {
		q.Changes = []Change{}
	}
	if q.Edits == nil {
		q.Edits = []Edit{}
	}
	for i := range q.Edits {
		if q.Edits[i].Restarts == nil {
			q.Edits[i].Restarts = []string{}
		}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false) // "1.6.0 -> 1.6.1", not "-\u003e"
	return enc.Encode(jsonPlan{Empty: p.Empty(), Provisions: p.Provisions(), Remove: remove, Plan: &q})
}
