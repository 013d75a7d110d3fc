// The names of the docker node images: the provider's image, or one of
// its own per set of baked-in binaries.

package nodeimage

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"

	"github.com/nomadbox/nomadbox/internal/topology"
)

// A Binary is a program baked into a node image: its name under
// /usr/local/bin, where it is on this machine and its SHA-256.
type Binary struct {
	Name   string
	Path   string
	SHA256 string
}

// For returns the image the topology's docker nodes are made from, the
// docker provider's image with the binaries it must carry (none: image
// as it is). Without known checksums (see Checksums) nothing is baked.
func For(t *topology.Topology, image string, sums Checksums) (string, []Binary) {
	in := t.Install
	if t.Provider.Name != "docker" || in.Method != "local" || sums.Consul == "" || sums.Nomad == "" {
		return image, nil
	}
	bins := []Binary{
		{Name: "consul", Path: in.ConsulBinary, SHA256: sums.Consul},
		{Name: "nomad", Path: in.NomadBinary, SHA256: sums.Nomad},
	}
	return Name(image, bins), bins
}

// Name is the image that is base plus bins: a tag of its own per set of
// checksums, so that clusters with other binaries keep theirs and a
// changed binary means a new image.
func Name(base string, bins []Binary) string {
	h := sha256.New()
	for _, b := range Sorted(bins) {
		fmt.Fprintf(h, "%s=%s\n", b.Name, b.SHA256)
	}
	return Prefix(base) + hex.EncodeToString(h.Sum(nil))[:12]
}

// Prefix is what every Name of base starts with.
func Prefix(base string) string {
	repo, tag := splitRef(base)
	if tag == "" {
		return repo + ":bin-"
	}
	return repo + ":" + tag + "-bin-"
}

// Repository is base without its tag.
func Repository(base string) string {
	repo, _ := splitRef(base)
	return repo
}

// splitRef splits an image reference into repository and tag (the tag
// is what follows the last ':' after the last '/').
func splitRef(ref string) (repo, tag string) {
	slash := strings.LastIndex(ref, "/")
	if i := strings.LastIndex(ref, ":"); i > slash {
		return ref[:i], ref[i+1:]
	}
	return ref, ""
}

// Sorted returns bins ordered by name.
func Sorted(bins []Binary) []Binary {
	out := append([]Binary(nil), bins...)
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
