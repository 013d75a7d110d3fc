//go:build e2e

package e2e

import (
	"crypto/sha256"
	"debug/elf"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/nomadbox/nomadbox/internal/testtools"
)

// TestJobs runs the example jobs on one cluster (1 server, 2 clients with
// the docker and raw_exec drivers): the offline web service is run,
// found through Consul's API and DNS, scaled with plan and a checked
// index, moved off a lost node, watched through a chaos halt drill and
// stopped; a docker service runs from an image built on this machine and
// loaded into the clients; every other example job is planned against
// the cluster.
func TestJobs(t *testing.T) {
	const name, cidr = "e2e-jobs", "192.168.183.0/24"
	c := newCluster(t, name, cidr, 1, 2)
	// This cluster's machines come from the built-in docker provider
	// served over gRPC by `nomadbox provider serve docker`, the path
	// every plugin takes.
	c.builtinOverGRPC()
	// web and fabio run on raw_exec; cadvisor mounts host paths.
	c.clientDrivers(`["docker", "raw_exec"]`, true)
	api := &jobsAPI{
		nomad:  "http://" + c.hostIP(11) + ":4646",
		consul: "http://" + c.hostIP(11) + ":8500",
	}
	nodeIPs := map[string]string{"nomad-client1": c.hostIP(101), "nomad-client2": c.hostIP(102)}
	web := jobFile(t, "web")

	c.mustRun("up")

	t.Run("0 the provider ran in its own process over gRPC", func(t *testing.T) {
		// Only a provider served out of process writes its commands to
		// the log as "[provider docker] ..." lines.
		if n := c.with(t).providerLogLines("docker"); n == 0 {
			t.Errorf("the log has no line from the provider's process: the built-in ran in nomadbox's own process\n%s", c.logTail(30))
		}
	})

	var original []string // the first two web allocations
	var planIndex string  // the index plan printed before scaling

	t.Run("1 web runs and is found through Consul", func(t *testing.T) {
		c := c.with(t)
		c.mustRun("run", web)
		allocs := api.waitAllocs(t, "web", 2*time.Minute, func(running []jobsAlloc) string {
			if len(running) != 2 {
				return fmt.Sprintf("%d allocations running, want 2", len(running))
			}
			return ""
		})
		for _, a := range allocs {
			original = append(original, a.ID)
		}
		entries := api.waitPassing(t, "web", 2, time.Minute)

		// Consul DNS, through the client's local forwarder.
		dig := strings.Fields(c.ssh("nomad-client1", "dig +short web.service.consul"))
		sort.Strings(dig)
		var want []string
		for _, e := range entries {
			want = append(want, e.addr())
		}
		sort.Strings(want)
		if strings.Join(dig, " ") != strings.Join(want, " ") {
			t.Errorf("dig +short web.service.consul on nomad-client1 answered %v, want the addresses Consul has: %v", dig, want)
		}
		if distinct(dig) != 2 {
			t.Errorf("dig answered %v: want 2 addresses (the job spreads over both clients); allocations: %s", dig, describeAllocs(allocs))
		}

		// Each instance answers its own allocation ID.
		api.checkAnswersAllocIDs(t, entries, allocs)
	})

	t.Run("2 scale to 7 with plan and a checked index", func(t *testing.T) {
		c := c.with(t)
		r := c.mustRun("plan", "--var", "count=7", web)
		m := regexp.MustCompile(`Job Modify Index: (\d+)`).FindStringSubmatch(r.stdout)
		if m == nil {
			t.Fatalf("plan printed no job modify index:\n%s", r)
		}
		planIndex = m[1]
		if !regexp.MustCompile(`\b5 create\b`).MatchString(r.stdout) {
			t.Errorf("plan does not say it creates 5 allocations:\n%s", r.stdout)
		}
		start := time.Now()
		c.mustRun("run", "--check-index", planIndex, "--var", "count=7", web)
		allocs := api.waitAllocs(t, "web", 3*time.Minute, func(running []jobsAlloc) string {
			if len(running) != 7 {
				return fmt.Sprintf("%d allocations running, want 7", len(running))
			}
			return ""
		})
		entries := api.waitPassing(t, "web", 7, 2*time.Minute)
		t.Logf("7 instances running and passing %.1fs after run", time.Since(start).Seconds())
		ids := map[string]bool{}
		for _, a := range allocs {
			ids[a.ID] = true
		}
		for _, id := range original {
			if !ids[id] {
				t.Errorf("original allocation %s is no longer running after the scale-up: %s", id, describeAllocs(allocs))
			}
		}
		all := api.allocs(t, "web")
		for _, a := range all {
			if a.ClientStatus == "failed" {
				t.Errorf("allocation %s on %s failed: %s", a.ID, a.NodeName, a.events())
			}
		}
		api.checkAnswersAllocIDs(t, entries, allocs)

		// The index plan printed is stale now: run refuses it.
		version := api.jobVersion(t, "web")
		r = c.run("run", "--check-index", planIndex, "--var", "count=7", web)
		if r.code != 1 {
			t.Errorf("run with a stale --check-index %s: want exit 1: %s", planIndex, r)
		}
		if !strings.Contains(r.stderr, "changed since it was planned") || !strings.Contains(r.stderr, "nomadbox plan") {
			t.Errorf("run with a stale --check-index does not say the job changed and to plan again: %s", r)
		}
		if v := api.jobVersion(t, "web"); v != version {
			t.Errorf("a refused run changed the job: version %d -> %d", version, v)
		}
	})

	t.Run("3 a lost node's allocations move and up brings it back", func(t *testing.T) {
		c := c.with(t)
		c.mustRun("halt", "nomad-client2")
		start := time.Now()
		api.waitAllocs(t, "web", 3*time.Minute, func(running []jobsAlloc) string {
			on1 := 0
			for _, a := range running {
				if a.NodeName == "nomad-client1" {
					on1++
				}
			}
			if len(running) != 7 || on1 != 7 {
				return fmt.Sprintf("%d allocations running, %d of them on nomad-client1; want 7 and 7: %s", len(running), on1, describeAllocs(running))
			}
			return ""
		})
		t.Logf("all 7 web allocations running on nomad-client1 %.1fs after the halt", time.Since(start).Seconds())
		entries := api.waitPassing(t, "web", 7, 2*time.Minute)
		for _, e := range entries {
			if e.addr() != nodeIPs["nomad-client1"] {
				t.Errorf("passing web instance %s on %s (%s), want nomad-client1", e.Service.ID, e.Node.Node, e.addr())
			}
		}

		rep, r := c.verify()
		if r.code != 1 || rep.Healthy {
			t.Errorf("verify with nomad-client2 halted: want exit 1 and healthy=false: %s", r)
		}
		named := false
		for _, ch := range rep.Checks {
			if !ch.OK && ch.Node == "nomad-client2" {
				named = true
			}
		}
		if !named {
			t.Errorf("verify has no failing check for node nomad-client2: %s", r.stdout)
		}

		c.mustRun("up")
		if rep, r := c.verify(); r.code != 0 || !rep.Healthy {
			t.Errorf("verify after up: %s", r)
		}
		var nodes []struct{ Name, Status, SchedulingEligibility string }
		if err := fetchJSON(api.nomad+"/v1/nodes", &nodes); err != nil {
			t.Fatal(err)
		}
		for _, n := range nodes {
			if n.Status != "ready" {
				t.Errorf("Nomad node %s is %s after up, want ready", n.Name, n.Status)
			}
		}
	})

	t.Run("3b chaos halt: detected, the machine started again, nothing moved", func(t *testing.T) {
		c := c.with(t)
		// Every web allocation runs on nomad-client1 since 3: halting
		// nomad-client2 moves none.
		rep := c.chaos("halt", "nomad-client2", "--for", "20s")
		if !rep.Healthy || rep.Detected == nil || rep.Recovered == nil || !strings.Contains(rep.DetectedBy, "nomad-client2") {
			t.Errorf("report: %+v", rep)
		}
		if len(rep.Moved) != 0 {
			t.Errorf("moves reported while nothing ran on the halted node: %+v", rep.Moved)
		}
		var nodes []struct{ Name, Status string }
		if err := fetchJSON(api.nomad+"/v1/nodes", &nodes); err != nil {
			t.Fatal(err)
		}
		for _, n := range nodes {
			if n.Status != "ready" {
				t.Errorf("Nomad node %s is %s after the drill, want ready", n.Name, n.Status)
			}
		}
	})

	t.Run("4 stop web removes it from Consul", func(t *testing.T) {
		c := c.with(t)
		c.mustRun("stop", "web")
		jobsWait(t, 2*time.Minute, "the web service leaves Consul's catalog", func() string {
			var nodes []struct{ Node, ServiceID string }
			if err := fetchJSON(api.consul+"/v1/catalog/service/web", &nodes); err != nil {
				return err.Error()
			}
			if len(nodes) > 0 {
				return fmt.Sprintf("%d instances still registered: %+v", len(nodes), nodes)
			}
			return ""
		})
		for _, a := range api.allocs(t, "web") {
			if a.ClientStatus == "running" || a.ClientStatus == "pending" {
				t.Errorf("allocation %s on %s is still %s after stop", a.ID, a.NodeName, a.ClientStatus)
			}
		}
	})

	t.Run("5 a docker service from an image built here", func(t *testing.T) {
		c := c.with(t)
		const image = "nomadbox/microbot:test"
		page := buildMicrobotImage(t, image)
		c.mustRun("load", image)
		c.mustRun("run", "--var", "image="+image, jobFile(t, "microbot"))

		allocs := api.waitAllocs(t, "microbot", 2*time.Minute, func(running []jobsAlloc) string {
			if len(running) != 2 {
				return fmt.Sprintf("%d allocations running, want 2", len(running))
			}
			return ""
		})
		// The containers run in the Docker of the client nodes.
		containers, nodes := 0, map[string]bool{}
		for _, a := range allocs {
			nodes[a.NodeName] = true
		}
		for node := range nodes {
			out := c.ssh(node, "sudo docker ps --filter ancestor="+image+" --format '{{.Names}}'")
			containers += len(strings.Fields(out))
		}
		if containers != 2 {
			t.Errorf("%d containers of %s run in the clients' Docker, want 2 (allocations: %s)", containers, image, describeAllocs(allocs))
		}

		entries := api.waitPassing(t, "microbot", 2, 2*time.Minute)
		for _, e := range entries {
			if !slices.Contains(e.Service.Tags, "urlprefix-microbot.service.consul:9999/") {
				t.Errorf("microbot instance %s has tags %v, want the fabio route tag", e.Service.ID, e.Service.Tags)
			}
			url := fmt.Sprintf("http://%s:%d/", e.addr(), e.Service.Port)
			body, err := httpBody(url)
			if err != nil {
				t.Errorf("microbot instance on %s: %v", e.Node.Node, err)
			} else if strings.TrimSpace(body) != page {
				t.Errorf("GET %s answered %q, want %q", url, body, page)
			}
		}
	})

	t.Run("6 the other example jobs plan against the cluster", func(t *testing.T) {
		c := c.with(t)
		nomad := testtools.Nomad(t)
		cannotRun := map[string]string{
			"fabio":    "its binary is downloaded from github.com/fabiolb/fabio releases (no internet here, and the Go module proxy does not serve fabio to build it); the job file is run below with a stand-in binary",
			"cadvisor": "its image ghcr.io/google/cadvisor is pulled from GitHub's registry (no registry here)",
			"microbot": "its default image dontrise/microbot is on Docker Hub (no registry here); subtest 5 runs it from a local image",
			"tomcat":   "its image tomcat is on Docker Hub and its sample.war on tomcat.apache.org (no registry, no internet here)",
			"mongodb":  "its image mongo is on Docker Hub (no registry here)",
		}
		creates := map[string]string{"fabio": "2 create", "cadvisor": "2 create", "tomcat": "1 create", "mongodb": "1 create", "microbot": "create/destroy update"}
		for _, job := range []string{"fabio", "cadvisor", "microbot", "tomcat", "mongodb"} {
			file := jobFile(t, job)
			if out, err := testtools.Output("", nil, nomad, "job", "validate", file); err != nil || !strings.Contains(out, "Job validation successful") {
				t.Errorf("nomad job validate %s: %v\n%s", file, err, out)
			}
			r := c.run("plan", file)
			if r.code != 0 {
				t.Errorf("plan %s: %s", job, r)
				continue
			}
			for _, want := range []string{"All tasks successfully allocated.", "Job Modify Index:", creates[job]} {
				if !strings.Contains(r.stdout, want) {
					t.Errorf("plan %s does not say %q:\n%s", job, want, r.stdout)
				}
			}
			t.Logf("%s: plan succeeds; not run here because %s", job, cannotRun[job])
		}

		// fabio's own binary cannot be had here, but everything the job
		// file does around it can be checked with a stand-in served from
		// this machine's address on the cluster network: the download
		// from a mirror, the checksum (from the release's checksum file,
		// or pinned), the registration with the private address and the
		// health check on the UI port.
		t.Run("fabio job file with a stand-in binary", func(t *testing.T) {
			c := c.with(t)
			mirror := serveFabioStandIn(t, c.hostIP(1))
			c.mustRun("run", "--var", "fabio_download_url="+mirror, jobFile(t, "fabio"))
			entries := api.waitPassing(t, "fabio", 2, 2*time.Minute)
			got := map[string]bool{}
			for _, e := range entries {
				got[e.addr()] = true
				if e.Service.Port != 9999 {
					t.Errorf("fabio on %s registered port %d, want 9999", e.Node.Node, e.Service.Port)
				}
			}
			for node, ip := range nodeIPs {
				if !got[ip] {
					t.Errorf("fabio on %s is not registered with its private address %s: %v", node, ip, got)
				}
				if body, err := httpBody("http://" + ip + ":9998/health"); err != nil || strings.TrimSpace(body) != "OK" {
					t.Errorf("fabio UI on %s: /health answered %q, %v", node, body, err)
				}
			}

			// A pinned digest that does not match is refused, and run says
			// why instead of waiting.
			r := c.run("run", "--var", "fabio_download_url="+mirror, "--var", "fabio_sha256="+strings.Repeat("0", 64), jobFile(t, "fabio"))
			if r.code != 1 || !strings.Contains(r.stderr, "Failed Artifact Download") {
				t.Errorf("run with a wrong fabio_sha256: want exit 1 and the failed download: %s", r)
			}
			c.mustRun("stop", "--purge", "fabio")
		})
	})
}

// serveFabioStandIn serves, on addr (this machine's address on the
// cluster network), a mirror laid out like fabio's releases: a shell
// script standing in for fabio-<fabioVersion>-linux_amd64 that answers /health on
// its -ui.addr, and the release's checksum file. It returns the mirror's
// URL.
// fabioVersion is jobs/fabio.nomad.hcl's default fabio_version.
const fabioVersion = "1.7.3"

func serveFabioStandIn(t *testing.T, addr string) string {
	t.Helper()
	const script = `#!/bin/sh
# stand-in for fabio: answers /health on the -ui.addr address
while [ $# -gt 0 ]; do
  case "$1" in -ui.addr) ui=$2; shift ;; esac
  shift
done
mkdir -p www && echo OK > www/health
exec python3 -m http.server "${ui##*:}" --bind "${ui%:*}" --directory www
`
	dir := filepath.Join(t.TempDir(), "v"+fabioVersion)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(script))
	for name, content := range map[string]string{
		"fabio-" + fabioVersion + "-linux_amd64": script,
		"fabio-" + fabioVersion + ".sha256":      hex.EncodeToString(sum[:]) + "  fabio-" + fabioVersion + "-linux_amd64\n",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ln, err := net.Listen("tcp", addr+":0")
	if err != nil {
		t.Fatalf("listening on this machine's cluster address %s: %v", addr, err)
	}
	srv := &http.Server{Handler: http.FileServer(http.Dir(filepath.Dir(dir)))}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return "http://" + ln.Addr().String()
}

// jobFile is the absolute path of an example job.
func jobFile(t *testing.T, name string) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("..", "..", "jobs", name+".nomad.hcl"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(p); err != nil {
		t.Fatal(err)
	}
	return p
}

// jobsAPI reads the cluster's state from the Nomad and Consul HTTP APIs
// of the server.
type jobsAPI struct {
	nomad, consul string
}

type jobsAlloc struct {
	ID, Name, NodeName, ClientStatus, DesiredStatus string
	TaskStates                                      map[string]struct {
		State  string
		Failed bool
		Events []struct{ Type, DisplayMessage string }
	}
}

func (a jobsAlloc) events() string {
	var parts []string
	for task, st := range a.TaskStates {
		for _, ev := range st.Events {
			parts = append(parts, fmt.Sprintf("%s: %s %s", task, ev.Type, ev.DisplayMessage))
		}
	}
	return strings.Join(parts, "; ")
}

func describeAllocs(allocs []jobsAlloc) string {
	var parts []string
	for _, a := range allocs {
		parts = append(parts, fmt.Sprintf("%.8s on %s %s/%s", a.ID, a.NodeName, a.DesiredStatus, a.ClientStatus))
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

type jobsHealth struct {
	Node    struct{ Node, Address string }
	Service struct {
		ID, Service, Address string
		Port                 int
		Tags                 []string
	}
	Checks []struct{ Name, Status, Output string }
}

// addr is the address the instance registered, else its node's.
func (e jobsHealth) addr() string {
	if e.Service.Address != "" {
		return e.Service.Address
	}
	return e.Node.Address
}

func (api *jobsAPI) allocs(t *testing.T, job string) []jobsAlloc {
	t.Helper()
	var allocs []jobsAlloc
	if err := fetchJSON(api.nomad+"/v1/job/"+job+"/allocations", &allocs); err != nil {
		t.Fatal(err)
	}
	return allocs
}

func (api *jobsAPI) jobVersion(t *testing.T, job string) int {
	t.Helper()
	var j struct{ Version int }
	if err := fetchJSON(api.nomad+"/v1/job/"+job, &j); err != nil {
		t.Fatal(err)
	}
	return j.Version
}

// waitAllocs polls the job's running allocations until check accepts
// them (returns ""), and returns them.
func (api *jobsAPI) waitAllocs(t *testing.T, job string, timeout time.Duration, check func(running []jobsAlloc) string) []jobsAlloc {
	t.Helper()
	var running []jobsAlloc
	jobsWait(t, timeout, job+" allocations", func() string {
		var allocs []jobsAlloc
		if err := fetchJSON(api.nomad+"/v1/job/"+job+"/allocations", &allocs); err != nil {
			return err.Error()
		}
		running = running[:0]
		for _, a := range allocs {
			if a.DesiredStatus == "run" && a.ClientStatus == "running" {
				running = append(running, a)
			}
		}
		return check(running)
	})
	return running
}

// waitPassing polls Consul until exactly n instances of service pass
// their checks, and returns them.
func (api *jobsAPI) waitPassing(t *testing.T, service string, n int, timeout time.Duration) []jobsHealth {
	t.Helper()
	var entries []jobsHealth
	jobsWait(t, timeout, fmt.Sprintf("%d passing %s instances in Consul", n, service), func() string {
		entries = nil
		if err := fetchJSON(api.consul+"/v1/health/service/"+service+"?passing", &entries); err != nil {
			return err.Error()
		}
		if len(entries) != n {
			var all []jobsHealth
			fetchJSON(api.consul+"/v1/health/service/"+service, &all)
			var states []string
			for _, e := range all {
				for _, ch := range e.Checks {
					states = append(states, fmt.Sprintf("%s/%s %s: %s", e.Node.Node, e.Service.ID, ch.Status, strings.TrimSpace(ch.Output)))
				}
			}
			return fmt.Sprintf("%d passing; checks: %s", len(entries), strings.Join(states, "; "))
		}
		return ""
	})
	return entries
}

// checkAnswersAllocIDs asks every instance Consul knows for its page:
// each answers the ID of one running allocation, all of them together
// answer every running allocation's ID.
func (api *jobsAPI) checkAnswersAllocIDs(t *testing.T, entries []jobsHealth, running []jobsAlloc) {
	t.Helper()
	want := map[string]bool{}
	for _, a := range running {
		want[a.ID] = true
	}
	seen := map[string]bool{}
	for _, e := range entries {
		url := fmt.Sprintf("http://%s:%d/", e.addr(), e.Service.Port)
		body, err := httpBody(url)
		if err != nil {
			t.Errorf("instance %s on %s: %v", e.Service.ID, e.Node.Node, err)
			continue
		}
		id := strings.TrimSpace(body)
		if !want[id] {
			t.Errorf("GET %s answered %q, which is not a running web allocation %s", url, id, describeAllocs(running))
		}
		if seen[id] {
			t.Errorf("two instances answered allocation %s", id)
		}
		seen[id] = true
	}
	if len(seen) != len(want) {
		t.Errorf("instances answered %d distinct allocation IDs, want %d", len(seen), len(want))
	}
}

// jobsWait polls cond (every 2s) until it returns "", failing the test
// with cond's last answer when timeout has passed.
func jobsWait(t *testing.T, timeout time.Duration, what string, cond func() string) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		why := cond()
		if why == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("waiting %s for %s: %s", timeout, what, why)
		}
		time.Sleep(2 * time.Second)
	}
}

func distinct(xs []string) int {
	m := map[string]bool{}
	for _, x := range xs {
		m[x] = true
	}
	return len(m)
}

// buildMicrobotImage imports a minimal image that serves a page with
// busybox httpd on port 80: a root with busybox (and, when this
// machine's busybox is not the static build, the libraries it loads) and
// www/index.html. It returns the page's text.
func buildMicrobotImage(t *testing.T, image string) string {
	t.Helper()
	testtools.Require(t, "busybox", "tar")
	bb, _ := exec.LookPath("busybox")
	bb, _ = filepath.EvalSymlinks(bb)
	root := t.TempDir()
	const page = "microbot: served by busybox httpd from an image built on this machine"
	files := map[string]string{bb: "bin/busybox"}
	if f, err := elf.Open(bb); err != nil {
		t.Fatalf("%s: %v", bb, err)
	} else {
		dynamic := false
		for _, p := range f.Progs {
			if p.Type == elf.PT_INTERP {
				dynamic = true
			}
		}
		f.Close()
		if dynamic {
			out, err := testtools.Output("", nil, "ldd", bb)
			if err != nil {
				t.Fatalf("ldd %s: %v\n%s (install busybox-static)", bb, err, out)
			}
			for _, lib := range regexp.MustCompile(`(/\S+\.so[.0-9]*)`).FindAllString(out, -1) {
				files[lib] = strings.TrimPrefix(lib, "/")
			}
		}
	}
	for src, dst := range files {
		b, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(root, dst)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(filepath.Join(root, "www"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "www", "index.html"), []byte(page+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tar := exec.Command("tar", "-C", root, "-c", ".")
	imp := exec.Command("docker", "import", "--change", `CMD ["/bin/busybox","httpd","-f","-p","80","-h","/www"]`, "-", image)
	pipe, err := tar.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	imp.Stdin = pipe
	var impOut strings.Builder
	imp.Stdout, imp.Stderr = &impOut, &impOut
	if err := tar.Start(); err != nil {
		t.Fatal(err)
	}
	if err := imp.Run(); err != nil {
		t.Fatalf("docker import %s: %v\n%s", image, err, impOut.String())
	}
	if err := tar.Wait(); err != nil {
		t.Fatalf("tar: %v", err)
	}
	t.Cleanup(func() { testtools.Output("", nil, "docker", "image", "rm", image) })
	t.Logf("imported %s (busybox from %s, %d files)", image, bb, len(files)+1)
	return page
}
