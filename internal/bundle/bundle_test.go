package bundle

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nomadbox/nomadbox/internal/journal"
	"github.com/nomadbox/nomadbox/internal/testtools"
)

const (
	token     = "6f1f2a3b-0000-4c4c-9d9d-0123456789ab"
	gossipKey = "c2VjcmV0LWdvc3NpcC1rZXktMzItYnl0ZXMhISE="
	otherTok  = "an-operators-own-token-value"
)

func TestRedact(t *testing.T) {
	r := NewRedactor([]string{token, gossipKey, "short"})
	in := "acl { tokens { agent = \"" + token + "\" } }\n" +
		"encrypt = \"" + gossipKey + "\"\n" +
		"default = \"" + otherTok + "\"\n" +
		`{"SecretID": "` + otherTok + `", "AccessorID": "keep-this-accessor"}` + "\n" +
		"CONSUL_HTTP_TOKEN=" + otherTok + "\n" +
		"-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIB\n-----END EC PRIVATE KEY-----\n" +
		"short words stay; acl_token_ttl = \"30s\"\n"
	out := string(r.Redact([]byte(in)))
	for _, secret := range []string{token, gossipKey, "MHcCAQEEIB"} {
		if strings.Contains(out, secret) {
			t.Errorf("%q survived:\n%s", secret, out)
		}
	}
	if strings.Count(out, otherTok) != 1 { // only `default = ...`, which is not shaped like a secret
		t.Errorf("secret-shaped settings not redacted:\n%s", out)
	}
	for _, keep := range []string{"keep-this-accessor", "short words stay", `acl_token_ttl = "30s"`} {
		if !strings.Contains(out, keep) {
			t.Errorf("%q was redacted:\n%s", keep, out)
		}
	}
}

type fakeCollector map[string]map[string]string // node -> files, nil: unreachable

func (f fakeCollector) Collect(_ context.Context, node string, script io.Reader) ([]byte, error) {
	b, _ := io.ReadAll(script)
	if !strings.Contains(string(b), "export NOMAD_TOKEN="+token) {
		return nil, errors.New("the script lacks the token")
	}
	files := f[node]
	if files == nil {
		return nil, errors.New("exit status 255\nssh: connect to host 10.0.0.3 port 22: No route to host")
	}
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for name, body := range files {
		tw.WriteHeader(&tar.Header{Name: "./" + name, Mode: 0o600, Size: int64(len(body)), Typeflag: tar.TypeReg})
		tw.Write([]byte(body))
	}
	tw.Close()
	gz.Close()
	return buf.Bytes(), nil
}

func TestExportCollectsRedactsAndListsTheUnreachable(t *testing.T) {
	dir := t.TempDir()
	logPath := filepath.Join(dir, "nomadbox.log")
	os.WriteFile(logPath, []byte("$ ssh ... token "+token+"\n"), 0o600)
	res, err := Export(context.Background(), Options{
		Cluster: "lab", Version: "v0.0.0-test", Dir: filepath.Join(dir, "out"),
		Nodes: []Node{{Name: "nomad-server1"}, {Name: "nomad-client1"}},
		Collector: fakeCollector{"nomad-server1": {
			"journal/nomad.log":               "nomad: cluster leadership acquired\n",
			"config/etc/consul.d/encrypt.hcl": `encrypt = "` + gossipKey + `"`,
		}},
		Env:     map[string]string{"NOMAD_TOKEN": token},
		Secrets: []string{token, gossipKey},
		Local: []LocalFile{
			{Name: "nomadbox.log", Path: logPath},
			{Name: "last-plan.txt", Path: filepath.Join(dir, "nope"), Missing: "no plan yet"},
		},
		Now: func() time.Time { return time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC) },
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(dir, "out", "nomadbox-lab-20261201T100000Z.tar.gz"); res.Path != want {
		t.Errorf("path %s, want %s", res.Path, want)
	}
	if u := res.Unreachable(); len(u) != 1 || u[0] != "nomad-client1" || !strings.Contains(res.Nodes[1].Error, "No route to host") {
		t.Errorf("unreachable %v, %+v", u, res.Nodes)
	}
	files := testtools.ReadTarGz(t, res.Path)
	root := "nomadbox-lab-20261201T100000Z/"
	for _, name := range []string{"index.txt", "nodes/nomad-server1/journal/nomad.log", "nodes/nomad-server1/config/etc/consul.d/encrypt.hcl", "nomadbox/nomadbox.log"} {
		if _, ok := files[root+name]; !ok {
			t.Errorf("archive lacks %s; has %v", name, files)
		}
	}
	for name, body := range files {
		for _, secret := range []string{token, gossipKey} {
			if strings.Contains(body, secret) {
				t.Errorf("%s holds a secret:\n%s", name, body)
			}
		}
	}
	idx := files[root+"index.txt"]
	for _, want := range []string{"nomad-server1        collected (2 files)", "nomad-client1        UNREACHABLE: exit status 255: ssh: connect to host 10.0.0.3 port 22: No route to host", "nomadbox/last-plan.txt: no plan yet"} {
		if !strings.Contains(idx, want) {
			t.Errorf("index lacks %q:\n%s", want, idx)
		}
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "out", ".export-*")); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

// The script is valid bash, and its only standard output is the tar:
// run with stand-ins for every program it calls, it prints a gzip
// stream holding the journals, the commands' outputs and the files.
func TestScriptPrintsOnlyTheArchive(t *testing.T) {
	bin := t.TempDir()
	for _, prog := range []string{"journalctl", "systemctl", "consul", "nomad", "nft", "ip"} {
		os.WriteFile(filepath.Join(bin, prog), []byte("#!/bin/sh\necho \"$0 $* token=$NOMAD_TOKEN\"\n"), 0o755)
	}
	script := Script([]journal.Unit{{Name: "nomad", Systemd: "nomad.service"}}, "-300s", map[string]string{"NOMAD_TOKEN": token})
	if err := exec.Command("bash", "-n", "-c", script).Run(); err != nil {
		t.Fatalf("bash -n: %v\n%s", err, script)
	}
	cmd := exec.Command("bash", "-s")
	cmd.Stdin = strings.NewReader(script)
	cmd.Env = append(os.Environ(), "PATH="+bin+":"+os.Getenv("PATH"))
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	files, err := untar(stdout.Bytes())
	if err != nil {
		t.Fatalf("stdout is not only a tar: %v", err)
	}
	got := map[string]string{}
	for _, f := range files {
		got[f.name] = string(f.data)
	}
	if j := got["journal/nomad.log"]; !strings.Contains(j, "--unit=nomad.service --since=-300s") || !strings.Contains(j, "# exit status 0") {
		t.Errorf("journal: %q", j)
	}
	if m := got["commands/nomad-server-members.txt"]; !strings.Contains(m, "$ nomad server members") || !strings.Contains(m, "token="+token) {
		t.Errorf("the CLIs did not get the token: %q", m)
	}
	if _, ok := got["config/etc/hosts"]; !ok {
		t.Errorf("no config/etc/hosts in %v", got)
	}
}
