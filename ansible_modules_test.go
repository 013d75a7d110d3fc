//go:build toolcheck

package nomadbox_test

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/user"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/nomadbox/nomadbox/internal/testtools"
)

// TestRealToolsModules runs nomadbox's own Ansible modules (ansible/library)
// through the real ansible-playbook on this machine, in a temporary folder:
// the file set is written once and then reported unchanged, a file marked
// absent goes, force: false keeps a file, a managed block is added once, a
// content that fails its validation never replaces the old file, and the
// probe reports what the roles rely on.
func TestRealToolsModules(t *testing.T) {
	testtools.Require(t, "ansible-playbook")
	dir := t.TempDir()
	u, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	g, err := user.LookupGroupId(u.Gid)
	if err != nil {
		t.Fatal(err)
	}
	library, err := filepath.Abs("ansible/library")
	if err != nil {
		t.Fatal(err)
	}
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	os.WriteFile(filepath.Join(dir, "gone"), []byte("x\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "keep"), []byte("old\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "hosts"), []byte("127.0.0.1 localhost\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "checked"), []byte("good\n"), 0o644)

	// The JSON content would become data (and be written as a Python
	// repr) if it went through templating as text; base64 keeps it.
	files := []map[string]any{
		{"path": dir + "/sub/a.json", "content_base64": b64("{\"a\": 1}\n"), "mode": "0640", "owner": u.Username, "group": g.Name},
		{"path": dir + "/gone", "state": "absent"},
		{"path": dir + "/keep", "force": false, "content_base64": b64("new\n")},
	}
	play := func(files []map[string]any, extra string) string {
		fb, _ := json.Marshal(files)
		return `- hosts: localhost
  gather_facts: false
  tasks:
    - name: probe
      nomadbox_facts:
        paths: ["` + dir + `/keep", "` + dir + `/missing"]
        checksums: ["` + dir + `/keep"]
        packages: [dpkg, nomadbox-no-such-package]
    - name: files
      nomadbox_files:
        directories: [{path: "` + dir + `/sub", owner: "` + u.Username + `", group: "` + g.Name + `", mode: "0750"}]
        files: ` + string(fb) + `
        blocks: [{path: "` + dir + `/hosts", marker: "# {mark} test", block: "10.0.0.1 n1\n"}]
      register: written
    - name: report
      ansible.builtin.copy:
        dest: "` + dir + `/report.json"
        content: "{{ {'changed': written.changed_paths, 'node': nomadbox_node} | to_json }}"
` + extra
	}
	run := func(src string) (map[string]any, string, error) { return runPlay(dir, library, src) }

	rep, out, err := run(play(files, ""))
	if err != nil {
		t.Fatalf("first run: %v\n%s", err, out)
	}
	changed := strings.Fields(strings.Trim(strings.ReplaceAll(jsonText(rep["changed"]), ",", " "), "[]"))
	for _, want := range []string{dir + "/sub", dir + "/sub/a.json", dir + "/gone", dir + "/hosts"} {
		if !slices.Contains(changed, `"`+want+`"`) {
			t.Errorf("first run: %s not among the changed paths %v", want, changed)
		}
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "sub/a.json")); string(b) != "{\"a\": 1}\n" {
		t.Errorf("a.json = %q", b)
	}
	if fi, err := os.Stat(filepath.Join(dir, "sub/a.json")); err != nil || fi.Mode().Perm() != 0o640 {
		t.Errorf("a.json mode: %v %v", fi.Mode(), err)
	}
	if _, err := os.Stat(filepath.Join(dir, "gone")); !os.IsNotExist(err) {
		t.Error("the absent file is still there")
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "keep")); string(b) != "old\n" {
		t.Errorf("force: false replaced keep: %q", b)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "hosts")); string(b) != "127.0.0.1 localhost\n# BEGIN test\n10.0.0.1 n1\n# END test\n" {
		t.Errorf("hosts = %q", b)
	}
	node, _ := rep["node"].(map[string]any)
	if existing := jsonText(node["existing"]); !strings.Contains(existing, dir+"/keep") || strings.Contains(existing, dir+"/missing") {
		t.Errorf("probe existing = %s", existing)
	}
	// Only the packages asked about, and of those only the installed.
	if p := jsonText(node["packages"]); p != `["dpkg"]` {
		t.Errorf("probe packages = %s, want [\"dpkg\"]", p)
	}
	sum := sha256.Sum256([]byte("old\n"))
	if sums, _ := node["checksums"].(map[string]any); sums[dir+"/keep"] != hex.EncodeToString(sum[:]) {
		t.Errorf("probe checksums = %v, want %x for keep", sums, sum)
	}

	rep, out, err = run(play(files, ""))
	if err != nil {
		t.Fatalf("second run: %v\n%s", err, out)
	}
	if c := jsonText(rep["changed"]); c != "[]" {
		t.Errorf("second run changed %s, want nothing", c)
	}

	// A content its validation rejects fails the task and leaves the old file.
	bad := append(files, map[string]any{"path": dir + "/checked", "content_base64": b64("bad\n"), "validate": "grep -q good %s"})
	if _, out, err := run(play(bad, "")); err == nil || !strings.Contains(out, "fails `grep -q good %s`") {
		t.Errorf("a content that fails validation was accepted: %v\n%s", err, out)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "checked")); string(b) != "good\n" {
		t.Errorf("a rejected content replaced the file: %q", b)
	}
}

// runPlay runs a playbook on localhost with nomadbox's modules, in dir,
// and decodes the report.json in dir (nil if none).
func runPlay(dir, library, src string) (map[string]any, string, error) {
	p := filepath.Join(dir, "play.yml")
	os.WriteFile(p, []byte(src), 0o644)
	out, err := testtools.Output(dir, []string{"ANSIBLE_LIBRARY=" + library, "ANSIBLE_NOCOLOR=1"},
		"ansible-playbook", "-i", "localhost,", "-c", "local", p)
	var rep map[string]any
	if b, rerr := os.ReadFile(filepath.Join(dir, "report.json")); rerr == nil {
		json.Unmarshal(b, &rep)
	}
	return rep, out, err
}

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
