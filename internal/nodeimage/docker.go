// The docker node image: building it (BuildDocker) and asking Docker
// whether it is there and current.

package nodeimage

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/nomadbox/nomadbox/internal/cachedir"
	"github.com/nomadbox/nomadbox/internal/execx"
	"github.com/nomadbox/nomadbox/internal/topology"
)

// DockerRecipe is the version of the docker node image's recipe. Raise
// it whenever the Dockerfile, the package lists or the units change:
// BuildDocker then rebuilds images that carry another version in their
// VersionLabel. Users see it as the "box version" (progress lines, the
// label's name), which stays so that images built before keep counting
// as current.
const DockerRecipe = 3

// VersionLabel is the image label that holds the DockerRecipe an image was
// built with.
const VersionLabel = "org.nomadbox.box-version"

// Defaults of BuildOptions.
const (
	DefaultSuite  = "bookworm"
	DefaultMirror = "http://deb.debian.org/debian"
)

// BuildOptions says what BuildDocker builds, and what BuildLibvirtBox
// makes its box from. The zero value builds topology.DefaultDockerImage
// from a debootstrap of DefaultSuite.
type BuildOptions struct {
	// Image is the image to build (default topology.DefaultDockerImage).
	Image string
	// Base is an image to build FROM, present locally or pullable. Empty
	// means BaseImage(Suite), made from a debootstrap root file system.
	Base string
	// Suite is the debootstrap suite (default DefaultSuite).
	Suite string
	// Mirror is the debootstrap mirror (default DefaultMirror).
	Mirror string
	// CacheDir holds the root file system tarballs, one per suite
	// (default <user cache dir>/nomadbox/rootfs, e.g. ~/.cache/nomadbox/rootfs).
	CacheDir string
	// Rebuild builds Image even when it exists and is current, without
	// Docker's layer cache.
	Rebuild bool
	// RebuildBase also ignores an existing BaseImage(Suite) and the cached
	// root file system, and runs debootstrap again. It has no effect with
	// Base.
	RebuildBase bool
	// Runner runs every command (nil: a quiet zero Runner).
	Runner *execx.Runner
	// Progress, when set, is told about each step in a few words.
	Progress func(step string)
}

// BaseImage is the name of the base image imported from a debootstrap
// root file system of suite.
func BaseImage(suite string) string { return "nomadbox/base:" + suite }

var suiteRE = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]*$`)

func (o BuildOptions) withDefaults() (BuildOptions, error) {
	if o.Image == "" {
		o.Image = topology.DefaultDockerImage
	}
	if o.Suite == "" {
		o.Suite = DefaultSuite
	}
	if !suiteRE.MatchString(o.Suite) {
		return o, fmt.Errorf("suite %q: want a Debian suite name such as %q", o.Suite, DefaultSuite)
	}
	if o.Mirror == "" {
		o.Mirror = DefaultMirror
	}
	if o.CacheDir == "" {
		dir, err := cachedir.Path("rootfs")
		if err != nil {
			return o, fmt.Errorf("no cache directory for the root file system: %w", err)
		}
		o.CacheDir = dir
	}
	if o.Runner == nil {
		o.Runner = &execx.Runner{}
	}
	if o.Progress == nil {
		o.Progress = func(string) {}
	}
	return o, nil
}

// DockerImageExists reports whether image is present in the local
// Docker daemon.
func DockerImageExists(ctx context.Context, r *execx.Runner, image string) (bool, error) {
	info, err := inspect(ctx, runner(r), image)
	return info != nil, err
}

// DockerImageCurrent reports whether image is present and was built
// with this DockerRecipe, i.e. whether BuildDocker would leave it alone.
func DockerImageCurrent(ctx context.Context, r *execx.Runner, image string) (bool, error) {
	info, err := inspect(ctx, runner(r), image)
	return info != nil && info.Version == strconv.Itoa(DockerRecipe), err
}

// BuildDocker builds the docker node image opts.Image unless it is
// present and current (see BuildOptions).
func BuildDocker(ctx context.Context, opts BuildOptions) error {
	o, err := opts.withDefaults()
	if err != nil {
		return err
	}
	if _, err := execx.LookPath("docker"); err != nil {
		return err
	}
	old, err := inspect(ctx, o.Runner, o.Image)
	if err != nil {
		return err
	}
	if old != nil && !o.Rebuild {
		if old.Version == strconv.Itoa(DockerRecipe) {
			o.Progress(fmt.Sprintf("image %s is present and current (box version %d, %s): nothing to build", o.Image, DockerRecipe, humanSize(old.Size)))
			return nil
		}
		have := old.Version
		if have == "" {
			have = "none"
		}
		o.Progress(fmt.Sprintf("image %s has box version %s, this nomadbox builds version %d: rebuilding", o.Image, have, DockerRecipe))
	}

	// Fail on a missing key before the long steps.
	pub, err := VagrantPublicKey()
	if err != nil {
		return err
	}
	key, err := readPublicKey(pub)
	if err != nil {
		return err
	}

	base, err := o.base(ctx)
	if err != nil {
		return err
	}

	dir, err := os.MkdirTemp("", "nomadbox-box-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if err := writeContext(dir, base, key); err != nil {
		return err
	}
	o.Progress(fmt.Sprintf("docker build %s from %s (about 1 min)", o.Image, base))
	args := []string{"build", "--force-rm", "--tag", o.Image}
	if o.Rebuild {
		args = append(args, "--no-cache")
	}
	if err := o.Runner.Run(ctx, execx.Command("docker", append(args, dir)...)); err != nil {
		return fmt.Errorf("building %s: %w", o.Image, err)
	}
	built, err := inspect(ctx, o.Runner, o.Image)
	if err != nil {
		return err
	}
	if built == nil {
		return fmt.Errorf("docker build succeeded but image %s is not there", o.Image)
	}
	if old != nil && old.ID != built.ID {
		o.removeReplaced(ctx, old.ID)
	}
	o.Progress(fmt.Sprintf("built %s (box version %d): %s", o.Image, DockerRecipe, humanSize(built.Size)))
	return nil
}

// EnsureBase makes sure BaseImage(opts.Suite) exists (importing the
// cached root file system, or running debootstrap) and returns its name.
// The clean-system test starts its bare Debian container from it.
func EnsureBase(ctx context.Context, opts BuildOptions) (string, error) {
	opts.Base = ""
	o, err := opts.withDefaults()
	if err != nil {
		return "", err
	}
	if _, err := execx.LookPath("docker"); err != nil {
		return "", err
	}
	return o.base(ctx)
}

// base returns the image to build FROM, pulling, importing or
// debootstrapping it as needed.
func (o BuildOptions) base(ctx context.Context) (string, error) {
	if o.Base != "" {
		info, err := inspect(ctx, o.Runner, o.Base)
		if err != nil {
			return "", err
		}
		if info != nil {
			o.Progress("base image " + o.Base + " is present")
			return o.Base, nil
		}
		o.Progress("docker pull " + o.Base)
		if err := o.Runner.Run(ctx, execx.Command("docker", "pull", o.Base)); err != nil {
			return "", fmt.Errorf("base image %s is not on this machine and could not be pulled (load it with `docker load`, or build without a base image to use debootstrap): %w", o.Base, err)
		}
		return o.Base, nil
	}

	name := BaseImage(o.Suite)
	old, err := inspect(ctx, o.Runner, name)
	if err != nil {
		return "", err
	}
	if old != nil && !o.RebuildBase {
		o.Progress("base image " + name + " is present")
		return name, nil
	}
	tarball := filepath.Join(o.CacheDir, o.Suite+".tar")
	_, statErr := os.Stat(tarball)
	if o.RebuildBase || statErr != nil {
		if err := o.rootfs(ctx, tarball); err != nil {
			return "", err
		}
	} else {
		o.Progress("using the cached root file system " + tarball)
	}
	o.Progress("docker import " + name)
	imp := execx.Command("docker", "import",
		"--change", `CMD ["/bin/bash"]`,
		"--message", fmt.Sprintf("debootstrap --variant=minbase %s %s", o.Suite, o.Mirror),
		tarball, name)
	if err := o.Runner.Run(ctx, imp); err != nil {
		return "", fmt.Errorf("importing %s as %s (if the file is damaged, delete it or rebuild the base): %w", tarball, name, err)
	}
	if old != nil {
		o.removeReplaced(ctx, old.ID)
	}
	return name, nil
}

// removeReplaced removes an image that a new one of the same name left
// untagged. It stays when another name points at it, and docker keeps it
// while a container or a child image uses it.
func (o BuildOptions) removeReplaced(ctx context.Context, id string) {
	prev, err := inspect(ctx, o.Runner, id)
	if err != nil || prev == nil || prev.Tags > 0 {
		return
	}
	_ = o.Runner.Run(ctx, execx.Command("docker", "image", "rm", id))
}

// imageInfo is what BuildDocker needs to know about an image.
type imageInfo struct {
	ID      string
	Size    int64
	Tags    int    // number of repository tags
	Version string // value of VersionLabel, "" when absent
}

// inspectFormat prints one short line, so logs and progress displays do
// not fill with JSON. The template runs on the raw JSON, where RepoTags,
// Config and Labels may each be null (an imported image has no labels).
const inspectFormat = `{{.Id}} {{.Size}} {{with .RepoTags}}{{len .}}{{else}}0{{end}} ` +
	`{{with .Config}}{{with .Labels}}{{index . "` + VersionLabel + `"}}{{end}}{{end}}`

// inspect returns nil, nil when image does not exist.
func inspect(ctx context.Context, r *execx.Runner, image string) (*imageInfo, error) {
	out, err := r.Output(ctx, execx.Command("docker", "image", "inspect", "--format", inspectFormat, image))
	if err != nil {
		var xe *execx.Error
		if errors.As(err, &xe) && xe.ExitCode > 0 && noSuchImage(xe.Tail) {
			return nil, nil
		}
		return nil, err
	}
	return parseInspect(string(out))
}

func parseInspect(out string) (*imageInfo, error) {
	line := strings.TrimSpace(out)
	if i := strings.IndexByte(line, '\n'); i >= 0 {
		line = line[:i]
	}
	f := strings.Fields(line)
	if len(f) < 3 {
		return nil, fmt.Errorf("unexpected output of docker image inspect: %q", out)
	}
	size, err := strconv.ParseInt(f[1], 10, 64)
	if err != nil {
		return nil, fmt.Errorf("unexpected image size in docker image inspect output %q", out)
	}
	tags, err := strconv.Atoi(f[2])
	if err != nil {
		return nil, fmt.Errorf("unexpected tag count in docker image inspect output %q", out)
	}
	info := &imageInfo{ID: f[0], Size: size, Tags: tags}
	// A missing key in a map of labels prints as "<no value>".
	if len(f) > 3 && f[3] != "<no" {
		info.Version = f[3]
	}
	return info, nil
}

func noSuchImage(lines []string) bool {
	for _, l := range lines {
		l = strings.ToLower(l)
		if strings.Contains(l, "no such image") || strings.Contains(l, "no such object") {
			return true
		}
	}
	return false
}

func runner(r *execx.Runner) *execx.Runner {
	if r == nil {
		return &execx.Runner{}
	}
	return r
}

// humanSize prints bytes the way docker does (decimal units).
func humanSize(n int64) string {
	switch {
	case n >= 1e9:
		return fmt.Sprintf("%.2f GB", float64(n)/1e9)
	case n >= 1e6:
		return fmt.Sprintf("%.0f MB", float64(n)/1e6)
	case n >= 1e3:
		return fmt.Sprintf("%.0f kB", float64(n)/1e3)
	}
	return fmt.Sprintf("%d B", n)
}
