package cli

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nomadbox/nomadbox/internal/pluginhost"
	"github.com/nomadbox/nomadbox/internal/providers"
	"github.com/nomadbox/nomadbox/internal/testtools"
	"github.com/nomadbox/nomadbox/provider"
)

// pluginModeEnv makes the test binary (through TestMain) a provider
// plugin: "good" answers, "hang" starts a
// child that holds its stdout and stderr and never answers Describe.
const pluginModeEnv = "NOMADBOX_CLI_TEST_PLUGIN"

// markerEnv marks every process a test starts (plugins and their
// children inherit it), so the test can look for what is left.
const markerEnv = "NOMADBOX_CLI_TEST_MARKER"

// serveTestPlugin serves testPlugin when the test binary was started as
// one (pluginModeEnv set); it reports whether it did.
func serveTestPlugin() bool {
	mode := os.Getenv(pluginModeEnv)
	if mode == "" {
		return false
	}
	provider.Serve(testPlugin{mode: mode, stdout: os.Stdout, stderr: os.Stderr})
	return true
}

type testPlugin struct {
	mode           string
	stdout, stderr *os.File // the process's own, before Serve replaces them
}

func (p testPlugin) Describe(context.Context) (*provider.Description, error) {
	if p.mode == "hang" {
		child := exec.Command("sleep", "600")
		child.Stdout, child.Stderr = p.stdout, p.stderr
		if err := child.Start(); err != nil {
			return nil, err
		}
		time.Sleep(time.Hour)
	}
	return &provider.Description{Name: p.mode, Version: "1.0.0", Protocol: provider.ProtocolVersion}, nil
}

func (testPlugin) Schema(context.Context) (*provider.Schema, error) { return &provider.Schema{}, nil }
func (testPlugin) Validate(context.Context, *provider.Cluster) ([]provider.Diagnostic, error) {
	return nil, nil
}
func (testPlugin) Preflight(context.Context, *provider.Cluster, provider.Progress) error { return nil }
func (testPlugin) Up(context.Context, *provider.Cluster, []string, provider.Progress) error {
	return nil
}
func (testPlugin) List(context.Context, *provider.Cluster) ([]provider.Machine, error) {
	return nil, nil
}
func (testPlugin) Halt(context.Context, *provider.Cluster, []string, provider.Progress) error {
	return nil
}
func (testPlugin) Destroy(context.Context, *provider.Cluster, []string, provider.Progress) error {
	return nil
}

// installPlugins puts on a plugin path of the test's own: "stuck" and
// "stuck2", a shell wrapper whose child holds the pipes and never answers
// the handshake; "hang" and "good", the test binary as testPlugin. The
// default timeouts shrink to a tenth (3 s to start, 3 s a call).
func installPlugins(t *testing.T) (marker string) {
	t.Helper()
	dir := t.TempDir()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	scripts := map[string]string{
		"stuck":  "#!/bin/sh\nsleep 600\n",
		"stuck2": "#!/bin/sh\nsleep 600\n",
		"hang":   fmt.Sprintf("#!/bin/sh\n%s=hang exec %q\n", pluginModeEnv, self),
		"good":   fmt.Sprintf("#!/bin/sh\n%s=good exec %q\n", pluginModeEnv, self),
	}
	for name, script := range scripts {
		if err := os.WriteFile(filepath.Join(dir, providers.PluginPrefix+name), []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("NOMADBOX_PLUGIN_PATH", dir)
	t.Setenv("HOME", t.TempDir())
	t.Setenv(pluginhost.TimeoutScaleEnv, "0.1")
	marker = fmt.Sprint(time.Now().UnixNano())
	t.Setenv(markerEnv, marker)
	return marker
}

// leftovers lists what is left of the processes the test started.
func leftovers(marker string) []string { return testtools.Leftovers(markerEnv, marker) }

// runBounded runs the command line and fails the test if it takes
// longer than limit (it then gives up waiting on it).
func runBounded(t *testing.T, dir string, limit time.Duration, args ...string) (int, string, string) {
	t.Helper()
	type result struct {
		code        int
		out, errOut string
	}
	done := make(chan result, 1)
	start := time.Now()
	go func() {
		code, out, errOut := runCLI(t, dir, args...)
		done <- result{code, out, errOut}
	}()
	select {
	case r := <-done:
		t.Logf("nomadbox %s: exit %d after %s", strings.Join(args, " "), r.code, time.Since(start).Round(time.Millisecond))
		return r.code, r.out, r.errOut
	case <-time.After(limit):
		t.Fatalf("nomadbox %s has not returned after %s", strings.Join(args, " "), limit)
	}
	return 0, "", ""
}

func TestBadPluginIsBoundedInValidateAndUp(t *testing.T) {
	marker := installPlugins(t)
	for _, name := range []string{"stuck", "hang"} {
		for _, command := range []string{"validate", "up"} {
			t.Run(name+"/"+command, func(t *testing.T) {
				dir := t.TempDir()
				topo := fmt.Sprintf("cluster \"c\" {}\nprovider %q {}\nserver \"nomad-server\" {}\nclient \"nomad-client\" {}\n", name)
				if err := os.WriteFile(filepath.Join(dir, "topology.hcl"), []byte(topo), 0o644); err != nil {
					t.Fatal(err)
				}
				// 3 s of timeout, up to execx.Grace to end the group, and
				// the machine's load.
				code, out, errOut := runBounded(t, dir, 15*time.Second, command)
				if code != ExitError {
					t.Errorf("exit %d, want %d\n%s%s", code, ExitError, out, errOut)
				}
				for _, want := range []string{"topology.hcl:2:10", "Provider plugin failed", fmt.Sprintf("provider plugin %q", name)} {
					if !strings.Contains(errOut, want) {
						t.Errorf("the error does not say %q:\n%s", want, errOut)
					}
				}
				// up failed while loading the topology: no render
				// directory, so no machine either.
				if _, err := os.Stat(filepath.Join(dir, ".nomadbox")); err == nil {
					t.Errorf("%s got as far as the render directory", command)
				}
				if left := leftovers(marker); len(left) > 0 {
					t.Errorf("processes of the plugin are left: %q", left)
				}
			})
		}
	}
}

func TestProvidersListsBadPluginsAsNotReady(t *testing.T) {
	marker := installPlugins(t)
	// Started one after the other, the three bad plugins would take 9 s
	// and more; at once, one timeout (3 s) and the end of the groups.
	start := time.Now()
	code, out, errOut := runBounded(t, t.TempDir(), 30*time.Second, "providers")
	if took := time.Since(start); took > 6*time.Second {
		t.Errorf("providers took %s: one bad plugin delays the others", took)
	}
	if code != ExitOK {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	rows := map[string]string{}
	for _, line := range strings.Split(out, "\n") {
		if f := strings.Fields(line); len(f) > 0 {
			rows[f[0]] = line
		}
	}
	if !strings.Contains(rows["good"], "1.0.0") || !strings.Contains(rows["good"], "yes") {
		t.Errorf("the good plugin is not listed as ready with its version: %q\n%s", rows["good"], out)
	}
	for name, reason := range map[string]string{"stuck": "did not start", "stuck2": "did not start", "hang": "did not answer Describe in time"} {
		if !strings.Contains(rows[name], "no: ") || !strings.Contains(rows[name], reason) {
			t.Errorf("plugin %s is not listed as not ready because it %s: %q\n%s", name, reason, rows[name], out)
		}
	}
	if left := leftovers(marker); len(left) > 0 {
		t.Errorf("processes of the plugins are left: %q", left)
	}
}
