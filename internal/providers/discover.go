package providers

import (
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	"github.com/nomadbox/nomadbox/internal/topology"
)

// PluginPrefix starts the name of every provider plugin's executable.
const PluginPrefix = "nomadbox-provider-"

// SearchPath is where plugins are looked for, in order:
// $NOMADBOX_PLUGIN_PATH (a list like PATH), ~/.nomadbox/plugins, then
// every directory of PATH.
func SearchPath() []string {
	var dirs []string
	dirs = append(dirs, filepath.SplitList(os.Getenv("NOMADBOX_PLUGIN_PATH"))...)
	if home, err := os.UserHomeDir(); err == nil {
		dirs = append(dirs, filepath.Join(home, ".nomadbox", "plugins"))
	}
	dirs = append(dirs, filepath.SplitList(os.Getenv("PATH"))...)
	out := dirs[:0]
	seen := map[string]bool{}
	for _, d := range dirs {
		if d != "" && !seen[d] {
			seen[d] = true
			out = append(out, d)
		}
	}
	return out
}

// Find is the executable of provider plugin name: the first match along
// SearchPath. It also returns the directories it looked in.
func Find(name string) (string, []string) {
	dirs := SearchPath()
	for _, d := range dirs {
		if p := filepath.Join(d, PluginPrefix+name); isExecutable(p) {
			return p, dirs
		}
	}
	return "", dirs
}

// Found is a plugin found on the search path.
type Found struct {
	Name, Path string
	// Shadowed are later executables of the same name, never used.
	Shadowed []string
}

// Discover lists every plugin on the search path, by name.
func Discover() []Found {
	byName := map[string]*Found{}
	for _, d := range SearchPath() {
		entries, err := os.ReadDir(d)
		if err != nil {
			continue
		}
		for _, e := range entries {
			name, ok := strings.CutPrefix(e.Name(), PluginPrefix)
			p := filepath.Join(d, e.Name())
			if !ok || name == "" || !isExecutable(p) {
				continue
			}
			if f, ok := byName[name]; ok {
				f.Shadowed = append(f.Shadowed, p)
				continue
			}
			byName[name] = &Found{Name: name, Path: p}
		}
	}
	out := make([]Found, 0, len(byName))
	for _, f := range byName {
		out = append(out, *f)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func isExecutable(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir() && st.Mode()&0o111 != 0
}

// IsBuiltin reports whether name is one of nomadbox's own providers.
func IsBuiltin(name string) bool { return topology.IsBuiltinProvider(name) }

// selfPath is this nomadbox executable, which serves the built-ins out
// of process.
func selfPath() (string, error) {
	p, err := os.Executable()
	if err != nil {
		return exec.LookPath(os.Args[0])
	}
	return p, nil
}
