package nomadbox_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/nomadbox/nomadbox/internal/nodeimage"
)

// TestProbeAsksForEveryPackage: the probe (nomadbox_facts) reports only
// the packages site.yml's nomadbox_probe_packages names, so a package a
// role asks about and the list leaves out would read as not installed.
// Every package named in a check against ansible_facts['packages'], and
// every package of the lists checked against it, must be in the list.
func TestProbeAsksForEveryPackage(t *testing.T) {
	var site []struct {
		Vars map[string]any `yaml:"vars"`
	}
	readYAML(t, "ansible/site.yml", &site)
	if len(site) == 0 {
		t.Fatal("site.yml has no plays")
	}
	// The expressions; other vars (nomadbox_fileset) are maps.
	text := func(name string) string { s, _ := site[0].Vars[name].(string); return s }
	if text("nomadbox_probe_packages") == "" {
		t.Fatal("site.yml's first play has no nomadbox_probe_packages")
	}
	// The lists the expressions name, from the roles' defaults.
	lists := map[string][]string{}
	for _, role := range []string{"common", "docker"} {
		var defaults map[string]any
		readYAML(t, "ansible/roles/"+role+"/defaults/main.yml", &defaults)
		for k, v := range defaults {
			if items, ok := v.([]any); ok && strings.HasSuffix(k, "_packages") {
				for _, it := range items {
					if s, ok := it.(string); ok {
						lists[k] = append(lists[k], s)
					}
				}
			}
		}
	}
	literal := regexp.MustCompile(`'([a-z0-9][a-z0-9.+-]*)'`)
	listVar := regexp.MustCompile(`\b([a-z_]+_packages)\b`)
	// names returns the packages that text names: what named matches
	// (group 1: a package) and the items of the lists that lists matches
	// (group 1: a *_packages variable).
	names := func(text string, named, listed *regexp.Regexp) map[string]bool {
		got := map[string]bool{}
		for _, m := range named.FindAllStringSubmatch(text, -1) {
			got[m[1]] = true
		}
		for _, m := range listed.FindAllStringSubmatch(text, -1) {
			for _, p := range lists[m[1]] {
				got[p] = true
			}
		}
		return got
	}
	probe := names(text("nomadbox_probe_packages"), literal, listVar)
	if !probe["dnsmasq"] || !probe["docker.io"] || !probe["unzip"] {
		t.Fatalf("the probe's list reads as %v: the lists were not found", probe)
	}
	asked := map[string]string{} // package: where it is asked about
	for name := range names(text("nomadbox_packages"), literal, listVar) {
		asked[name] = "site.yml nomadbox_packages"
	}
	check := regexp.MustCompile(`'([a-z0-9][a-z0-9.+-]*)' (?:not )?in ansible_facts\['packages'\]`)
	reject := regexp.MustCompile(`([a-z_]+_packages)[^|]*\)?\s*\|\s*reject\('in', ansible_facts\['packages'\]`)
	err := filepath.WalkDir("ansible", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".yml") {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		var code []string // comments left out
		for _, line := range strings.Split(string(b), "\n") {
			if !strings.HasPrefix(strings.TrimSpace(line), "#") {
				code = append(code, line)
			}
		}
		text := strings.Join(strings.Fields(strings.Join(code, "\n")), " ")
		for name := range names(text, check, reject) {
			asked[name] = path
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"resolvconf", "nftables", "systemd-timesyncd", "docker-ce", "jq"} {
		if asked[want] == "" {
			t.Errorf("no check of %s found: the patterns no longer match the roles", want)
		}
	}
	for p, where := range asked {
		if !probe[p] {
			t.Errorf("%s asks whether %s is installed, but nomadbox_probe_packages leaves it out (the probe would say it is not)", where, p)
		}
	}
}

func readYAML(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// TestProbeChecksumCacheIsTheImages: the probe reads the checksum cache
// where `box build` writes it into the node image
// (nodeimage.NodeChecksumCache), and uninstall.yml removes its folder. The path is written in YAML and
// in Go, so a move of one alone would silently leave the cache unread
// (every probe reads the binaries again) or behind after an uninstall.
func TestProbeChecksumCacheIsTheImages(t *testing.T) {
	var site []struct {
		PreTasks []map[string]any `yaml:"pre_tasks"`
	}
	readYAML(t, "ansible/site.yml", &site)
	var got []string
	for _, play := range site {
		for _, task := range play.PreTasks {
			if args, ok := task["nomadbox_facts"].(map[string]any); ok {
				s, _ := args["checksum_cache"].(string)
				got = append(got, s)
			}
		}
	}
	if len(got) != 1 || got[0] != nodeimage.NodeChecksumCache {
		t.Errorf("site.yml's probe reads checksum_cache %q; the node image writes %s", got, nodeimage.NodeChecksumCache)
	}
	b, err := os.ReadFile("ansible/uninstall.yml")
	if err != nil {
		t.Fatal(err)
	}
	if dir := filepath.Dir(nodeimage.NodeChecksumCache); !strings.Contains(string(b), dir+";") && !strings.Contains(string(b), dir+" ") {
		t.Errorf("uninstall.yml does not remove %s, the folder of the checksum cache", dir)
	}
}
