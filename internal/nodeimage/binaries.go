package nodeimage

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/nomadbox/nomadbox/internal/execx"
)

// binaryLabel is the label that records a baked binary's checksum.
func binaryLabel(name string) string { return "org.nomadbox." + name + "-sha256" }

// binariesRecipe is the version of the recipe below, in a label: images
// an older recipe made are rebuilt. 2: the probe's checksum cache.
const (
	binariesRecipeLabel = "org.nomadbox.binaries-recipe"
	binariesRecipe      = "2"
)

// NodeChecksumCache is the probe's cache of binary checksums on a node
// (ansible/library/nomadbox_facts.py, site.yml; hostChecksumCache is
// this machine's): the image writes the entries of its binaries, so a
// new node's first probe reads neither.
const NodeChecksumCache = "/usr/local/lib/nomadbox/checksums.json"

// binDir is where the image puts the binaries: the roles' consul_bin_dir
// and nomad_bin_dir.
const binDir = "/usr/local/bin/"

// EnsureBinaries makes sure Name(base, bins) exists and carries
// exactly these binaries (by the checksums in its labels), building it
// FROM base when it does not, and returns its name. Nodes made from it
// already hold the binaries, so provisioning copies nothing. Older
// images of base made the same way are removed when no container uses
// them.
func EnsureBinaries(ctx context.Context, r *execx.Runner, base string, bins []Binary, progress func(string)) (string, error) {
	r = runner(r)
	if progress == nil {
		progress = func(string) {}
	}
	name := Name(base, bins)
	labels, err := imageLabels(ctx, r, name)
	if err != nil {
		return "", err
	}
	if labels != nil && labelsMatch(labels, bins) {
		return name, nil
	}
	dir, err := os.MkdirTemp("", "nomadbox-binaries-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(dir)
	var df strings.Builder
	fmt.Fprintf(&df, "FROM %s\n", base)
	for _, b := range Sorted(bins) {
		if err := linkOrCopy(b.Path, filepath.Join(dir, b.Name)); err != nil {
			return "", fmt.Errorf("%s: %w", b.Name, err)
		}
		// The sources are executable, and COPY keeps their mode.
		fmt.Fprintf(&df, "COPY %s %s%s\n", b.Name, binDir, b.Name)
		fmt.Fprintf(&df, "LABEL %s=%s\n", binaryLabel(b.Name), b.SHA256)
	}
	df.WriteString(checksumCacheStep(bins))
	fmt.Fprintf(&df, "LABEL %s=%s\n", binariesRecipeLabel, binariesRecipe)
	if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte(df.String()), 0o644); err != nil {
		return "", err
	}
	progress(fmt.Sprintf("docker build %s: %s with the cluster's binaries", name, base))
	if err := r.Run(ctx, execx.Command("docker", "build", "--force-rm", "--tag", name, dir)); err != nil {
		return "", fmt.Errorf("building %s: %w", name, err)
	}
	removeOtherBinaryImages(ctx, r, base, name)
	return name, nil
}

// checksumCacheStep is the RUN step that writes NodeChecksumCache for the
// binaries as the image holds them: size, mtime in seconds and SHA-256,
// the entries the probe compares a file's stat with.
func checksumCacheStep(bins []Binary) string {
	var b strings.Builder
	b.WriteString("RUN set -e; mkdir -p " + filepath.Dir(NodeChecksumCache) + "; { printf '{'; sep=''; for f in")
	for _, bin := range Sorted(bins) {
		b.WriteString(" " + binDir + bin.Name)
	}
	b.WriteString(`; do printf '%s"%s": {"mtime": %s, "sha256": "%s", "size": %s}' "$sep" "$f" "$(stat -c %Y "$f")" "$(sha256sum "$f" | cut -d' ' -f1)" "$(stat -c %s "$f")"; sep=', '; done; printf '}\n'; } > ` + NodeChecksumCache + "\n")
	return b.String()
}

func labelsMatch(labels map[string]string, bins []Binary) bool {
	if labels[binariesRecipeLabel] != binariesRecipe {
		return false
	}
	for _, b := range bins {
		if labels[binaryLabel(b.Name)] != b.SHA256 {
			return false
		}
	}
	return true
}

// imageLabels returns an image's labels, nil when it does not exist.
func imageLabels(ctx context.Context, r *execx.Runner, image string) (map[string]string, error) {
	info, err := inspect(ctx, r, image)
	if err != nil || info == nil {
		return nil, err
	}
	out, err := r.Output(ctx, execx.Command("docker", "image", "inspect", "--format",
		`{{range $k, $v := .Config.Labels}}{{$k}}={{$v}}{{"\n"}}{{end}}`, image))
	if err != nil {
		return nil, err
	}
	labels := map[string]string{}
	for _, line := range strings.Split(string(out), "\n") {
		if k, v, ok := strings.Cut(line, "="); ok {
			labels[k] = v
		}
	}
	return labels, nil
}

// removeOtherBinaryImages removes the images BinariesImage made from base
// for other binaries. docker refuses (and the image stays) while a
// container uses one.
func removeOtherBinaryImages(ctx context.Context, r *execx.Runner, base, keep string) {
	out, err := r.Output(ctx, execx.Command("docker", "image", "ls", "--format", "{{.Repository}}:{{.Tag}}", Repository(base)))
	if err != nil {
		return
	}
	prefix := Prefix(base)
	for _, ref := range strings.Fields(string(out)) {
		if ref != keep && strings.HasPrefix(ref, prefix) {
			_ = r.Run(ctx, execx.Command("docker", "image", "rm", ref))
		}
	}
}

// linkOrCopy puts src at dst, as a hard link when both are on one file
// system.
func linkOrCopy(src, dst string) error {
	if err := os.Link(src, dst); err == nil {
		return nil
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o755)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
