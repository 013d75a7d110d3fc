package plan

import (
	"fmt"

	goversion "github.com/hashicorp/go-version"

	"github.com/nomadbox/nomadbox/internal/topology"
)

// release describes how far one upgrade of an agent may jump, in release
// lines (minor versions: Consul calls 1.13 -> 1.14 a major upgrade, Nomad
// a point release), as the agent's upgrade guide allows.
type release struct {
	agent string
	// maxJump is the most release lines one upgrade may cross.
	maxJump int
	// lastMinor is the last release line of each finished series
	// (Nomad 1.11 is followed by 2.0): lines are counted across series.
	lastMinor map[int]int
	guide     string
}

var releases = []release{
	{
		agent: "consul",
		// developer.hashicorp.com/consul/docs/upgrade/instructions,
		// "General upgrade path": each upgrade should jump at most 2
		// major versions (1.12 -> 1.14, not 1.12 -> 1.15).
		maxJump:   2,
		lastMinor: map[int]int{0: 9, 1: 22},
		guide:     "developer.hashicorp.com/consul/docs/upgrade/instructions",
	},
	{
		agent: "nomad",
		// Nomad's upgrade guide (website/content/docs/upgrade/index.mdx):
		// Nomad is backward compatible for at least 1 point release;
		// upgrading 2 point releases is untested and unsupported.
		maxJump:   1,
		lastMinor: map[int]int{0: 12, 1: 11},
		guide:     "developer.hashicorp.com/nomad/docs/upgrade",
	},
}

// versionJumps lists the version edits that need --force: a downgrade
// (the upgrade guides describe only upgrades, and a server's Raft and
// state store written by a newer release may not be readable by an
// older one) and an upgrade that crosses more release lines than the
// guide allows.
func versionJumps(prev, cur *topology.Topology) []string {
	if prev == nil {
		return nil
	}
	var why []string
	for _, r := range releases {
		was, now := prev.Versions.Consul, cur.Versions.Consul
		if r.agent == "nomad" {
			was, now = prev.Versions.Nomad, cur.Versions.Nomad
		}
		if msg := r.check(was, now); msg != "" {
			why = append(why, msg)
		}
	}
	return why
}

// check returns why the upgrade was -> now needs --force, or "".
func (r release) check(was, now string) string {
	w, err1 := goversion.NewVersion(was)
	n, err2 := goversion.NewVersion(now)
	if err1 != nil || err2 != nil {
		return "" // validation refuses versions that do not parse
	}
	if n.LessThan(w) {
		return fmt.Sprintf("%s %s -> %s is a downgrade: the upgrade guides describe only upgrades, and data a newer release wrote may not load in an older one", r.agent, was, now)
	}
	if !n.GreaterThan(w) {
		return ""
	}
	from, ok1 := r.line(w)
	to, ok2 := r.line(n)
	if w.Segments()[0] == n.Segments()[0] {
		// Within one series the lines are its minor versions, known or not.
		from, to, ok1, ok2 = w.Segments()[1], n.Segments()[1], true, true
	}
	switch {
	case !ok1 || !ok2:
		return fmt.Sprintf("%s %s -> %s crosses into a release series nomadbox has no table of release lines for: check %s, then upgrade with --force", r.agent, was, now, r.guide)
	case to-from > r.maxJump:
		return fmt.Sprintf("%s %s -> %s crosses %d release lines, and its upgrade guide allows at most %d per upgrade (%s): upgrade through the releases in between, one up at a time", r.agent, was, now, to-from, r.maxJump, r.guide)
	}
	return ""
}

// line numbers v's release line across series: with 1.x ending at 1.11,
// 2.0 is the line after 1.11. A series after the last finished one is
// counted from it; one further on is unknown.
func (r release) line(v *goversion.Version) (int, bool) {
	seg := v.Segments()
	major, minor := seg[0], seg[1]
	n := 0
	for m := 0; m < major; m++ {
		last, ok := r.lastMinor[m]
		if !ok {
			return 0, false
		}
		n += last + 1
	}
	return n + minor, true
}
