package providers

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"

	"github.com/nomadbox/nomadbox/internal/execx"
	"github.com/nomadbox/nomadbox/internal/pluginhost"
	"github.com/nomadbox/nomadbox/internal/providers/builtin"
	"github.com/nomadbox/nomadbox/internal/secrets"
	"github.com/nomadbox/nomadbox/internal/topology"
	"github.com/nomadbox/nomadbox/provider"
)

// OutOfProcessEnv set to "1" serves even the built-in providers from a
// `nomadbox provider serve <name>` process over gRPC, exactly as a
// plugin is served: the test suite runs a cluster this way to prove the
// boundary.
const OutOfProcessEnv = "NOMADBOX_BUILTIN_OVER_GRPC"

// Handle is the provider a command works with, and what it said of
// itself. Close it when done.
type Handle struct {
	provider.Provider
	Description *provider.Description
	// Path is the plugin's executable; "" in this process.
	Path   string
	plugin *pluginhost.Plugin
	log    *pluginLog
}

// SetLog sends what the plugin writes to stderr from now on to log,
// each line masked by mask: a plugin started before the cluster's log
// was open (LaunchFor) writes into it from then on.
func (h *Handle) SetLog(log io.Writer, mask func(string) string) {
	if h.log != nil {
		h.log.set(log, mask)
	}
}

// Close stops the plugin process, if any.
func (h *Handle) Close() {
	if h.plugin != nil {
		h.plugin.Close()
	}
}

// Open returns the provider the topology names: a built-in in this
// process (or served out of process with OutOfProcessEnv), or the
// plugin found along SearchPath. Everything a plugin writes to stderr
// goes to log, masked by runner.
func Open(ctx context.Context, t *topology.Topology, runner *execx.Runner, log io.Writer) (*Handle, error) {
	name := t.Provider.Name
	if IsBuiltin(name) && os.Getenv(OutOfProcessEnv) != "1" {
		p := InProcess(t, runner)
		d, err := p.Describe(ctx)
		if err != nil {
			return nil, err
		}
		return &Handle{Provider: p, Description: d}, nil
	}
	stderr := &pluginLog{name: name, w: log, mask: runner.Mask}
	opts := pluginhost.LaunchOptions{Name: name}
	if IsBuiltin(name) {
		self, err := selfPath()
		if err != nil {
			return nil, err
		}
		opts.Path, opts.Args = self, []string{"provider", "serve", name}
	} else {
		path, dirs := Find(name)
		if path == "" {
			return nil, NotFoundError(name, dirs)
		}
		opts.Path = path
	}
	return launch(ctx, opts, stderr)
}

// Launch starts the plugin at path and asks it to describe itself.
func Launch(ctx context.Context, name, path string, log io.Writer) (*Handle, error) {
	return launch(ctx, pluginhost.LaunchOptions{Name: name, Path: path}, &pluginLog{name: name, w: log})
}

// launch starts the plugin opts names, its stderr written to stderr.
func launch(ctx context.Context, opts pluginhost.LaunchOptions, stderr *pluginLog) (*Handle, error) {
	opts.Stderr = stderr
	p, err := pluginhost.Launch(ctx, opts)
	if err != nil {
		return nil, err
	}
	d, err := p.Describe(ctx)
	if err != nil {
		p.Close()
		return nil, err
	}
	if d.Name != opts.Name {
		p.Close()
		return nil, fmt.Errorf("%s says it is provider %q, not %q: rename it %s%s", opts.Path, d.Name, opts.Name, PluginPrefix, d.Name)
	}
	return &Handle{Provider: p, Description: d, Path: opts.Path, plugin: p, log: stderr}, nil
}

// NotFoundError says where nomadbox looked for a plugin and how to
// install one.
func NotFoundError(name string, dirs []string) error {
	return fmt.Errorf("provider %q is not built in and no executable %s%s was found in %s; install the plugin there (or set NOMADBOX_PLUGIN_PATH), or use one of the built-in providers (%s)",
		name, PluginPrefix, name, strings.Join(dirs, ", "), strings.Join(topology.BuiltinProviders(), ", "))
}

// pluginLog writes a plugin's stderr into the cluster's log, each line
// prefixed with the provider's name and masked; with no log, nowhere.
// pluginhost.Launch hands it whole lines, one per Write.
type pluginLog struct {
	name string
	mu   sync.Mutex
	w    io.Writer
	mask func(string) string
}

func (l *pluginLog) set(w io.Writer, mask func(string) string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.w, l.mask = w, mask
}

func (l *pluginLog) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.w == nil {
		return len(b), nil
	}
	for _, line := range strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") {
		if l.mask != nil {
			line = l.mask(line)
		}
		fmt.Fprintf(l.w, "[provider %s] %s\n", l.name, line)
	}
	return len(b), nil
}

// Serve serves the built-in provider name over gRPC on stdin/stdout, as
// a plugin: the hidden `nomadbox provider serve <name>`. Each request
// says everything the provider works from (builtin.TopologyOf): the
// topology file is not read again.
func Serve(name string) error {
	if !IsBuiltin(name) {
		return fmt.Errorf("%q is not a built-in provider (%s)", name, strings.Join(topology.BuiltinProviders(), ", "))
	}
	b := newBuiltin(name, servedEnv(name))
	provider.Serve(b)
	return nil
}

// servedEnv makes a served built-in's Env from each request. Commands'
// output goes to stderr, which nomadbox keeps in the cluster's log,
// masked with the secrets of the request's directory.
func servedEnv(name string) func(c *provider.Cluster) (*builtin.Env, error) {
	var mu sync.Mutex
	runners := map[string]*execx.Runner{}
	return func(c *provider.Cluster) (*builtin.Env, error) {
		t, err := builtin.TopologyOf(name, c)
		if err != nil {
			return nil, err
		}
		mu.Lock()
		defer mu.Unlock()
		r, ok := runners[c.Dir]
		if !ok {
			r = &execx.Runner{Log: os.Stderr, Secrets: secrets.Values(c.Dir)}
			runners[c.Dir] = r
		}
		return &builtin.Env{Topology: t, Dir: c.Dir, Runner: r}, nil
	}
}
