package cluster

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nomadbox/nomadbox"
	"github.com/nomadbox/nomadbox/provider"
)

// pluginEnv makes the test binary serve countedPlugin in the mode it
// names instead of running the tests.
const pluginEnv = "NOMADBOX_CLUSTER_TEST_PLUGIN"

func TestMain(m *testing.M) {
	if mode := os.Getenv(pluginEnv); mode != "" {
		provider.Serve(countedPlugin{mode: mode})
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// countedPlugin makes no machines: its Up fails (so an up goes on to
// remove what it created), and in mode "hang" its Validate never
// answers, whatever its context says.
type countedPlugin struct{ mode string }

func (p countedPlugin) Describe(context.Context) (*provider.Description, error) {
	return &provider.Description{Name: "counted", Version: "1.0.0", Protocol: provider.ProtocolVersion}, nil
}
func (countedPlugin) Schema(context.Context) (*provider.Schema, error) {
	return &provider.Schema{}, nil
}
func (p countedPlugin) Validate(context.Context, *provider.Cluster) ([]provider.Diagnostic, error) {
	if p.mode == "hang" {
		select {}
	}
	return nil, nil
}
func (countedPlugin) Preflight(context.Context, *provider.Cluster, provider.Progress) error {
	return nil
}
func (countedPlugin) Up(context.Context, *provider.Cluster, []string, provider.Progress) error {
	return errors.New("no room for machines")
}
func (countedPlugin) List(context.Context, *provider.Cluster) ([]provider.Machine, error) {
	return nil, nil
}
func (countedPlugin) Halt(context.Context, *provider.Cluster, []string, provider.Progress) error {
	return nil
}
func (countedPlugin) Destroy(context.Context, *provider.Cluster, []string, provider.Progress) error {
	return nil
}

// installCounted installs the test binary as the plugin provider
// "counted" in mode, behind a script that counts its launches, and
// writes a topology that uses it. It returns the topology's path and
// the launches so far (each plugin's PID).
func installCounted(t *testing.T, mode string) (string, func() []int) {
	t.Helper()
	dir, plugins := t.TempDir(), t.TempDir()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	launches := filepath.Join(dir, "launches")
	// exec keeps the script's PID, which is the plugin's.
	script := fmt.Sprintf("#!/bin/sh\necho launched $$ >> %q\n%s=%s exec %q \"$@\"\n", launches, pluginEnv, mode, self)
	if err := os.WriteFile(filepath.Join(plugins, "nomadbox-provider-counted"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("NOMADBOX_PLUGIN_PATH", plugins)
	path := filepath.Join(dir, "topology.hcl")
	src := "cluster \"c\" {}\nprovider \"counted\" {}\nserver \"nomad-server\" {}\nclient \"nomad-client\" {}\n"
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return path, func() []int {
		b, _ := os.ReadFile(launches)
		var pids []int
		for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
			var pid int
			if _, err := fmt.Sscanf(line, "launched %d", &pid); err == nil {
				pids = append(pids, pid)
			}
		}
		return pids
	}
}

// A command starts its plugin provider once, from the validation of the
// topology to its last step (for up, through the removal of the machines
// of a new cluster whose up failed). Each runs here as internal/cli runs
// it: Load, Open on what Load returned, the command, Close both.
func TestOnePluginLaunchPerCommand(t *testing.T) {
	ctx := context.Background()
	commands := map[string]func(t *testing.T, l *Loaded){
		"validate": func(*testing.T, *Loaded) {},
		"up --dry-run": func(t *testing.T, l *Loaded) {
			s := openFor(t, l, true)
			defer s.Close()
			if _, err := Up(ctx, s, UpOptions{DryRun: true, Assets: nomadbox.Assets()}); !errors.Is(err, ErrDryRun) {
				t.Errorf("up --dry-run: %v, want the dry run's end", err)
			}
		},
		"up": func(t *testing.T, l *Loaded) {
			s := openFor(t, l, false)
			defer s.Close()
			_, err := Up(ctx, s, UpOptions{Assets: nomadbox.Assets()})
			if err == nil || !strings.Contains(err.Error(), "no room for machines") {
				t.Errorf("up: %v, want the plugin's Up error", err)
			}
		},
	}
	for name, run := range commands {
		t.Run(name, func(t *testing.T) {
			path, launches := installCounted(t, "ok")
			l, err := Load(ctx, path)
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			run(t, l)
			if n := len(launches()); n != 1 {
				t.Errorf("%s started the plugin %d times, want once", name, n)
			}
		})
	}
}

func openFor(t *testing.T, l *Loaded, dryRun bool) *Session {
	t.Helper()
	return openTo(t, l, dryRun, nil)
}

func openTo(t *testing.T, l *Loaded, dryRun bool, out io.Writer) *Session {
	t.Helper()
	s, err := Open(context.Background(), l, SessionOptions{
		OutDir: filepath.Join(filepath.Dir(l.Topology.Filename), ".nomadbox", "c"), Command: "up", DryRun: dryRun, Out: out,
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// Ctrl-C while a plugin that never answers validates the topology ends
// Load at once, with the plugin stopped, instead of after the call's
// timeout.
func TestCancelDuringPluginValidation(t *testing.T) {
	path, launches := installCounted(t, "hang")
	ctx, cancel := context.WithCancel(context.Background())
	cancelled := make(chan time.Time, 1)
	go func() {
		for len(launches()) == 0 {
			time.Sleep(10 * time.Millisecond)
		}
		time.Sleep(300 * time.Millisecond) // into Validate
		cancelled <- time.Now()
		cancel()
	}()
	_, err := Load(ctx, path)
	took := time.Since(<-cancelled)
	var diags *Diagnostics
	if !errors.As(err, &diags) || !strings.Contains(diags.Diags[0].Detail, "cancel") {
		t.Errorf("Load: %v, want a diagnostic saying it was cancelled", err)
	}
	// At once: well under the 30 s a call may take, and under the 3 s a
	// plugin is given to exit by itself.
	if took > 2*time.Second {
		t.Errorf("Load returned %s after the cancel, not at once", took)
	}
	for _, pid := range launches() {
		if syscall.Kill(pid, 0) == nil {
			t.Errorf("the plugin (pid %d) still runs after Load returned", pid)
		}
	}
}

// The one cleanup rule of up: when a step fails after the machines of a
// new cluster were created, they are removed, unless --retain keeps them.
func TestUpRemovesANewClustersMachinesUnlessRetained(t *testing.T) {
	for _, retain := range []bool{false, true} {
		t.Run(fmt.Sprint("retain=", retain), func(t *testing.T) {
			path, _ := installCounted(t, "ok")
			l, err := Load(context.Background(), path)
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			var out strings.Builder
			s := openTo(t, l, false, &out)
			defer s.Close()
			if _, err := Up(context.Background(), s, UpOptions{Assets: nomadbox.Assets(), Retain: retain}); err == nil {
				t.Fatal("up succeeded with a provider that makes no machines")
			}
			removed := strings.Contains(out.String(), "Removing the machines this run created")
			kept := strings.Contains(out.String(), "The machines were kept")
			if removed == retain || kept != retain || !strings.Contains(out.String(), "Full log: ") {
				t.Errorf("retain %v: removed %v, kept %v:\n%s", retain, removed, kept, out.String())
			}
		})
	}
}

// validate shows a plugin block's own problems beside the other blocks'
// (every problem at once), and beside a missing file this machine lacks.
func TestPluginBlockCheckedWithTheRest(t *testing.T) {
	for name, rest := range map[string]string{
		"another block is invalid": "server \"nomad-server\" {\n  count = 0\n}\n",
		"a named file is missing":  "server \"nomad-server\" {}\njobs = [\"missing.nomad.hcl\"]\n",
	} {
		t.Run(name, func(t *testing.T) {
			path, launches := installCounted(t, "ok")
			src := "cluster \"c\" {}\nprovider \"counted\" {\n  colour = \"blue\"\n}\n" + rest + "client \"nomad-client\" {}\n"
			if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := Load(context.Background(), path)
			var diags *Diagnostics
			if !errors.As(err, &diags) {
				t.Fatalf("Load: %v, want diagnostics", err)
			}
			var plugin, other bool
			for _, d := range diags.Diags {
				if d.Subject != nil && d.Subject.Start.Line == 3 {
					plugin = true // colour, in the provider block
				} else {
					other = true
				}
			}
			if !plugin || !other {
				var b strings.Builder
				diags.Write(&b, false)
				t.Errorf("want the provider block's problem and the other one, got:\n%s", b.String())
			}
			if n := len(launches()); n != 1 {
				t.Errorf("the plugin started %d times, want once", n)
			}
		})
	}
}
