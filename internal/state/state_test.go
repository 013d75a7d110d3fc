package state

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/nomadbox/nomadbox/generator"
	"github.com/nomadbox/nomadbox/internal/providers"
	"github.com/nomadbox/nomadbox/internal/providers/libvirt"
)

const src = "cluster \"c\" {}\nprovider \"docker\" {}\nserver \"nomad-server\" {}\nclient \"nomad-client\" {}\n"

func TestSaveLoad(t *testing.T) {
	dir := t.TempDir()
	if a, err := Load(dir); a != nil || err != nil {
		t.Fatalf("nothing applied: got %+v, %v", a, err)
	}
	tp, diags := providers.NewParser().Parse([]byte(src), "t.hcl")
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	files := generator.Files{
		"ansible/group_vars/all.yml":  []byte("a: 1\n"),
		"ansible/roles/x/tasks/a.yml": []byte("- x\n"),
		"ansible/site.yml":            []byte("---\n"),
	}
	a := Snapshot(tp, files)
	if len(a.Generated) != 1 || a.Roles == "" || a.Roles != RolesDigest(files) {
		t.Fatalf("snapshot %+v", a)
	}
	if err := Begin(dir); err != nil {
		t.Fatal(err)
	}
	if err := a.Save(dir, []byte(src)); err != nil {
		t.Fatal(err)
	}
	got, err := Load(dir)
	if err != nil || got == nil || got.Pending || got.Topology == nil || string(got.Generated["ansible/group_vars/all.yml"]) != "a: 1\n" || got.Roles != a.Roles {
		t.Fatalf("loaded %+v, %v", got, err)
	}
	// A provision that starts and does not finish leaves the state pending.
	Begin(dir)
	if got, _ := Load(dir); !got.Pending {
		t.Error("a provision that did not finish is not pending")
	}
}

// A cluster applied by an earlier nomadbox has only the topology: the
// state then has no render, and the plan provisions every node.
func TestLegacyTopologyOnly(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, topologyFile), []byte(src), 0o644)
	got, err := Load(dir)
	if err != nil || got == nil || got.Topology == nil || got.Generated != nil {
		t.Fatalf("loaded %+v, %v", got, err)
	}
}

func TestUnreadableState(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, topologyFile), []byte(src), 0o644)
	os.WriteFile(filepath.Join(dir, File), []byte("{"), 0o644)
	if _, err := Load(dir); err == nil {
		t.Error("a broken applied.json loads")
	}
}

// With install method "local" and no versions block, the versions came
// from the binaries when the state was saved; the applied topology keeps
// them, not the defaults its source would decode to, so a plan does not
// see a change (a "downgrade") that never happened.
func TestAppliedVersionsAreRecorded(t *testing.T) {
	dir := t.TempDir()
	tp, diags := providers.NewParser().Parse([]byte(src), "t.hcl")
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	tp.Versions.Consul, tp.Versions.Nomad = "1.13.9", "1.6.1" // as the binaries said
	if err := Snapshot(tp, generator.Files{}).Save(dir, []byte(src)); err != nil {
		t.Fatal(err)
	}
	got, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if v := got.Topology.Versions; v.Consul != "1.13.9" || v.Nomad != "1.6.1" {
		t.Errorf("applied versions %s / %s, want the recorded 1.13.9 / 1.6.1", v.Consul, v.Nomad)
	}
}

// TestAppliedDriverIsRecorded: a libvirt topology without a driver
// attribute ran under the driver a probe chose (qemu here); the applied
// state says so, not the parser's default, or the next plan would report
// a driver change that never happened.
func TestAppliedDriverIsRecorded(t *testing.T) {
	dir := t.TempDir()
	lv := "cluster \"c\" {}\nprovider \"libvirt\" {}\nserver \"s\" { count = 1 }\nclient \"c\" { count = 1 }\n"
	tp, diags := providers.NewParser().Parse([]byte(lv), "t.hcl")
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	tp.Provider = tp.Provider.WithConfig("driver", "qemu") // as the probe said
	if err := Snapshot(tp, generator.Files{}).Save(dir, []byte(lv)); err != nil {
		t.Fatal(err)
	}
	got, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if d := libvirt.ConfigOf(got.Topology.Provider.Config).Driver; d != "qemu" {
		t.Errorf("applied driver %q, want the recorded qemu", d)
	}
}
