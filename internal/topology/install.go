package topology

import (
	"fmt"
	"os"
	"strings"
	"sync"

	goversion "github.com/hashicorp/go-version"
	"github.com/hashicorp/hcl/v2"
)

// Install says where node software comes from.
type Install struct {
	block
	// Method is releases (zip from the release site, checked against
	// SHA256SUMS), apt (HashiCorp's apt repository) or local (binaries
	// copied from this machine, for air-gapped hosts).
	Method       string
	ConsulBinary string
	NomadBinary  string
	// Docker is docker-ce (Docker's apt repository) or docker.io (the
	// distribution's package, for hosts that cannot reach Docker's).
	Docker string
}

var installMethods = []string{"releases", "apt", "local"}
var dockerPackages = []string{"docker-ce", "docker.io"}

func decodeInstall(b *hcl.Block) (Install, hcl.Diagnostics) {
	var in Install
	in.DeclRange = b.DefRange
	d := newAttrDecoder(b.Body, &in.block, "method", "consul_binary", "nomad_binary", "docker")
	d.decode("method", &in.Method)
	d.decode("consul_binary", &in.ConsulBinary)
	d.decode("nomad_binary", &in.NomadBinary)
	d.decode("docker", &in.Docker)
	return in, d.diags
}

func (in *Install) validate() hcl.Diagnostics {
	var diags hcl.Diagnostics
	if !oneOf(in.Method, installMethods) {
		diags = append(diags, errorAt(in.subject("method"), "Unknown install method",
			"method must be one of %s, not %q.", quoteList(installMethods), in.Method))
	}
	if !oneOf(in.Docker, dockerPackages) {
		diags = append(diags, errorAt(in.subject("docker"), "Unknown Docker package",
			"docker must be one of %s, not %q.", quoteList(dockerPackages), in.Docker))
	}
	for _, b := range []struct{ name, value string }{{"consul_binary", in.ConsulBinary}, {"nomad_binary", in.NomadBinary}} {
		switch {
		case in.Method == "local" && strings.TrimSpace(b.value) == "" && !in.hadTypeError(b.name):
			diags = append(diags, errorAt(in.subject("method"), "Missing "+b.name,
				"With method = \"local\" the binaries are copied from this machine: set %s to the path of a Linux binary, for example %s = \"bin/%s\".",
				b.name, b.name, strings.TrimSuffix(b.name, "_binary")))
		case in.Method != "local" && in.isSet(b.name):
			diags = append(diags, warningAt(in.subject(b.name), b.name+" is ignored",
				"%s is only used with method = \"local\"; with %q it has no effect.", b.name, in.Method))
		}
	}
	return diags
}

// BinaryProbe says which program ("consul" or "nomad") and release the
// executable at path is; internal/binversion.Probe runs `path version`
// after checking that the file is an executable. Its errors are shown
// to the user as they are. Tests pass a fake.
type BinaryProbe func(path string) (program, version string, err error)

// CheckLocalBinaries is a host check like CheckHost, for install method
// "local": the binaries are what every node runs, so their own versions
// are the versions. Each binary must be the program it is named for; a
// versions attribute that contradicts its binary is an error, and an
// absent one is filled in from the binary (and then range-checked at
// the binary's attribute). Files that do not exist are CheckHost's to
// report. A nil probe checks nothing. t is not changed: the versions
// learned from the binaries come back (see WithHostFacts).
func (t *Topology) CheckLocalBinaries(probe BinaryProbe) (BinaryVersions, hcl.Diagnostics) {
	var learned BinaryVersions
	if t.Install.Method != "local" || probe == nil {
		return learned, nil
	}
	bins := []localBinary{
		{attr: "consul_binary", program: "consul", path: t.Install.ConsulBinary, version: t.Versions.Consul, learned: &learned.Consul},
		{attr: "nomad_binary", program: "nomad", path: t.Install.NomadBinary, version: t.Versions.Nomad, learned: &learned.Nomad},
	}
	// Both binaries are asked at once: each answer takes a large
	// program's start-up time.
	var wg sync.WaitGroup
	for i := range bins {
		b := &bins[i]
		full := t.Path(expandHome(b.path))
		if st, err := os.Stat(full); b.path == "" || err != nil || st.IsDir() {
			continue
		}
		b.path, b.probed = full, true
		wg.Add(1)
		go func() {
			defer wg.Done()
			b.got, b.release, b.err = probe(b.path)
		}()
	}
	wg.Wait()
	var diags hcl.Diagnostics
	for _, b := range bins {
		if b.probed {
			diags = append(diags, checkBinary(t, b)...)
		}
	}
	return learned, diags
}

// BinaryVersions are the releases of the local binaries where the
// versions block does not pin them, learned by asking each binary; ""
// where the topology's own version holds.
type BinaryVersions struct {
	Consul, Nomad string
}

// localBinary is one local binary and what its probe said.
type localBinary struct {
	attr, program, path string
	version             string  // the versions attribute of its program
	learned             *string // where the binary's release goes when version is not written
	probed              bool
	got, release        string
	err                 error
}

// checkBinary checks what one local binary said against the versions
// attribute of its program or, where none is written, learns the
// binary's release as the version.
func checkBinary(t *Topology, b localBinary) hcl.Diagnostics {
	attr, program, path, version := b.attr, b.program, b.path, b.version
	got, release, err := b.got, b.release, b.err
	name, _ := family(program)
	in := &t.Install
	switch {
	case err != nil:
		return hcl.Diagnostics{errorAt(in.subject(attr), "Unusable "+name+" binary",
			"%v. With method = \"local\" this file is copied to every node as its %s binary, so it must be the Linux %s executable, which nomadbox asks for its version.", err, program, name)}
	case got != program:
		other, _ := family(got)
		return hcl.Diagnostics{errorAt(in.subject(attr), "Wrong binary",
			"%s %s is %s %s, not %s: point %s at the %s binary.", attr, path, other, release, name, attr, program)}
	case !t.Versions.isSet(program):
		// No version written: the binary's is the one the render uses.
		*b.learned = release
		return checkRange(t, program, release, in.subject(attr), fmt.Sprintf("%s %s", attr, path))
	case !releaseVersion.MatchString(version):
		return nil // reported as an invalid version
	case !sameRelease(version, release):
		return hcl.Diagnostics{errorAt(t.Versions.subject(program), "Version contradicts the "+name+" binary",
			"versions.%s is %s but %s %s is %s %s: set %s = %q or point %s at a %s binary. The configuration nomadbox writes depends on the release the nodes run.",
			program, version, attr, path, name, release, program, release, attr, version)}
	}
	return nil
}

// sameRelease compares two versions as releases: build metadata
// ("+ent") does not make them differ.
func sameRelease(a, b string) bool {
	va, err1 := goversion.NewVersion(a)
	vb, err2 := goversion.NewVersion(b)
	if err1 != nil || err2 != nil {
		return a == b
	}
	return va.Equal(vb)
}

func oneOf(s string, list []string) bool {
	for _, v := range list {
		if s == v {
			return true
		}
	}
	return false
}

func quoteList(list []string) string {
	q := make([]string, len(list))
	for i, v := range list {
		q[i] = `"` + v + `"`
	}
	return strings.Join(q, ", ")
}
