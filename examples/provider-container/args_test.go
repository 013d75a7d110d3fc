package main

import (
	"slices"
	"strings"
	"testing"

	"github.com/nomadbox/nomadbox/provider"
)

func TestDockerRunGivesEachNodeWhatItNeeds(t *testing.T) {
	c := &provider.Cluster{Name: "demo", CIDR: "10.9.0.0/24", Config: map[string]any{"image": "my/node:1"}}
	server := provider.Node{Name: "s1", Role: "server", MemoryMiB: 512, CPUs: 1}
	plain := provider.Node{Name: "c1", Role: "client", MemoryMiB: 1024, CPUs: 2, Drivers: []string{"raw_exec"}}
	docker := provider.Node{Name: "c2", Role: "client", MemoryMiB: 1024, CPUs: 2, Drivers: []string{"raw_exec", "docker"}}
	old := provider.Node{Name: "c3", Role: "client", MemoryMiB: 1024, CPUs: 2} // from a nomadbox that sends no drivers
	for _, tc := range []struct {
		n          provider.Node
		want, not  []string
		image      string
		seccompOff bool
	}{
		{server, []string{"--memory 512m", "--cpus 1", "--hostname s1", "/sys/fs/cgroup:/sys/fs/cgroup:ro", "--cap-add NET_ADMIN"}, []string{"SYS_ADMIN"}, "my/node:1", false},
		{plain, []string{"--memory 1024m", "--cpus 2", "/sys/fs/cgroup:/sys/fs/cgroup:rw", "--cap-add SYS_ADMIN", "apparmor=unconfined"}, nil, "my/node:1", false},
		{docker, []string{"--cap-add SYS_ADMIN"}, nil, "my/node:1", true},
		{old, nil, nil, "my/node:1", true},
	} {
		args := dockerRun(c, tc.n, "10.9.0.5")
		line := strings.Join(args, " ")
		for _, w := range append(tc.want, "--ip 10.9.0.5", "--tmpfs /run", "--label nomadbox.node="+tc.n.Name) {
			if !strings.Contains(line, w) {
				t.Errorf("%s: docker %s\nlacks %q", tc.n.Name, line, w)
			}
		}
		for _, w := range tc.not {
			if strings.Contains(line, w) {
				t.Errorf("%s: docker %s\nhas %q", tc.n.Name, line, w)
			}
		}
		if got := strings.Contains(line, "seccomp=unconfined"); got != tc.seccompOff {
			t.Errorf("%s (drivers %v): seccomp unconfined %v, want %v", tc.n.Name, tc.n.Drivers, got, tc.seccompOff)
		}
		if args[len(args)-1] != tc.image {
			t.Errorf("%s: the image is %q, want %q last", tc.n.Name, args[len(args)-1], tc.image)
		}
	}
}

func TestChooseFreeSkipsTakenAddresses(t *testing.T) {
	c := &provider.Cluster{CIDR: "10.9.0.0/29"}
	nodes := []provider.Node{{Name: "a"}, {Name: "b"}, {Name: "c"}, {Name: "d"}}
	// b exists (stopped, say) at .3: its address stays taken.
	have := map[string]box{"b": {addr: "10.9.0.3"}}
	got, err := chooseFree(c, nodes, have)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"a": "10.9.0.2", "c": "10.9.0.4", "d": "10.9.0.5"}
	for n, a := range want {
		if got[n] != a {
			t.Errorf("%s at %s, want %s (all: %v)", n, got[n], a, got)
		}
	}
	if _, ok := got["b"]; ok {
		t.Errorf("b, which has a container, got an address: %v", got)
	}
	full := append(slices.Clone(nodes), provider.Node{Name: "e"}, provider.Node{Name: "f"}, provider.Node{Name: "g"})
	if _, err := chooseFree(c, full, have); err == nil || !strings.Contains(err.Error(), "no free address") {
		t.Errorf("7 nodes in a /29: err = %v, want no free address", err)
	}
}
