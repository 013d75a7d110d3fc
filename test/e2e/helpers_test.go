//go:build e2e

// Package e2e brings real clusters up with the nomadbox binary, the way a
// user does: real Vagrant (docker provider), real Ansible, real Docker
// and the real Consul and Nomad agents. Run with
//
//	go test -tags e2e -timeout 60m ./test/e2e
//
// (`go tool task test:e2e` prepares the tools, binaries and image first).
package e2e

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nomadbox/nomadbox/internal/testtools"
	"github.com/nomadbox/nomadbox/internal/topology"
)

var nomadboxBin string

// pluginDir holds the example provider plugin, built as its own binary
// (examples/provider-container); clusters find it through
// NOMADBOX_PLUGIN_PATH.
var pluginDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "nomadbox-e2e-bin-")
	if err != nil {
		panic(err)
	}
	nomadboxBin = filepath.Join(dir, "nomadbox")
	pluginDir = filepath.Join(dir, "plugins")
	for _, b := range [][2]string{
		{nomadboxBin, "../../cmd/nomadbox"},
		{filepath.Join(pluginDir, "nomadbox-provider-container"), "../../examples/provider-container"},
	} {
		build := exec.Command("go", "build", "-o", b[0], b[1])
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			fmt.Fprintf(os.Stderr, "building %s: %v\n", b[1], err)
			os.Exit(1)
		}
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// cluster is one test cluster: its folder, name and network.
type cluster struct {
	t    *testing.T
	dir  string
	name string
	cidr string
	// env is added to the environment of every nomadbox command.
	env []string
}

// result of one nomadbox command.
type result struct {
	code           int
	stdout, stderr string
}

func (r result) String() string {
	return fmt.Sprintf("exit %d\n--- stdout\n%s--- stderr\n%s", r.code, r.stdout, r.stderr)
}

// newCluster writes a topology for a docker-provider cluster that needs
// no internet: Consul and Nomad copied from this machine, Debian's
// docker.io. Leftovers of an earlier, killed run of the same cluster are
// removed first; everything is destroyed when the test ends.
func newCluster(t *testing.T, name, cidr string, servers, clients int) *cluster {
	t.Helper()
	testtools.Require(t, "vagrant", "ansible-playbook", "docker", "ssh")
	if out, err := testtools.Output("", nil, "docker", "info"); err != nil {
		t.Fatalf("the Docker daemon is not running: start it (`go tool task deps`)\n%s", out)
	}
	return newClusterOn(t, "docker", name, cidr, servers, clients, func() { removeLeftovers(t, name, cidr) })
}

// newClusterOn is newCluster on any machine provider; removeLeftovers
// removes what a killed run of the cluster left, before and after.
func newClusterOn(t *testing.T, provider, name, cidr string, servers, clients int, removeLeftovers func()) *cluster {
	t.Helper()
	dir := t.TempDir()
	if os.Getenv("NOMADBOX_E2E_KEEP") != "" {
		// A kept cluster keeps its folder (topology, Vagrant state, log),
		// so it can be inspected and destroyed with nomadbox later.
		var err error
		if dir, err = os.MkdirTemp("", "nomadbox-e2e-"+name+"-"); err != nil {
			t.Fatal(err)
		}
	}
	c := &cluster{t: t, dir: dir, name: name, cidr: cidr}
	removeLeftovers()
	r := c.run("init", "--provider", provider, "--name", name, "--cidr", cidr,
		"--servers", fmt.Sprint(servers), "--clients", fmt.Sprint(clients),
		"--install", "local", "--consul-binary", testtools.Consul(t), "--nomad-binary", testtools.Nomad(t),
		"--consul-version", testtools.ConsulVersion, "--nomad-version", testtools.NomadVersion,
		"--docker-package", "docker.io",
		// The default topology deploys fabio, whose binary comes from the
		// internet; these clusters have none.
		"--jobs", "")
	if r.code != 0 {
		t.Fatalf("init: %s", r)
	}
	t.Cleanup(func() {
		if os.Getenv("NOMADBOX_E2E_KEEP") != "" {
			t.Logf("keeping cluster %s in %s", name, c.dir)
			return
		}
		if r := c.run("destroy", "--force"); r.code != 0 {
			t.Errorf("destroy: %s", r)
		}
		removeLeftovers()
	})
	return c
}

// with returns the cluster bound to a subtest's t, so a failure in a
// subtest fails that subtest (t.Fatal must run on its own test).
func (c *cluster) with(t *testing.T) *cluster {
	cp := *c
	cp.t = t
	return &cp
}

func (c *cluster) editTopology(re *regexp.Regexp, repl string) {
	c.t.Helper()
	p := filepath.Join(c.dir, "topology.hcl")
	src, err := os.ReadFile(p)
	if err != nil {
		c.t.Fatal(err)
	}
	if !re.Match(src) {
		c.t.Fatalf("topology.hcl has nothing matching %s", re)
	}
	if err := os.WriteFile(p, re.ReplaceAll(src, []byte(repl)), 0o644); err != nil {
		c.t.Fatal(err)
	}
}

// Lines of the nomad-client group that `nomadbox init` writes; [^}] keeps
// a match inside that group's block (its attributes come before meta's
// braces).
var (
	clientDriversLine = regexp.MustCompile(`(client "nomad-client" \{[^}]*?\n  drivers = )\[[^\]\n]*\]`)
	clientVolumesLine = regexp.MustCompile(`(client "nomad-client" \{[^}]*?\n  docker_volumes = )(true|false)`)
)

// clientDrivers sets the drivers of the nomad-client group and whether
// its docker tasks get host volumes. A test whose jobs need raw_exec
// (web, fabio) or host volumes (cadvisor) says so with it instead of
// relying on what init writes: raw_exec and volumes are off unless a
// topology asks for them, and a test must not lose them silently.
func (c *cluster) clientDrivers(drivers string, dockerVolumes bool) {
	c.t.Helper()
	c.editTopology(clientDriversLine, "${1}"+drivers)
	c.editTopology(clientVolumesLine, fmt.Sprintf("${1}%t", dockerVolumes))
}

// run runs nomadbox in the cluster's folder.
func (c *cluster) run(args ...string) result {
	c.t.Helper()
	cmd := exec.Command(nomadboxBin, args...)
	cmd.Dir = c.dir
	if len(c.env) > 0 {
		cmd.Env = append(os.Environ(), c.env...)
	}
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	start := time.Now()
	err := cmd.Run()
	r := result{stdout: out.String(), stderr: errOut.String()}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	} else if err != nil {
		c.t.Fatalf("nomadbox %v: %v", args, err)
	}
	c.t.Logf("nomadbox %s: exit %d in %.1fs", strings.Join(args, " "), r.code, time.Since(start).Seconds())
	return r
}

// mustRun runs nomadbox and fails the test unless it exits 0.
func (c *cluster) mustRun(args ...string) result {
	c.t.Helper()
	r := c.run(args...)
	if r.code != 0 {
		c.t.Fatalf("nomadbox %s: %s\n--- log tail\n%s", strings.Join(args, " "), r, c.logTail(40))
	}
	return r
}

// provisionChangesNothing runs provision and fails unless Ansible's recap
// lists every one of the cluster's hosts with changed=0.
func (c *cluster) provisionChangesNothing(hosts int) {
	c.t.Helper()
	r := c.mustRun("provision")
	recap := regexp.MustCompile(`(?m)^(nomad-\S+)\s+ok=\d+ changed=(\d+) failed=0$`).FindAllStringSubmatch(r.stdout, -1)
	if len(recap) != hosts {
		c.t.Fatalf("want a recap for %d hosts:\n%s", hosts, r)
	}
	for _, h := range recap {
		if h[2] != "0" {
			c.t.Errorf("%s: changed=%s on a second provision (roles are not idempotent)\n%s", h[1], h[2], c.logTail(80))
		}
	}
}

// ansiblePlaybook runs ansible-playbook in the render directory's ansible/
// folder, as an Ansible user would, and fails the test unless it exits 0.
func (c *cluster) ansiblePlaybook(args ...string) string {
	c.t.Helper()
	dir := filepath.Join(c.dir, ".nomadbox", c.name, "ansible")
	cmd := exec.Command("ansible-playbook", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "ANSIBLE_NOCOLOR=1", "ANSIBLE_CONFIG="+filepath.Join(dir, "ansible.cfg"))
	start := time.Now()
	out, err := cmd.CombinedOutput()
	c.t.Logf("ansible-playbook %s: %v in %s", strings.Join(args, " "), err, time.Since(start).Round(100*time.Millisecond))
	if err != nil {
		c.t.Fatalf("ansible-playbook %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// diffHosts are the hosts whose task results follow a diff of path in
// ansible-playbook's output ("changed: [host]" or "ok: [host]"): the
// default callback prints a result's diffs right before the result.
func diffHosts(out, path string) []string {
	var hosts []string
	result := regexp.MustCompile(`(?m)^(?:changed|ok): \[([^\]]+)\]`)
	for rest := out; ; {
		i := strings.Index(rest, "--- before: "+path+"\n")
		if i < 0 {
			return hosts
		}
		rest = rest[i:]
		m := result.FindStringSubmatchIndex(rest)
		if m == nil {
			return hosts
		}
		hosts = append(hosts, rest[m[2]:m[3]])
		rest = rest[m[1]:]
	}
}

// recapChanged is each host's changed= count in ansible-playbook's recap.
func recapChanged(out string) map[string]string {
	got := map[string]string{}
	for _, m := range regexp.MustCompile(`(?m)^(\S+)\s+: ok=\d+\s+changed=(\d+)`).FindAllStringSubmatch(out, -1) {
		got[m[1]] = m[2]
	}
	return got
}

func (c *cluster) logTail(n int) string {
	b, _ := os.ReadFile(filepath.Join(c.dir, ".nomadbox", c.name, "nomadbox.log"))
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// ssh runs a command on a node through `nomadbox ssh`.
func (c *cluster) ssh(node, command string) string {
	c.t.Helper()
	r := c.mustRun("ssh", node, "--", command)
	return strings.TrimSpace(r.stdout)
}

type check struct {
	Name    string `json:"name"`
	OK      bool   `json:"ok"`
	Detail  string `json:"detail"`
	Node    string `json:"node"`
	Skipped bool   `json:"skipped"`
}

type report struct {
	Healthy bool    `json:"healthy"`
	Checks  []check `json:"checks"`
}

// verify runs `nomadbox verify --json` and decodes the report.
func (c *cluster) verify(args ...string) (report, result) {
	c.t.Helper()
	r := c.run(append([]string{"verify", "--json"}, args...)...)
	var rep report
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		c.t.Fatalf("verify --json printed no JSON: %v\n%s", err, r)
	}
	return rep, r
}

// plainHTTP reaches the cluster's agents directly, never through a proxy.
var plainHTTP = &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{Proxy: nil}}

// getJSON reads a JSON document from one of the cluster's agents.
func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	if err := fetchJSON(url, v); err != nil {
		t.Fatal(err)
	}
}

// fetchJSON is getJSON that returns its error, for polling.
func fetchJSON(url string, v any) error {
	resp, err := plainHTTP.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		b, _ := io.ReadAll(resp.Body)
		return fmt.Errorf("GET %s: %s: %s", url, resp.Status, strings.TrimSpace(string(b)))
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		return fmt.Errorf("GET %s: %v", url, err)
	}
	return nil
}

func httpBody(url string) (string, error) {
	resp, err := plainHTTP.Get(url)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	if resp.StatusCode != 200 {
		return "", fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return string(b), nil
}

// addresses maps each machine to its address, as `status --json` says.
func (c *cluster) addresses() map[string]string {
	c.t.Helper()
	var st struct {
		Machines []struct{ Name, Address string }
	}
	r := c.mustRun("status", "--json")
	if err := json.Unmarshal([]byte(r.stdout), &st); err != nil {
		c.t.Fatalf("status --json: %v\n%s", err, r)
	}
	out := map[string]string{}
	for _, m := range st.Machines {
		out[m.Name] = m.Address
	}
	return out
}

// hostIP is host number h of the cluster's network (cidr must be a /24).
func (c *cluster) hostIP(h int) string {
	return strings.TrimSuffix(c.cidr, "0/24") + fmt.Sprint(h)
}

// removeLeftovers removes what an earlier, killed run of the same
// cluster left behind: its containers (named <cluster>-<node>) and the
// docker network of its subnet. Only this test's own names are touched.
func removeLeftovers(t *testing.T, name, cidr string) {
	t.Helper()
	out, _ := testtools.Output("", nil, "docker", "ps", "-a", "--format", "{{.Names}}")
	for _, n := range strings.Fields(out) {
		if strings.HasPrefix(n, name+"-") {
			testtools.Output("", nil, "docker", "rm", "-f", n)
		}
	}
	// Vagrant's docker provider and the example plugin name their
	// networks differently.
	testtools.Output("", nil, "docker", "network", "rm", "vagrant_network_"+cidr, "nomadbox-"+name)
}

// useExamplePlugin makes the cluster's machines come from the example
// provider plugin instead of the built-in docker provider.
func (c *cluster) useExamplePlugin() {
	c.t.Helper()
	c.editTopology(regexp.MustCompile(`(?s)\nprovider "docker" \{.*?\n\}`), "\nprovider \"container\" {\n  image = \"nomadbox/node:bookworm\"\n}")
	c.env = append(c.env, "NOMADBOX_PLUGIN_PATH="+pluginDir)
}

// builtinOverGRPC serves the built-in provider from a separate
// `nomadbox provider serve` process, as a plugin is served.
func (c *cluster) builtinOverGRPC() {
	c.env = append(c.env, "NOMADBOX_BUILTIN_OVER_GRPC=1")
}

// providerLogLines counts the lines the provider's process wrote to the
// cluster's log: only a provider served out of process writes them.
func (c *cluster) providerLogLines(provider string) int {
	b, _ := os.ReadFile(filepath.Join(c.dir, ".nomadbox", c.name, "nomadbox.log"))
	return strings.Count(string(b), "\n[provider "+provider+"] ")
}

// leftovers lists the containers and networks of the cluster that exist.
func leftovers(t *testing.T, name, cidr string) []string {
	t.Helper()
	var found []string
	out, _ := testtools.Output("", nil, "docker", "ps", "-a", "--format", "{{.Names}}")
	for _, n := range strings.Fields(out) {
		if strings.HasPrefix(n, name+"-") {
			found = append(found, "container "+n)
		}
	}
	ids, _ := testtools.Output("", nil, "docker", "network", "ls", "-q")
	for _, id := range strings.Fields(ids) {
		sub, _ := testtools.Output("", nil, "docker", "network", "inspect", "--format", "{{.Name}} {{range .IPAM.Config}}{{.Subnet}}{{end}}", id)
		if f := strings.Fields(sub); len(f) == 2 && f[1] == cidr {
			found = append(found, "network "+f[0])
		}
	}
	return found
}

// putKV writes a Consul KV key.
func putKV(t *testing.T, url, value string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPut, url, strings.NewReader(value))
	resp, err := plainHTTP.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("PUT %s: %s", url, resp.Status)
	}
}

// raftCounts reads a Raft configuration (Consul's or Nomad's
// /v1/operator/raft/configuration) and counts its servers, voters and
// leaders.
func raftCounts(t *testing.T, url string) (servers, voters, leaders int) {
	t.Helper()
	var raft struct {
		Servers []struct{ Voter, Leader bool }
	}
	getJSON(t, url, &raft)
	for _, s := range raft.Servers {
		if s.Voter {
			voters++
		}
		if s.Leader {
			leaders++
		}
	}
	return len(raft.Servers), voters, leaders
}

// firewallSeparates checks the nodes' firewall from this machine (an
// address on the cluster's network that is not a node) and from
// nomad-client1: Raft, Serf and RPC answer peers only, the HTTP APIs
// answer this machine too, a listener on a port outside every list
// answers nobody but its own node, and ports that Docker publishes obey
// the same lists.
func (c *cluster) firewallSeparates(apiPorts ...string) {
	t := c.t
	addrs := c.addresses()
	server, client := addrs["nomad-server1"], addrs["nomad-client1"]
	defer c.listen("nomad-server1", "7777")()
	if out := c.ssh("nomad-server1", probePorts(server, "7777")); out != "7777:open" {
		t.Fatalf("the test listener on nomad-server1:7777 does not answer on its own node: %s", out)
	}
	// From a peer. Docker on nomad-client1 also publishes, for the checks
	// below, a port in Nomad's dynamic range and one in no list, both to
	// a container without a listener: an answer (refused) tells that a
	// packet was forwarded, silence that it was dropped.
	out := c.ssh("nomad-client1", "sudo docker run -d -i --rm --name nomadbox-e2e-published -p 20555:7777 -p 7778:7777 "+
		topology.CanaryImage+" /bin/sh -c 'read x' >/dev/null; "+probePorts(server, "8300", "8301", "4647", "7777"))
	defer c.ssh("nomad-client1", "sudo docker rm -f nomadbox-e2e-published >/dev/null 2>&1 || true")
	if want := "8300:open 8301:open 4647:open 7777:closed"; out != want {
		t.Errorf("from nomad-client1 to nomad-server1: %s, want %s", out, want)
	}

	// From this machine, every port at once.
	type dial struct {
		addr, want string // want: open, refused or dropped
		why        string
	}
	var dials []dial
	for _, port := range []string{"8300", "8301", "4647", "4648"} {
		dials = append(dials, dial{net.JoinHostPort(server, port), "dropped", "Raft/Serf/RPC must answer the cluster's nodes only"})
	}
	for _, port := range apiPorts {
		dials = append(dials, dial{net.JoinHostPort(server, port), "open", "the HTTP APIs answer the cluster's network"})
	}
	dials = append(dials,
		dial{net.JoinHostPort(server, "7777"), "dropped", "a port in no list"},
		dial{net.JoinHostPort(client, "20555"), "refused", "published in Nomad's dynamic range: forwarded to the container"},
		dial{net.JoinHostPort(client, "7778"), "dropped", "published outside every list"})
	got := make([]string, len(dials))
	var wg sync.WaitGroup
	for i, d := range dials {
		wg.Add(1)
		go func() {
			defer wg.Done()
			conn, err := net.DialTimeout("tcp", d.addr, 3*time.Second)
			var ne net.Error
			switch {
			case err == nil:
				conn.Close()
				got[i] = "open"
			case errors.Is(err, syscall.ECONNREFUSED):
				got[i] = "refused"
			case errors.As(err, &ne) && ne.Timeout():
				got[i] = "dropped"
			default:
				got[i] = err.Error()
			}
		}()
	}
	wg.Wait()
	for i, d := range dials {
		if got[i] != d.want {
			t.Errorf("this machine to %s: %s, want %s (%s)", d.addr, got[i], d.want, d.why)
		}
	}
}

// probePorts is a shell command that prints "PORT:open" or "PORT:closed"
// for each port of host, space-separated, trying each for 3 seconds.
func probePorts(host string, ports ...string) string {
	return fmt.Sprintf(`for p in %s; do if timeout 3 bash -c "</dev/tcp/%s/$p" 2>/dev/null; then echo "$p:open"; else echo "$p:closed"; fi; done | xargs`,
		strings.Join(ports, " "), host)
}

// listen starts an HTTP server on node's port (in no firewall list) and
// returns what stops it.
func (c *cluster) listen(node, port string) (stop func()) {
	c.t.Helper()
	pid := "/tmp/nomadbox-e2e-listener-" + port + ".pid"
	c.ssh(node, "setsid nohup python3 -m http.server "+port+" --bind 0.0.0.0 >/dev/null 2>&1 </dev/null & echo $! >"+pid+"; sleep 1")
	return func() { c.ssh(node, "kill $(cat "+pid+") || true") }
}

var (
	versionsBlock = regexp.MustCompile(`(versions \{\n  consul = )"[^"]*"(\n  nomad  = )"[^"]*"`)
	consulBinLine = regexp.MustCompile(`(consul_binary = )"[^"]*"`)
	nomadBinLine  = regexp.MustCompile(`(nomad_binary  = )"[^"]*"`)
)

// useReleases pins the topology's Consul and Nomad releases and the
// binaries that install them (install method local).
func (c *cluster) useReleases(consulVersion, consulBin, nomadVersion, nomadBin string) {
	c.t.Helper()
	c.editTopology(versionsBlock, fmt.Sprintf(`${1}%q${2}%q`, consulVersion, nomadVersion))
	c.editTopology(consulBinLine, fmt.Sprintf(`${1}%q`, consulBin))
	c.editTopology(nomadBinLine, fmt.Sprintf(`${1}%q`, nomadBin))
}
