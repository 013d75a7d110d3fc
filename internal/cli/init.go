package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/netip"
	"path/filepath"
	"strings"

	goversion "github.com/hashicorp/go-version"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/urfave/cli/v2"
	ctyjson "github.com/zclconf/go-cty/cty/json"

	"github.com/nomadbox/nomadbox"
	"github.com/nomadbox/nomadbox/internal/binversion"
	"github.com/nomadbox/nomadbox/internal/detect"
	"github.com/nomadbox/nomadbox/internal/providers"
	"github.com/nomadbox/nomadbox/internal/scaffold"
	"github.com/nomadbox/nomadbox/internal/topology"
)

func initCommand() *cli.Command {
	return &cli.Command{
		Name:      "init",
		Usage:     "write a commented topology.hcl (and the example jobs it deploys)",
		UsageText: "nomadbox init [--servers N] [--clients M] [--provider P] [--name NAME] [--force] [-f FILE]",
		Description: "Writes the reference sandbox: one server (nomad-server1), two Docker clients\n" +
			"(nomad-client1, nomad-client2) with the docker and raw_exec drivers, dnsmasq\n" +
			"for .consul names and the fabio job. Every field is explained in the file.\n" +
			"Without --provider init chooses one that can run now: VirtualBox where\n" +
			"VBoxManage works, libvirt where its daemon answers and KVM boots a guest,\n" +
			"Docker where its daemon answers, then libvirt under emulation; it says why\n" +
			"and names the runner-up. With --install local the versions written are the\n" +
			"binaries' own (`consul version`, `nomad version`).\n" +
			"Example jobs are written to jobs/ unless files of the same name exist.",
		Flags: []cli.Flag{
			fileFlagUsage("topology file to write"),
			&cli.IntFlag{Name: "servers", Value: 1, Usage: "number of servers (1, 3 or 5)"},
			&cli.IntFlag{Name: "clients", Value: 2, Usage: "number of clients"},
			&cli.StringFlag{Name: "provider", Usage: "virtualbox, libvirt, docker, hyperv, parallels, ssh, or the name of a provider plugin (default: detected)"},
			&cli.StringFlag{Name: "name", Value: "playground", Usage: "cluster name"},
			&cli.BoolFlag{Name: "force", Usage: "overwrite an existing topology file"},
			&cli.StringFlag{Name: "cidr", Usage: "private network (default 192.168.56.0/24)"},
			&cli.StringFlag{Name: "consul-version", Usage: "Consul version to install"},
			&cli.StringFlag{Name: "nomad-version", Usage: "Nomad version to install"},
			&cli.StringFlag{Name: "install", Usage: "install method: releases, apt or local"},
			&cli.StringFlag{Name: "consul-binary", Usage: "with --install local: Consul binary to copy to the nodes"},
			&cli.StringFlag{Name: "nomad-binary", Usage: "with --install local: Nomad binary to copy to the nodes"},
			&cli.StringFlag{Name: "docker-package", Usage: "docker-ce (Docker's apt repository) or docker.io (the distribution's)"},
			&cli.StringFlag{Name: "jobs", Value: "fabio", Usage: "comma-separated example jobs that up deploys (from jobs/); empty for none"},
		},
		Before: noArgs,
		Action: func(c *cli.Context) error {
			opts := initOptions(c)
			if err := checkInitFlags(opts); err != nil {
				return err
			}
			if err := pinLocalVersions(&opts); err != nil {
				return err
			}
			chosen, err := chooseProvider(c.Context, &opts)
			if err != nil {
				return err
			}
			// What init writes must pass validate: flags such as --cidr or
			// --name could make it invalid, and a file that fails later
			// helps nobody.
			if err := selfCheck(opts); err != nil {
				return err
			}
			written, err := scaffold.Write(opts)
			if err != nil {
				return err
			}
			if chosen != "" {
				fmt.Fprintln(c.App.Writer, chosen)
			}
			for _, w := range written {
				fmt.Fprintf(c.App.Writer, "Wrote %s\n", w)
			}
			hint := ""
			if f := c.String("file"); filepath.Clean(f) != topology.DefaultFile {
				hint = " -f " + f
			}
			fmt.Fprintf(c.App.Writer, "Next: edit the file, then run `nomadbox validate%s` and `nomadbox up%s`.\n", hint, hint)
			return nil
		},
	}
}

func initOptions(c *cli.Context) scaffold.WriteOptions {
	return scaffold.WriteOptions{
		Options: scaffold.Options{
			Cluster:  c.String("name"),
			Provider: c.String("provider"),
			Servers:  c.Int("servers"),
			Clients:  c.Int("clients"),

			CIDR:          c.String("cidr"),
			ConsulVersion: c.String("consul-version"),
			NomadVersion:  c.String("nomad-version"),
			InstallMethod: c.String("install"),
			ConsulBinary:  c.String("consul-binary"),
			NomadBinary:   c.String("nomad-binary"),
			DockerPackage: c.String("docker-package"),
			Jobs:          splitList(c.String("jobs")),
		},
		File:   c.String("file"),
		Force:  c.Bool("force"),
		Assets: nomadbox.Assets(),
	}
}

// checkInitFlags refuses flag combinations that cannot make a topology,
// before anything is probed.
func checkInitFlags(opts scaffold.WriteOptions) error {
	if opts.Servers < 1 || opts.Clients < 1 {
		return usageError{fmt.Errorf("--servers and --clients must be at least 1")}
	}
	for _, j := range opts.Jobs {
		if _, err := fs.Stat(nomadbox.Assets(), "jobs/"+j+".nomad.hcl"); err != nil {
			names, _ := fs.Glob(nomadbox.Assets(), "jobs/*.nomad.hcl")
			return usageError{fmt.Errorf("--jobs: there is no example job %q; the examples are %s", j, strings.Join(trimJobNames(names), ", "))}
		}
	}
	if (opts.ConsulBinary != "" || opts.NomadBinary != "") && opts.InstallMethod != "local" {
		return usageError{fmt.Errorf("--consul-binary and --nomad-binary go with --install local")}
	}
	if opts.InstallMethod == "local" && (opts.ConsulBinary == "" || opts.NomadBinary == "") {
		return usageError{fmt.Errorf("--install local needs --consul-binary and --nomad-binary")}
	}
	return nil
}

// probeBinary asks a local binary what it is; tests substitute it.
var probeBinary = binversion.Probe

// pinLocalVersions makes the versions init writes those of the local
// binaries, which are what the nodes will run: a --consul-version or
// --nomad-version that says otherwise is refused. The binaries' paths
// are written relative to the topology file, which is what validate
// resolves them against.
func pinLocalVersions(opts *scaffold.WriteOptions) error {
	if opts.InstallMethod != "local" {
		return nil
	}
	for _, b := range []struct {
		program       string
		path, version *string
	}{{"consul", &opts.ConsulBinary, &opts.ConsulVersion}, {"nomad", &opts.NomadBinary, &opts.NomadVersion}} {
		info, err := probeBinary(*b.path)
		name := strings.ToUpper(b.program[:1]) + b.program[1:]
		switch {
		case err != nil:
			return usageError{fmt.Errorf("--%s-binary: %v; it must be the Linux %s executable", b.program, err, name)}
		case info.Program != b.program:
			return usageError{fmt.Errorf("--%s-binary %s is %s v%s, not %s", b.program, *b.path, strings.ToUpper(info.Program[:1])+info.Program[1:], info.Version, name)}
		case *b.version != "" && !sameVersion(*b.version, info.Version):
			return usageError{fmt.Errorf("--%s-version %s contradicts --%s-binary %s, which is %s %s: leave out --%s-version (init writes the binary's) or pass a %s %s binary",
				b.program, *b.version, b.program, *b.path, name, info.Version, b.program, name, *b.version)}
		}
		*b.version = info.Version
		*b.path = relativeTo(opts.File, *b.path)
	}
	return nil
}

func sameVersion(a, b string) bool {
	va, err1 := goversion.NewVersion(a)
	vb, err2 := goversion.NewVersion(b)
	return err1 == nil && err2 == nil && va.Equal(vb)
}

// relativeTo rewrites a relative path given on the command line (from
// the working directory) as relative to file's directory; absolute
// paths stay as they are.
func relativeTo(file, path string) string {
	if filepath.IsAbs(path) {
		return path
	}
	abs, err1 := filepath.Abs(path)
	dir, err2 := filepath.Abs(filepath.Dir(file))
	if err1 != nil || err2 != nil {
		return path
	}
	if rel, err := filepath.Rel(dir, abs); err == nil {
		return rel
	}
	return abs
}

// detectProviders looks at this machine; tests substitute it.
var detectProviders = func(ctx context.Context) detect.Result {
	return detect.Detect(ctx, detect.Host())
}

// chooseProvider detects the provider unless --provider names one, and
// returns what to tell the user: why it chose it and what came second.
// When nothing can run it says what was looked for and how to fix each.
func chooseProvider(ctx context.Context, opts *scaffold.WriteOptions) (string, error) {
	if opts.Provider != "" {
		if providers.IsBuiltin(opts.Provider) {
			return "", nil
		}
		// A plugin: its block is written from the schema it declares.
		attrs, err := pluginBlock(ctx, opts.Provider)
		if err != nil {
			return "", usageError{err}
		}
		opts.PluginAttributes = attrs
		return "", nil
	}
	r := detectProviders(ctx)
	if r.Chosen == nil {
		return "", fmt.Errorf("%s\nFix one of them, or pass --provider NAME to write the topology anyway", r.Explain())
	}
	opts.Provider = r.Chosen.Provider
	msg := fmt.Sprintf("Provider %s: %s", r.Chosen.Label(), r.Chosen.Why)
	if r.RunnerUp != nil {
		msg += fmt.Sprintf("; runner-up: %s", r.RunnerUp.Label())
	}
	return msg + ". Pass --provider to choose another.", nil
}

// selfCheck validates the topology init is about to write, as validate
// would. A network too small for the nodes asked for gets the smallest
// one that validates as advice; anything else is listed whole.
func selfCheck(opts scaffold.WriteOptions) error {
	src, err := scaffold.Topology(opts.Options)
	if err != nil {
		return err
	}
	t, diags := providers.NewParser().Parse(src, opts.File)
	if t != nil {
		_, ds := t.CheckLocalBinaries(func(path string) (string, string, error) {
			info, err := probeBinary(path)
			return info.Program, info.Version, err
		})
		diags = append(diags, ds...)
	}
	if !diags.HasErrors() {
		return nil
	}
	if p, err := netip.ParsePrefix(opts.CIDR); err == nil {
		if fits, last, ok := scaffold.SmallestNetwork(opts.Options); ok && fits.Bits() < p.Bits() {
			return usageError{fmt.Errorf("--cidr %s is too small for %d server(s) and %d client(s): their addresses go up to %s, so the smallest network there is %s; pass --cidr %s or a larger network",
				opts.CIDR, opts.Servers, opts.Clients, last, fits, fits)}
		}
	}
	var b strings.Builder
	b.WriteString("these flags give a topology that does not validate, so nothing was written:")
	for _, d := range diags {
		if d.Severity == hcl.DiagError {
			fmt.Fprintf(&b, "\n  %s: %s", d.Summary, d.Detail)
		}
	}
	return usageError{errors.New(b.String())}
}

// pluginBlock starts the provider plugin name and turns the schema it
// declares into the attributes init writes.
func pluginBlock(ctx context.Context, name string) ([]scaffold.Attribute, error) {
	path, dirs := providers.Find(name)
	if path == "" {
		return nil, providers.NotFoundError(name, dirs)
	}
	h, err := providers.Launch(ctx, name, path, nil)
	if err != nil {
		return nil, err
	}
	defer h.Close()
	schema, err := h.Schema(ctx)
	if err != nil {
		return nil, err
	}
	var out []scaffold.Attribute
	for _, a := range schema.Attributes {
		attr := scaffold.Attribute{Name: a.Name, Description: a.Description, Required: a.Required}
		if a.Default != nil {
			attr.Default = hclLiteral(a.Default)
		}
		out = append(out, attr)
	}
	return out, nil
}

// hclLiteral writes a plugin's default (a JSON value) as an HCL literal,
// escaped as HCL wants ("${" in a string is a template otherwise).
func hclLiteral(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	ty, err := ctyjson.ImpliedType(b)
	if err != nil {
		return ""
	}
	val, err := ctyjson.Unmarshal(b, ty)
	if err != nil {
		return ""
	}
	return string(hclwrite.TokensForValue(val).Bytes())
}

// splitList splits a comma-separated flag value; "" gives an empty list.
func splitList(s string) []string {
	out := []string{}
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func trimJobNames(paths []string) []string {
	out := make([]string, len(paths))
	for i, p := range paths {
		out[i] = strings.TrimSuffix(strings.TrimPrefix(p, "jobs/"), ".nomad.hcl")
	}
	return out
}
