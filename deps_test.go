package nomadbox_test

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/nomadbox/nomadbox/internal/testtools"
)

// TestDepsListsEveryNeed keeps scripts/deps.sh, the tests' list of needs
// and docs/contributing.md in step: every package a test tier needs is
// one that deps.sh installs, and the contributors' guide names every
// package deps.sh installs.
// (test/setup proves on a bare system that the packages provide them.)
func TestDepsListsEveryNeed(t *testing.T) {
	out, err := exec.Command("bash", "scripts/deps.sh", "--list").Output()
	if err != nil {
		t.Fatalf("scripts/deps.sh --list: %v", err)
	}
	installs := map[string]bool{}
	for _, p := range strings.Fields(string(out)) {
		installs[p] = true
	}
	for _, n := range testtools.Needs {
		if !installs[n.Package] {
			t.Errorf("%s %s (%s) needs package %s, which scripts/deps.sh does not install", n.Kind, n.Name, n.Why, n.Package)
		}
	}
	guide, err := os.ReadFile("docs/contributing.md")
	if err != nil {
		t.Fatal(err)
	}
	for p := range installs {
		if !strings.Contains(string(guide), "`"+p+"`") {
			t.Errorf("docs/contributing.md does not name the package `%s` that scripts/deps.sh installs", p)
		}
	}
}
