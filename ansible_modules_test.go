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
	"time"

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

	// With problems the run fails with them and writes nothing, not even a
	// file that is missing.
	os.Remove(filepath.Join(dir, "sub/a.json"))
	refused := strings.Replace(play(files, ""), "      nomadbox_files:\n",
		"      nomadbox_files:\n          problems: [\"the first problem.\", \"The second.\"]\n", 1)
	if _, out, err := run(refused); err == nil || !strings.Contains(out, "the first problem. The second.") {
		t.Errorf("a run with problems did not fail with them: %v\n%s", err, out)
	}
	if _, err := os.Stat(filepath.Join(dir, "sub/a.json")); !os.IsNotExist(err) {
		t.Errorf("a run with problems wrote a file: %v", err)
	}
	if _, out, err := run(play(files, "")); err != nil {
		t.Fatalf("the run after the refused one: %v\n%s", err, out)
	}

	// A content its validation rejects fails the task and leaves the old file.
	bad := append(files, map[string]any{"path": dir + "/checked", "content_base64": b64("bad\n"), "validate": "grep -q good %s"})
	if _, out, err := run(play(bad, "")); err == nil || !strings.Contains(out, "fails `grep -q good %s`") {
		t.Errorf("a content that fails validation was accepted: %v\n%s", err, out)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "checked")); string(b) != "good\n" {
		t.Errorf("a rejected content replaced the file: %q", b)
	}

	// Check and diff mode after a hand edit: the diff names the edited file
	// and shows both contents, a secret file is named without its content,
	// and nothing is written.
	secret := append(files, map[string]any{"path": dir + "/secret", "content_base64": b64("token-after\n"), "secret": true})
	if _, out, err := run(play(secret, "")); err != nil {
		t.Fatalf("the run that writes the secret: %v\n%s", err, out)
	}
	os.WriteFile(filepath.Join(dir, "sub/a.json"), []byte("{\"a\": 2}\n"), 0o640)
	os.WriteFile(filepath.Join(dir, "secret"), []byte("token-before\n"), 0o644)
	_, out, err = runPlayArgs(dir, library, play(secret, ""), "--check", "--diff")
	if err != nil {
		t.Fatalf("--check --diff: %v\n%s", err, out)
	}
	for _, want := range []string{"--- before: " + dir + "/sub/a.json", "+++ after: " + dir + "/sub/a.json",
		`-{"a": 2}`, `+{"a": 1}`, "--- before: " + dir + "/secret", "the new content is not shown"} {
		if !strings.Contains(out, want) {
			t.Errorf("--check --diff does not show %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "token-before") || strings.Contains(out, "token-after") {
		t.Errorf("--check --diff shows a secret file's content:\n%s", out)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "sub/a.json")); string(b) != "{\"a\": 2}\n" {
		t.Errorf("--check wrote a.json: %q", b)
	}
}

// TestRealToolsProbeChecksumCache: a file whose size and mtime match its
// cache entry is not read again (a forged entry is believed, which shows
// the probe took it), one that changed is, and the cache then holds the
// new checksum; a file written in the last seconds is not cached.
func TestRealToolsProbeChecksumCache(t *testing.T) {
	testtools.Require(t, "ansible-playbook")
	dir := t.TempDir()
	library, err := filepath.Abs("ansible/library")
	if err != nil {
		t.Fatal(err)
	}
	bin, fresh, cache := filepath.Join(dir, "bin"), filepath.Join(dir, "fresh"), filepath.Join(dir, "lib", "checksums.json")
	write := func(path, content string, age time.Duration) string {
		os.WriteFile(path, []byte(content), 0o755)
		old := time.Now().Add(-age)
		os.Chtimes(path, old, old)
		sum := sha256.Sum256([]byte(content))
		return hex.EncodeToString(sum[:])
	}
	probe := func() map[string]any {
		t.Helper()
		rep, out, err := runPlay(dir, library, `- hosts: localhost
  gather_facts: false
  tasks:
    - name: probe
      nomadbox_facts:
        checksums: ["`+bin+`", "`+fresh+`", "`+dir+`/missing"]
        checksum_cache: "`+cache+`"
    - name: report
      ansible.builtin.copy:
        dest: "`+dir+`/report.json"
        content: "{{ nomadbox_node.checksums | to_json }}"
`)
		if err != nil {
			t.Fatalf("probe: %v\n%s", err, out)
		}
		return rep
	}
	entries := func() map[string]map[string]any {
		var got map[string]map[string]any
		b, _ := os.ReadFile(cache)
		json.Unmarshal(b, &got)
		return got
	}

	sum := write(bin, "consul v1\n", time.Hour)
	// Its mtime is a minute ahead: the probe caches only what is older
	// than 2 s, and ansible-playbook can take longer than that to start on
	// a loaded machine, which aged a file written just before.
	freshSum := write(fresh, "just written\n", -time.Minute)
	if got := probe(); got[bin] != sum || got[fresh] != freshSum || got[dir+"/missing"] != "" {
		t.Fatalf("first probe = %v", got)
	}
	e := entries()
	if e[bin]["sha256"] != sum {
		t.Fatalf("cache after the first probe = %v, want the entry of %s", e, bin)
	}
	if _, ok := e[fresh]; ok {
		t.Errorf("a file written in the last seconds was cached: %v", e[fresh])
	}

	// Same size and mtime: the entry is believed.
	e[bin]["sha256"] = "forged"
	b, _ := json.Marshal(e)
	os.WriteFile(cache, b, 0o644)
	if got := probe(); got[bin] != "forged" {
		t.Errorf("the probe read a file its cache entry matched: %v", got[bin])
	}

	// Changed content (and size): read again, and the cache follows.
	sum = write(bin, "consul v2 longer\n", time.Hour)
	if got := probe(); got[bin] != sum {
		t.Errorf("changed file: probe = %v, want %s", got[bin], sum)
	}
	if e := entries(); e[bin]["sha256"] != sum {
		t.Errorf("cache after the change = %v", e[bin])
	}
}

// runPlay runs a playbook on localhost with nomadbox's modules, in dir,
// and decodes the report.json in dir (nil if none).
func runPlay(dir, library, src string) (map[string]any, string, error) {
	return runPlayArgs(dir, library, src)
}

// runPlayArgs runs src with ansible-playbook's extra arguments args
// (--check, --diff) and the tree's library and module_utils.
func runPlayArgs(dir, library, src string, args ...string) (map[string]any, string, error) {
	p := filepath.Join(dir, "play.yml")
	os.WriteFile(p, []byte(src), 0o644)
	os.Remove(filepath.Join(dir, "report.json"))
	out, err := testtools.Output(dir, ansibleEnv(library, "ANSIBLE_NOCOLOR=1"),
		"ansible-playbook", append([]string{"-i", "localhost,", "-c", "local", p}, args...)...)
	var rep map[string]any
	if b, rerr := os.ReadFile(filepath.Join(dir, "report.json")); rerr == nil {
		json.Unmarshal(b, &rep)
	}
	return rep, out, err
}

// ansibleEnv is the environment that finds the tree's modules (library)
// and the code they share (module_utils beside it), plus extra.
func ansibleEnv(library string, extra ...string) []string {
	return append([]string{"ANSIBLE_LIBRARY=" + library,
		"ANSIBLE_MODULE_UTILS=" + filepath.Join(filepath.Dir(library), "module_utils")}, extra...)
}

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// TestRealToolsServicesRestartPaths: nomadbox_services restarts a unit
// when a path in its restart_paths changed, in the run's own file set or
// in an earlier run (changed_paths), and leaves a when_changed unit that
// needs no restart alone: not asked about, enabled or started. systemctl
// is a stand-in that records its calls and reports every unit enabled and
// active (the real one runs in the end-to-end tests).
func TestRealToolsServicesRestartPaths(t *testing.T) {
	testtools.Require(t, "ansible-playbook")
	dir := t.TempDir()
	library, err := filepath.Abs("ansible/library")
	if err != nil {
		t.Fatal(err)
	}
	bin := fakeSystemctl(dir)
	play := `- hosts: localhost
  gather_facts: false
  tasks:
    - nomadbox_services:
        fileset:
          files: [{path: "` + dir + `/a.conf", content_base64: "YQo="}]
        changed_paths: ["` + dir + `/c/c.conf"]
        units:
          - {name: a.service, restart_paths: ["` + dir + `/a.conf"]}
          - {name: b.service, restart_paths: ["` + dir + `/b"]}
          - {name: c.service, restart_paths: ["` + dir + `/c"]}
          - {name: d.service, restart_paths: ["` + dir + `/d"], when_changed: true}
          - {name: e.service, restart_paths: ["` + dir + `/a.conf"], when_changed: true}
`
	p := filepath.Join(dir, "play.yml")
	os.WriteFile(p, []byte(play), 0o644)
	run := func() string {
		os.Remove(filepath.Join(dir, "systemctl.log"))
		out, err := testtools.Output(dir, ansibleEnv(library, "ANSIBLE_NOCOLOR=1", "PATH="+bin+":"+os.Getenv("PATH")),
			"ansible-playbook", "-i", "localhost,", "-c", "local", p)
		if err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		log, _ := os.ReadFile(filepath.Join(dir, "systemctl.log"))
		return string(log)
	}
	first := run()
	for _, want := range []string{"restart a.service", "restart c.service", "restart e.service"} {
		if !strings.Contains(first, want+"\n") {
			t.Errorf("first run: no %q in the systemctl calls:\n%s", want, first)
		}
	}
	if strings.Contains(first, "restart b.service") || strings.Contains(first, "d.service") {
		t.Errorf("first run: b restarted or d handled:\n%s", first)
	}
	// a.conf is in place now: only c, by the earlier run's path, restarts.
	second := run()
	if got := strings.Count(second, "restart "); got != 1 || !strings.Contains(second, "restart c.service\n") || strings.Contains(second, "e.service") {
		t.Errorf("second run: want c alone restarted and e left alone:\n%s", second)
	}
}

// fakeSystemctl writes a systemctl into dir/bin that records each call
// in dir/systemctl.log and reports every unit enabled and active (one
// block per unit asked about, a blank line between, as systemctl show
// does); it returns the folder to put first on PATH.
func fakeSystemctl(dir string) string {
	bin := filepath.Join(dir, "bin")
	os.MkdirAll(bin, 0o755)
	os.WriteFile(filepath.Join(bin, "systemctl"), []byte(`#!/bin/sh
echo "$*" >> "`+dir+`/systemctl.log"
case "$1" in
show)
	sep=""
	for a; do
		case "$a" in show|--*) continue ;; esac
		[ -n "$sep" ] && echo
		printf 'UnitFileState=enabled\nActiveState=active\n'; sep=1
	done ;;
esac
exit 0
`), 0o755)
	return bin
}

// TestRealToolsModuleDocs: every module in ansible/library documents itself
// the way Ansible reads it: `ansible-doc` parses its DOCUMENTATION (every
// option described), EXAMPLES and RETURN. A description line with a bare
// "word: word" breaks the YAML and ansible-doc then shows nothing.
func TestRealToolsModuleDocs(t *testing.T) {
	testtools.Require(t, "ansible-playbook") // ansible-doc comes with it (ansible-core)
	library, err := filepath.Abs("ansible/library")
	if err != nil {
		t.Fatal(err)
	}
	modules, _ := filepath.Glob(filepath.Join(library, "*.py"))
	if len(modules) < 4 {
		t.Fatalf("found %d modules in %s, want at least 4", len(modules), library)
	}
	for _, m := range modules {
		name := strings.TrimSuffix(filepath.Base(m), ".py")
		out, err := testtools.Output("", ansibleEnv(library, "ANSIBLE_NOCOLOR=1"), "ansible-doc", "-M", library, name)
		if err != nil {
			t.Errorf("ansible-doc %s: %v\n%s", name, err, out)
			continue
		}
		for _, section := range []string{"OPTIONS", "EXAMPLES:", "RETURN VALUES:"} {
			if !strings.Contains(out, "\n"+section) {
				t.Errorf("ansible-doc %s shows no %s section:\n%s", name, section, out)
			}
		}
	}
}
