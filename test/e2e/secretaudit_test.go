//go:build e2e

package e2e

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nomadbox/nomadbox/internal/providers"
	"github.com/nomadbox/nomadbox/internal/testtools"
	"github.com/nomadbox/nomadbox/internal/topology"
)

// The secrets folder is the only place a cluster's secrets may live on
// this machine. A secret on a command line is readable by every user of
// the machine (or of the node) through /proc, so the audit samples the
// arguments of every process on this machine and on every node while the
// cluster comes up, and then searches those samples, every file nomadbox
// wrote outside secrets/ and the commands' outputs for every secret.

const (
	// sampleEvery is how often process arguments are read. Commands that
	// start and end between two samples are missed; Ansible's modules,
	// ssh and the agents all live far longer.
	sampleEvery = 200 * time.Millisecond
	// maxSampledLines bounds the host sampler's memory; an audit that hit
	// it is incomplete and fails.
	maxSampledLines = 200000
	// nodeAuditLog and nodeAuditPID are the node sampler's files.
	nodeAuditLog = "/root/nomadbox-ps-audit.log"
	nodeAuditPID = "/root/nomadbox-ps-audit.pid"
	// bigBinary is the size above which a file holding NUL bytes is not
	// searched (agent binaries, boxes); text files are searched whatever
	// their size.
	bigBinary = 4 << 20
)

// nodeSamplerScript runs inside a node, started once per container
// start with `docker exec -d`: it reads /proc/*/cmdline itself (no `ps`
// per sample) and appends each command line the first time it is seen.
// Its set of seen lines is cleared when it grows large: that only writes
// a line again, never loses one.
var nodeSamplerScript = strings.Join([]string{
	"import os, time",
	"open(" + strconv.Quote(nodeAuditPID) + ", 'w').write(str(os.getpid()))",
	"seen = set()",
	"out = open(" + strconv.Quote(nodeAuditLog) + ", 'a', buffering=1)",
	"while True:",
	"    if len(seen) > 100000:",
	"        seen.clear()",
	"    for pid in os.listdir('/proc'):",
	"        if not pid.isdigit():",
	"            continue",
	"        try:",
	"            with open('/proc/' + pid + '/cmdline', 'rb') as f:",
	"                raw = f.read()",
	"        except OSError:",
	"            continue",
	`        line = raw.rstrip(b'\0').replace(b'\0', b' ').decode('utf-8', 'replace').replace('\n', '\\n')`,
	"        if line and line not in seen:",
	"            seen.add(line)",
	"            out.write(line + '\\n')",
	"    time.sleep(0.2)",
}, "\n")

// secretAudit is one audit window: the host's distinct command lines and
// the node samplers started in the cluster's containers.
type secretAudit struct {
	containers []string // the cluster's node containers, by name
	stopc      chan struct{}
	wg         sync.WaitGroup
	stopOnce   sync.Once
	host       *lineSet

	mu      sync.Mutex
	started map[string]string // container -> start time its sampler was started for

	// After stop: what kept the audit from seeing everything, and what
	// it saw.
	problems []string
	samples  map[string]string // where -> sampled command lines
}

// lineSet keeps distinct lines, up to a bound.
type lineSet struct {
	mu       sync.Mutex
	lines    map[string]struct{}
	overflow int
}

func newLineSet() *lineSet { return &lineSet{lines: map[string]struct{}{}} }

func (s *lineSet) add(line string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.lines[line]; ok {
		return
	}
	if len(s.lines) >= maxSampledLines {
		s.overflow++
		return
	}
	s.lines[line] = struct{}{}
}

func (s *lineSet) text() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.lines))
	for l := range s.lines {
		out = append(out, l)
	}
	sort.Strings(out)
	return strings.Join(out, "\n")
}

// startSecretAudit starts sampling before `up`, so that every command
// nomadbox, Vagrant and Ansible run is seen from its start.
func (c *cluster) startSecretAudit(t *testing.T) *secretAudit {
	t.Helper()
	a := &secretAudit{stopc: make(chan struct{}), host: newLineSet(), started: map[string]string{}}
	for _, n := range c.topology(t).Nodes() {
		a.containers = append(a.containers, c.name+"-"+n.Name)
	}
	a.wg.Add(2)
	go func() { defer a.wg.Done(); sampleProcesses("/proc", a.host, a.stopc) }()
	go func() { defer a.wg.Done(); a.watchNodes() }()
	// A failed `up` ends the test before stop: the samplers must still
	// end, and before the cluster is destroyed.
	t.Cleanup(a.stop)
	return a
}

// topology is the cluster's topology.hcl as nomadbox reads it.
func (c *cluster) topology(t *testing.T) *topology.Topology {
	t.Helper()
	p := providers.NewParser()
	topo, diags := p.ParseFile(filepath.Join(c.dir, "topology.hcl"))
	if diags.HasErrors() {
		t.Fatalf("topology.hcl: %s", diags.Error())
	}
	return topo
}

// sampleProcesses adds every process's command line under procDir to set,
// every sampleEvery, until stop is closed. It reads the files itself: a
// `ps` per sample would be a fork five times a second.
func sampleProcesses(procDir string, set *lineSet, stop <-chan struct{}) {
	tick := time.NewTicker(sampleEvery)
	defer tick.Stop()
	for {
		readCommandLines(procDir, set.add)
		select {
		case <-stop:
			return
		case <-tick.C:
		}
	}
}

// readCommandLines hands each process's arguments to add, joined by
// spaces, newlines inside arguments escaped so one process is one line.
func readCommandLines(procDir string, add func(string)) {
	entries, _ := os.ReadDir(procDir)
	for _, e := range entries {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		raw, err := os.ReadFile(filepath.Join(procDir, e.Name(), "cmdline"))
		if err != nil || len(raw) == 0 { // gone, or a kernel thread
			continue
		}
		line := strings.ReplaceAll(string(bytes.TrimRight(raw, "\x00")), "\x00", " ")
		add(strings.ReplaceAll(line, "\n", `\n`))
	}
}

// watchNodes looks for the cluster's containers about once a second and
// starts a sampler in each as soon as it runs, again if it restarted
// (a restart ends every process started in it).
func (a *secretAudit) watchNodes() {
	for {
		for name, startedAt := range runningContainers(a.containers) {
			a.mu.Lock()
			fresh := a.started[name] != startedAt
			a.mu.Unlock()
			if fresh && startNodeSampler(name) == nil {
				a.mu.Lock()
				a.started[name] = startedAt
				a.mu.Unlock()
			}
		}
		select {
		case <-a.stopc:
			return
		case <-time.After(time.Second):
		}
	}
}

// runningContainers maps those of names that run to their start time,
// in one docker call (inspect fails for the ones not created yet but
// still prints the others).
func runningContainers(names []string) map[string]string {
	out, _ := testtools.Output("", nil, "docker", append([]string{"inspect", "--format",
		"{{.Name}} {{.State.Running}} {{.State.StartedAt}}"}, names...)...)
	running := map[string]string{}
	for _, l := range strings.Split(out, "\n") {
		if f := strings.Fields(l); len(f) == 3 && f[1] == "true" {
			running[strings.TrimPrefix(f[0], "/")] = f[2]
		}
	}
	return running
}

// startNodeSampler starts the one long-lived sampler of a container; it
// fails while the container is not ready for exec yet.
func startNodeSampler(container string) error {
	return exec.Command("docker", "exec", "-d", container, "python3", "-c", nodeSamplerScript).Run()
}

// stop ends the samplers and collects what they saw: the host's lines,
// and each node's file, read before its sampler is ended and removed.
// Only the first call does anything.
func (a *secretAudit) stop() { a.stopOnce.Do(a.collect) }

func (a *secretAudit) collect() {
	close(a.stopc)
	a.wg.Wait()
	a.samples = map[string]string{"host process arguments": a.host.text()}
	if a.host.overflow > 0 {
		a.problems = append(a.problems, fmt.Sprintf("the host sampler dropped %d command lines past its bound", a.host.overflow))
	}
	for _, name := range a.containers {
		if _, ok := a.started[name]; !ok {
			a.problems = append(a.problems, "no sampler ever ran in container "+name)
			continue
		}
		out, err := exec.Command("docker", "exec", name, "cat", nodeAuditLog).Output()
		if err != nil {
			a.problems = append(a.problems, fmt.Sprintf("reading %s in %s: %v", nodeAuditLog, name, err))
			continue
		}
		a.samples["node "+name+" process arguments"] = string(out)
		exec.Command("docker", "exec", name, "sh", "-c",
			`kill "$(cat `+nodeAuditPID+`)"; rm -f `+nodeAuditLog+" "+nodeAuditPID).Run()
	}
}

// sampled reports whether a sample (host or node) holds a command line
// containing s: that the audit window covered what it should.
func (a *secretAudit) sampled(where, s string) bool {
	return strings.Contains(a.samples[where], s)
}

// assertNoSecrets fails t if any secret of the cluster's secrets folder
// appears in the samples of a, in a file of the cluster's folder outside
// secrets/ (rendered tree, Vagrant state, nomadbox's log), or in outputs
// (where -> text, e.g. a command's stdout). It also fails when the folder
// lacks a secret the topology's security settings call for: an audit
// that found nothing to look for proves nothing.
func (c *cluster) assertNoSecrets(t *testing.T, a *secretAudit, outputs map[string]string) {
	t.Helper()
	renderDir := filepath.Join(c.dir, ".nomadbox", c.name)
	secretsDir := filepath.Join(renderDir, "secrets")
	for _, p := range a.problems {
		t.Errorf("the audit is incomplete: %s", p)
	}
	secrets, err := readSecretValues(secretsDir, wantSecrets(c.topology(t)))
	if err != nil {
		t.Fatal(err)
	}
	corpora, err := filesOutside(c.dir, secretsDir)
	if err != nil {
		t.Fatal(err)
	}
	logName := filepath.Join(".nomadbox", c.name, "nomadbox.log")
	if corpora[logName] == "" {
		t.Errorf("nomadbox's log %s is missing or empty: nothing of it was audited", logName)
	}
	for where, text := range a.samples {
		corpora[where] = text
		t.Logf("%s: %d distinct command lines", where, strings.Count(text, "\n")+1)
	}
	for where, text := range outputs {
		corpora[where] = text
	}
	for _, leak := range findSecretLeaks(secrets, corpora) {
		t.Errorf("secret outside secrets/: %s", leak)
	}
	t.Logf("searched %d places for %d secret forms", len(corpora), len(secrets))
}

// wantSecrets are the globs (relative to the secrets folder) that must
// match at least one file for the topology's security settings.
func wantSecrets(topo *topology.Topology) []string {
	var want []string
	if topo.Security.GossipEncryption {
		want = append(want, "consul-gossip.key", "nomad-gossip.key")
	}
	if topo.Security.ACL {
		want = append(want, "consul-management.token", "nomad-management.token")
	}
	if topo.Security.TLS {
		want = append(want, "tls/ca-key.pem", "tls/*-key.pem")
	}
	return want
}

// readSecretValues reads every secret in dir as label -> value, labels
// naming the file and a hash prefix, never the value. Each value comes
// with its base64 forms too: the roles hand files to Ansible base64
// encoded, and a module's arguments shown in a log would carry them so.
// Public certificates are skipped; a private key is represented by the
// lines of its PEM body, which are random enough to be unique.
func readSecretValues(dir string, want []string) (map[string]string, error) {
	for _, glob := range want {
		if m, _ := filepath.Glob(filepath.Join(dir, glob)); len(m) == 0 {
			return nil, fmt.Errorf("the secrets folder %s has no %s although the topology calls for it", dir, glob)
		}
	}
	out := map[string]string{}
	err := filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err != nil || !info.Mode().IsRegular() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		parts, err := secretParts(rel, string(b))
		for label, v := range parts {
			addSecret(out, label, v)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("the secrets folder %s holds no secret: the audit would search for nothing", dir)
	}
	return out, nil
}

// secretParts is what of one file of the secrets folder must not appear
// elsewhere: nothing of a certificate, each long enough PEM body line of
// a private key, the whole trimmed content of anything else.
func secretParts(rel, content string) (map[string]string, error) {
	text := strings.TrimSpace(content)
	switch {
	case strings.Contains(text, "PRIVATE KEY"):
		parts := map[string]string{}
		for i, line := range strings.Split(text, "\n") {
			line = strings.TrimSpace(line)
			if len(line) >= 40 && !strings.HasPrefix(line, "-----") && !strings.Contains(line, ":") {
				parts[fmt.Sprintf("%s line %d", rel, i+1)] = line
			}
		}
		if len(parts) == 0 {
			return nil, fmt.Errorf("%s: a private key with no PEM body line of 40 characters or more", rel)
		}
		return parts, nil
	case strings.Contains(text, "CERTIFICATE"):
		return nil, nil
	case len(text) < 8:
		return nil, fmt.Errorf("%s holds %d characters: too short to be a secret, or to search for", rel, len(text))
	default:
		return map[string]string{rel: text}, nil
	}
}

// addSecret records a secret and its base64 forms under labels that
// identify it without revealing it.
func addSecret(out map[string]string, label, value string) {
	id := secretID(label, value)
	out[id] = value
	for i, form := range base64Forms(value) {
		out[fmt.Sprintf("%s, base64 at offset %d", id, i)] = form
	}
}

// secretID names a secret by where it is and a hash prefix, so reports
// can tell secrets apart without showing one.
func secretID(label, value string) string {
	sum := sha256.Sum256([]byte(value))
	return fmt.Sprintf("%s (sha256 %x)", label, sum[:4])
}

// base64Forms are the parts of base64(x + s + y) that depend on s alone,
// for each of the three alignments s can have inside a longer text.
func base64Forms(s string) []string {
	var forms []string
	for k := 0; k < 3; k++ {
		enc := base64.StdEncoding.EncodeToString(append(make([]byte, k), s...))
		start := 0
		if k > 0 {
			start = 4 // the first group mixes s with what precedes it
		}
		end := 4 * ((k + len(s)) / 3) // the last partial group mixes s with what follows
		if end-start >= 16 {
			forms = append(forms, enc[start:end])
		}
	}
	return forms
}

// filesOutside reads every regular file under root except those under
// skip, by path relative to root. Large binaries are left out.
func filesOutside(root, skip string) (map[string]string, error) {
	out := map[string]string{}
	err := filepath.Walk(root, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		if info.IsDir() && p == skip {
			return filepath.SkipDir
		}
		if !info.Mode().IsRegular() {
			return nil
		}
		if info.Size() > bigBinary && isBinary(p) {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		out[rel] = string(b)
		return nil
	})
	return out, err
}

// isBinary reports whether the file's first 8 KiB hold a NUL byte.
func isBinary(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false // read in full, and the error reported there
	}
	defer f.Close()
	head := make([]byte, 8192)
	n, _ := f.Read(head)
	return bytes.IndexByte(head[:n], 0) >= 0
}

// findSecretLeaks lists, sorted, each secret (by label) found in each
// corpus (by where). It never includes a secret's value.
func findSecretLeaks(secrets, corpora map[string]string) []string {
	var leaks []string
	for where, text := range corpora {
		for label, value := range secrets {
			if value != "" && strings.Contains(text, value) {
				leaks = append(leaks, fmt.Sprintf("%s holds %s", where, label))
			}
		}
	}
	sort.Strings(leaks)
	return leaks
}

// TestSecretAuditCatches proves the audit can fail, without a cluster: a
// token in a fake render directory is found in nomadbox's log there, in
// its base64 form in a rendered file, and on the command line of a real
// process sampled the way startSecretAudit samples this machine; a
// private key's body is found while its certificate is ignored, and an
// empty secrets folder is refused.
func TestSecretAuditCatches(t *testing.T) {
	dir := t.TempDir()
	secretsDir := filepath.Join(dir, "secrets")
	token := "5f0c1e2a-7b3d-4c9e-8a61-" + strconv.FormatInt(time.Now().UnixNano()%1e12, 10)
	key := "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIFakeFakeFakeKeyBodyLineThatIsLongEnoughToBeSearchedForXX\nshort\n-----END EC PRIVATE KEY-----\n"
	cert := "-----BEGIN CERTIFICATE-----\nMIIBCertificateBodyIsPublicAndAppearsEverywhereItLikesToBeQuiteLong\n-----END CERTIFICATE-----\n"
	writeFiles(t, dir, map[string]string{
		"secrets/consul-management.token":   token + "\n",
		"secrets/tls/node1-consul-key.pem":  key,
		"secrets/tls/node1-consul.pem":      cert,
		"nomadbox.log":                      "running ansible with X-Consul-Token: " + token + "\n" + cert,
		"ansible/host_vars/node1.yml":       "content_base64: " + base64.StdEncoding.EncodeToString([]byte(`token = "`+token+`"`)) + "\n",
		"ansible/group_vars/all.yml":        "nothing secret here\n",
		".vagrant/machines/node1/docker/id": "0123456789abcdef\n",
	})

	// A real process with the token on its command line, sampled from
	// /proc. Two commands keep the shell from exec-ing sleep in its place.
	proc := exec.Command("sh", "-c", "sleep 5; :", "--token="+token)
	if err := proc.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { proc.Process.Kill(); proc.Wait() }()
	host := newLineSet()
	stopc := make(chan struct{})
	done := make(chan struct{})
	go func() { sampleProcesses("/proc", host, stopc); close(done) }()
	time.Sleep(3 * sampleEvery)
	close(stopc)
	<-done

	secrets, err := readSecretValues(secretsDir, []string{"*.token", "tls/*-key.pem"})
	if err != nil {
		t.Fatal(err)
	}
	corpora, err := filesOutside(dir, secretsDir)
	if err != nil {
		t.Fatal(err)
	}
	corpora["host process arguments"] = host.text()
	corpora["stdout of status --json"] = `{"key": "` + strings.Split(key, "\n")[1] + `"}`
	leaks := findSecretLeaks(secrets, corpora)

	tokenID := secretID("consul-management.token", token)
	for _, want := range []string{
		"host process arguments holds " + tokenID,
		"nomadbox.log holds " + tokenID,
		"ansible/host_vars/node1.yml holds " + tokenID + ", base64 at offset ",
		"stdout of status --json holds tls/node1-consul-key.pem line 2 ",
	} {
		if !anyHasPrefix(leaks, want) {
			t.Errorf("no leak reported as %q; reported:\n%s", want, strings.Join(leaks, "\n"))
		}
	}
	for _, l := range leaks {
		if strings.Contains(l, token) || strings.Contains(l, "FakeFakeFake") {
			t.Errorf("a report prints the secret itself: %q", l)
		}
		if strings.Contains(l, "group_vars") || strings.Contains(l, ".vagrant") || strings.Contains(l, "node1-consul.pem") {
			t.Errorf("a leak reported where there is none: %q", l)
		}
	}

	empty := t.TempDir()
	if _, err := readSecretValues(empty, nil); err == nil {
		t.Error("an empty secrets folder was accepted")
	}
	if _, err := readSecretValues(secretsDir, []string{"*-gossip.key"}); err == nil {
		t.Error("a secrets folder without the gossip key the caller wants was accepted")
	}
}

func writeFiles(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for rel, body := range files {
		p := filepath.Join(root, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

func anyHasPrefix(list []string, prefix string) bool {
	for _, s := range list {
		if strings.HasPrefix(s, prefix) {
			return true
		}
	}
	return false
}
