//go:build toolcheck

// Tier 2: the rendered files meet the real tools. Run with
//   go test -tags toolcheck ./generator
// (the Taskfile's test:tools task builds Consul and Nomad first).
// A missing tool fails the test with what to install; nothing is skipped.

package generator_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/nomadbox/nomadbox"
	"github.com/nomadbox/nomadbox/generator"
	"github.com/nomadbox/nomadbox/internal/nodeimage"
	"github.com/nomadbox/nomadbox/internal/renderdir"
	"github.com/nomadbox/nomadbox/internal/secrets"
	"github.com/nomadbox/nomadbox/internal/testtools"
	"github.com/nomadbox/nomadbox/internal/topology"
)

// renderTo writes a full render directory, secrets included, the way
// `nomadbox render` does.
func renderTo(t *testing.T, name string, src []byte) (string, *topology.Topology) {
	t.Helper()
	return writeRender(t, parse(t, name, src))
}

// agentRender is the render whose agent configurations the real Consul
// and Nomad check: dir itself when topo pins the releases the test
// binaries are, else the same topology rendered for those releases. The
// binaries are the old family only, and a later release's settings
// (FeaturesOf) are unknown keys to them; everything else in the file
// (drivers, meta, TLS, ACLs) is the same in both renders.
func agentRender(t *testing.T, dir string, topo *topology.Topology) (string, *topology.Topology) {
	t.Helper()
	tools := topology.Versions{Consul: testtools.ConsulVersion, Nomad: testtools.NomadVersion}
	if topo.Versions.Consul == tools.Consul && topo.Versions.Nomad == tools.Nomad {
		return dir, topo
	}
	pinned := *topo
	pinned.Versions.Consul, pinned.Versions.Nomad = tools.Consul, tools.Nomad
	return writeRender(t, &pinned)
}

func writeRender(t *testing.T, topo *topology.Topology) (string, *topology.Topology) {
	t.Helper()
	files, err := generator.Render(input(t, topo, nodeimage.Checksums{}), nomadbox.Assets())
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := secrets.Ensure(dir, topo); err != nil {
		t.Fatal(err)
	}
	if err := renderdir.Write(dir, files); err != nil {
		t.Fatal(err)
	}
	return dir, topo
}

func TestRealTools(t *testing.T) {
	testtools.Require(t, "vagrant", "ansible-playbook", "ansible-lint", "docker")
	// The libvirt renders are validated with the provider installed.
	testtools.RequireVagrantPlugin(t, "vagrant-libvirt")
	if out, err := testtools.Output("", nil, "docker", "info"); err != nil {
		t.Fatalf("the Docker daemon is not running (needed by `vagrant validate` for the docker provider): start it with `dockerd &` or `go tool task deps`\n%s", out)
	}
	consul := testtools.Consul(t)
	nomad := testtools.Nomad(t)

	for name, src := range goldenCases(t) {
		t.Run(name, func(t *testing.T) {
			dir, topo := renderTo(t, name, src)

			if topo.Provider.UsesVagrant() {
				vagrantValidate(t, dir, topo.Provider.Name)
			}

			ansibleDir := filepath.Join(dir, "ansible")
			testtools.Run(t, ansibleDir, nil, "ansible-playbook", "--syntax-check", "site.yml")
			testtools.Run(t, ansibleDir, nil, "ansible-playbook", "--syntax-check", "example.yml")
			// Linted per render: the roles are shared, but the generated
			// inventory and variables differ from case to case.
			testtools.Run(t, ansibleDir, nil, "ansible-lint", "--offline", "--nocolor", "--profile", "production", "site.yml", "example.yml", "roles", "group_vars", "host_vars", "inventory.yml")

			agents, agentTopo := agentRender(t, dir, topo)
			for _, n := range agentTopo.Nodes() {
				cdir := agentDir(t, agents, n, "consul.hcl", agentTopo)
				testtools.Run(t, cdir, nil, consul, "validate", cdir)
				ndir := agentDir(t, agents, n, "nomad.hcl", agentTopo)
				testtools.Run(t, ndir, nil, nomad, "config", "validate", ndir)
			}
		})
	}
}

// vagrantValidate checks the Vagrantfile with the real Vagrant. Where the
// provider can run here (docker, libvirt) the provider's own options are
// checked too; VirtualBox, Hyper-V and Parallels cannot run on this kind
// of machine, so for them Vagrant checks everything but their block.
func vagrantValidate(t *testing.T, dir, provider string) {
	t.Helper()
	env := []string{"VAGRANT_CHECKPOINT_DISABLE=1"}
	switch provider {
	case "docker", "libvirt":
		testtools.Run(t, dir, env, "vagrant", "validate")
	case "parallels":
		// The vagrant-parallels plugin is not packaged for Debian: validate
		// the machines against a provider Vagrant knows.
		testtools.Run(t, dir, append(env, "VAGRANT_DEFAULT_PROVIDER=virtualbox"), "vagrant", "validate", "--ignore-provider")
	default:
		testtools.Run(t, dir, env, "vagrant", "validate", "--ignore-provider")
	}
}

// agentDir assembles a node's agent configuration directory as the roles
// lay it out on the node: the generated file plus the files the roles
// write from secrets (gossip key, ACL tokens).
func agentDir(t *testing.T, renderDir string, n topology.Node, file string, topo *topology.Topology) string {
	t.Helper()
	dir := t.TempDir()
	src, err := os.ReadFile(filepath.Join(renderDir, "ansible", "config", n.Name, file))
	if err != nil {
		t.Fatal(err)
	}
	write := func(name, content string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(file, string(src))
	secret := func(name string) string {
		b, err := os.ReadFile(filepath.Join(renderDir, "secrets", name))
		if err != nil {
			t.Fatal(err)
		}
		return strings.TrimSpace(string(b))
	}
	server := n.Role == topology.RoleServer
	switch {
	case file == "consul.hcl":
		if topo.Security.GossipEncryption {
			write("encrypt.hcl", `encrypt = "`+secret("consul-gossip.key")+`"`+"\n")
		}
		if topo.Security.ACL {
			tok := secret("consul-management.token")
			if server {
				write("acl-tokens.hcl", `acl { tokens { initial_management = "`+tok+`"`+"\n"+`agent = "`+tok+`" } }`+"\n")
			} else {
				write("acl-tokens.hcl", `acl { tokens { agent = "`+tok+`" } }`+"\n")
			}
		}
	case file == "nomad.hcl":
		if topo.Security.GossipEncryption && server {
			write("encrypt.hcl", `server { encrypt = "`+secret("nomad-gossip.key")+`" }`+"\n")
		}
		if topo.Security.ACL {
			write("consul-token.hcl", `consul { token = "`+secret("consul-management.token")+`" }`+"\n")
		}
	}
	return dir
}

// TestRealToolsCatchMistakes proves the checks above can fail: each tool
// rejects a deliberately broken input.
func TestRealToolsCatchMistakes(t *testing.T) {
	consul := testtools.Consul(t)
	nomad := testtools.Nomad(t)
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "bad-consul.hcl"), []byte("data_dir = \"/tmp/x\"\nserver = true\nbootstrap_expect = \"three\"\n"), 0o644)
	if out, err := testtools.Output(dir, nil, consul, "validate", "bad-consul.hcl"); err == nil {
		t.Errorf("consul validate accepted a broken config:\n%s", out)
	}
	os.WriteFile(filepath.Join(dir, "bad-nomad.hcl"), []byte("data_dir = \"/tmp/y\"\nclient { enabld = true }\n"), 0o644)
	if out, err := testtools.Output(dir, nil, nomad, "config", "validate", "bad-nomad.hcl"); err == nil {
		t.Errorf("nomad config validate accepted a broken config:\n%s", out)
	}
	os.WriteFile(filepath.Join(dir, "Vagrantfile"), []byte("Vagrant.configure(\"2\") do |c|\n  c.vm.hostnme = \"x\"\nend\n"), 0o644)
	if out, err := testtools.Output(dir, nil, "vagrant", "validate", "--ignore-provider"); err == nil {
		t.Errorf("vagrant validate accepted a broken Vagrantfile:\n%s", out)
	}
	os.WriteFile(filepath.Join(dir, "site.yml"), []byte("- hosts: all\n  tasks:\n    - shell: echo hi\n"), 0o644)
	if out, err := testtools.Output(dir, nil, "ansible-lint", "--offline", "--nocolor", "site.yml"); err == nil {
		t.Errorf("ansible-lint accepted a playbook with unnamed tasks and a bare shell:\n%s", out)
	}
}

// TestRealToolsPluginVagrantfile has the real Vagrant check the
// Vagrantfile of a plugin whose machines Vagrant makes: the fragments sit
// where Ruby and Vagrant accept them. The plugin's own Vagrant provider
// is not installed here, so its block is not evaluated (--ignore-provider).
func TestRealToolsPluginVagrantfile(t *testing.T) {
	testtools.Require(t, "vagrant")
	files, err := generator.Render(pluginVagrantInput(t), nomadbox.Assets())
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "Vagrantfile"), files["Vagrantfile"], 0o644); err != nil {
		t.Fatal(err)
	}
	testtools.Run(t, dir, []string{"VAGRANT_CHECKPOINT_DISABLE=1", "VAGRANT_DEFAULT_PROVIDER=virtualbox"}, "vagrant", "validate", "--ignore-provider")
	testtools.Run(t, dir, nil, "ruby", "-c", "Vagrantfile")
}

// TestRealToolsTemplateLookup: the roles render their templates with
// nomadbox_template (ansible/lookup_plugins), which skips the deep copy of
// every variable that ansible.builtin.template makes per file. For every
// template of every role, with each render's variables and this machine's
// probe (check mode, on localhost), the two lookups must give the same
// text, and the file sets must render.
func TestRealToolsTemplateLookup(t *testing.T) {
	testtools.Require(t, "ansible-playbook")
	cases := goldenCases(t)
	for _, name := range []string{"default-docker", "security-on", "install-local"} {
		t.Run(name, func(t *testing.T) {
			dir, _ := renderTo(t, name, cases[name])
			ansibleDir := filepath.Join(dir, "ansible")
			b, err := os.ReadFile(filepath.Join(ansibleDir, "site.yml"))
			if err != nil {
				t.Fatal(err)
			}
			var site []map[string]any
			if err := yaml.Unmarshal(b, &site); err != nil {
				t.Fatal(err)
			}
			first := site[0]
			probe := first["pre_tasks"].([]any)[0].(map[string]any)
			tasks := []any{map[string]any{"name": "probe", "nomadbox_facts": probe["nomadbox_facts"], "check_mode": true}}
			templates, _ := filepath.Glob(filepath.Join(ansibleDir, "roles", "*", "templates", "*.j2"))
			if len(templates) < 10 {
				t.Fatalf("found %d role templates: the glob no longer matches the roles", len(templates))
			}
			for _, tmpl := range templates {
				// acl-tokens.hcl reads the tokens, which exist only with ACLs on.
				if strings.HasSuffix(tmpl, "acl-tokens.hcl.j2") && name != "security-on" {
					continue
				}
				ours := fmt.Sprintf("lookup('nomadbox_template', %q)", tmpl)
				theirs := fmt.Sprintf("lookup('ansible.builtin.template', %q, convert_data=False)", tmpl)
				tasks = append(tasks, map[string]any{
					"name": "same text for " + filepath.Base(tmpl),
					"ansible.builtin.assert": map[string]any{
						"that":        []string{ours + " == " + theirs, ours + " | length > 0"},
						"fail_msg":    "nomadbox_template renders " + tmpl + " differently from ansible.builtin.template",
						"success_msg": "same",
					},
				})
			}
			tasks = append(tasks, map[string]any{
				"name":                   "the file sets render",
				"ansible.builtin.assert": map[string]any{"that": []string{"nomadbox_set_files | length > 3"}},
			})
			play := []any{map[string]any{
				"name": "compare", "hosts": "all", "gather_facts": false,
				// site.yml reads the roles' defaults as vars_files.
				"vars": first["vars"], "vars_files": first["vars_files"], "tasks": tasks,
			}}
			out, _ := yaml.Marshal(play)
			os.WriteFile(filepath.Join(ansibleDir, "compare.yml"), out, 0o644)
			res := testtools.Run(t, ansibleDir, []string{"ANSIBLE_NOCOLOR=1"}, "ansible-playbook",
				"-e", "ansible_connection=local", "-e", "ansible_python_interpreter=/usr/bin/python3", "compare.yml")
			// Every host (each case has at least three) ran every comparison.
			if n := strings.Count(res, `"msg": "same"`); n < (len(tasks)-2)*3 {
				t.Errorf("%d comparisons passed; want one per template and host:\n%s", n, res)
			}
		})
	}
}
