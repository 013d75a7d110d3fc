package nodeimage

import (
	"bytes"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"text/template"

	"github.com/nomadbox/nomadbox/internal/execx"
	"github.com/nomadbox/nomadbox/internal/topology"
)

// The libvirt box is the node image made into a virtual machine: its
// root file system (docker export) with a kernel, an initrd, ifupdown and
// an fstab added, as an ext4 disk in a qcow2 box.img. The kernel and
// initrd ship in the box and are booted directly (the box's Vagrantfile
// sets lv.kernel, lv.initrd and lv.cmd_line), so the disk needs no
// partition table and no boot loader, and nothing is taken from this
// machine's /boot. The kernel and initrd are also uploaded as volumes of
// libvirt's storage pool, where qemu (running as its own user) can read
// them, and the box's Vagrantfile names those.

// LibvirtRecipe is the version of the libvirt layer's recipe (the files
// under libvirt/ and the steps below). Raise it whenever they change;
// TestLibvirtRecipePinned fails until you do.
const LibvirtRecipe = 5

// LibvirtRootImage is the Docker image the box's root file system is
// exported from.
const LibvirtRootImage = "nomadbox/libvirt-root:bookworm"

// libvirtDiskSize is the disk's virtual size: sparse, so only what the
// root file system holds takes space.
const (
	libvirtDiskSize = "20G"
	libvirtDiskGiB  = 20
)

// libvirtPackages are what a VM needs beyond the node image. apparmor:
// Debian's kernel enables AppArmor, and Docker then refuses to start
// any container without apparmor_parser to load its docker-default
// profile (a container node runs under the host's profile instead).
// systemd-timesyncd: a machine keeps its own clock (a container shares
// the host's), and the common role would otherwise install it on every
// new machine, which under emulation costs most of a minute.
var libvirtPackages = []string{"linux-image-cloud-amd64", "initramfs-tools", "ifupdown", "isc-dhcp-client", "apparmor", "systemd-timesyncd"}

//go:embed libvirt
var libvirtFiles embed.FS

// LibvirtBoxVersion is the box version Vagrant knows the box by: the node
// image's DockerRecipe and the libvirt layer's recipe, so that a change of
// either makes a new box.
func LibvirtBoxVersion() string { return fmt.Sprintf("%d.%d", DockerRecipe, LibvirtRecipe) }

// libvirtContext returns the libvirt layer's build context, FROM node.
func libvirtContext(node string) (map[string][]byte, error) {
	df, err := renderLibvirtFile("Dockerfile.tmpl", map[string]any{
		"NodeImage": node, "Version": LibvirtBoxVersion(), "VersionLabel": VersionLabel, "Packages": libvirtPackages,
	})
	if err != nil {
		return nil, err
	}
	files := map[string][]byte{"Dockerfile": df}
	for _, name := range []string{"interfaces", "fstab"} {
		if files[name], err = libvirtFiles.ReadFile("libvirt/" + name); err != nil {
			return nil, err
		}
	}
	return files, nil
}

// libvirtRecipeHash digests everything the box is made from, for the
// test that keeps LibvirtRecipe honest.
func libvirtRecipeHash() (string, error) {
	h := sha256.New()
	err := eachLibvirtFile(func(name string, data []byte) { fmt.Fprintf(h, "%s %d\n%s\n", name, len(data), data) })
	fmt.Fprintf(h, "%q %s", libvirtPackages, libvirtDiskSize)
	return hex.EncodeToString(h.Sum(nil))[:16], err
}

func eachLibvirtFile(f func(name string, data []byte)) error {
	entries, err := libvirtFiles.ReadDir("libvirt")
	if err != nil {
		return err
	}
	for _, e := range entries {
		b, err := libvirtFiles.ReadFile("libvirt/" + e.Name())
		if err != nil {
			return err
		}
		f(e.Name(), b)
	}
	return nil
}

// BuildLibvirtBox builds the libvirt box topology.DefaultLibvirtBox and adds
// it to Vagrant at LibvirtBoxVersion, unless Vagrant has that version
// already (opts.Rebuild builds it again). The node image is built first
// when it is missing or outdated. Work files go to a directory beside
// opts.CacheDir and are removed; the box itself lives in Vagrant's store.
func BuildLibvirtBox(ctx context.Context, opts BuildOptions) error {
	o, err := opts.withDefaults()
	if err != nil {
		return err
	}
	name, version := topology.DefaultLibvirtBox, LibvirtBoxVersion()
	for _, tool := range []string{"vagrant", "docker", "qemu-img"} {
		if _, err := execx.LookPath(tool); err != nil {
			return err
		}
	}
	have, err := LibvirtBoxPresent(ctx, o.Runner, name, version)
	if err != nil {
		return err
	}
	if have && !o.Rebuild {
		o.Progress(fmt.Sprintf("box %s (libvirt, version %s) is present and current: nothing to build", name, version))
		return nil
	}
	if _, err := execx.LookPath("virsh"); err != nil {
		return err
	}
	node := o
	node.Rebuild, node.RebuildBase = false, false
	if err := BuildDocker(ctx, node); err != nil {
		return err
	}
	work, err := libvirtWorkDir(o.CacheDir)
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	if err := o.buildLibvirtRoot(ctx, work); err != nil {
		return err
	}
	kernel, initrd, err := o.uploadBootFiles(ctx, work, version)
	if err != nil {
		return err
	}
	boxFile, err := o.packLibvirtBox(ctx, work, kernel, initrd)
	if err != nil {
		return err
	}
	return o.addLibvirtBox(ctx, work, boxFile, name, version)
}

// libvirtWorkDir is a fresh directory beside the root file system cache
// (not /tmp, which may be a small tmpfs: the raw disk is sparse but the
// exported tar is not).
func libvirtWorkDir(cacheDir string) (string, error) {
	parent := filepath.Dir(cacheDir)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return "", err
	}
	return os.MkdirTemp(parent, "libvirt-box-")
}

// buildLibvirtRoot builds LibvirtRootImage FROM the node image and turns
// its file system into work/box.raw, work/vmlinuz and work/initrd.
func (o BuildOptions) buildLibvirtRoot(ctx context.Context, work string) error {
	files, err := libvirtContext(o.Image)
	if err != nil {
		return err
	}
	dir := filepath.Join(work, "context")
	if err := os.Mkdir(dir, 0o755); err != nil {
		return err
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			return err
		}
	}
	o.Progress(fmt.Sprintf("docker build %s from %s: a kernel, ifupdown, an fstab (about 1 min)", LibvirtRootImage, o.Image))
	args := []string{"build", "--force-rm", "--tag", LibvirtRootImage}
	if o.Rebuild {
		args = append(args, "--no-cache")
	}
	if err := o.Runner.Run(ctx, execx.Command("docker", append(args, dir)...)); err != nil {
		return fmt.Errorf("building %s: %w", LibvirtRootImage, err)
	}
	return o.exportDisk(ctx, work)
}

// exportDisk exports a container of LibvirtRootImage and has disk.sh,
// in another container of it, make the ext4 disk.
func (o BuildOptions) exportDisk(ctx context.Context, work string) error {
	o.Progress("docker export the root file system and mkfs.ext4 -d it into a " + libvirtDiskSize + " disk")
	cname := "nomadbox-libvirt-box-export"
	_ = o.Runner.Run(ctx, execx.Command("docker", "rm", "-f", cname)) // a killed build's leftover
	if err := o.Runner.Run(ctx, execx.Command("docker", "create", "--name", cname, LibvirtRootImage)); err != nil {
		return err
	}
	err := o.Runner.Run(ctx, execx.Command("docker", "export", "--output", filepath.Join(work, "root.tar"), cname))
	_ = o.Runner.Run(ctx, execx.Command("docker", "rm", "-f", cname))
	if err != nil {
		return fmt.Errorf("exporting %s: %w", LibvirtRootImage, err)
	}
	script, err := libvirtFiles.ReadFile("libvirt/disk.sh")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(work, "disk.sh"), script, 0o755); err != nil {
		return err
	}
	run := execx.Command("docker", "run", "--rm", "-v", work+":/out",
		"-e", "DISK_SIZE="+libvirtDiskSize, "-e", fmt.Sprintf("OUT_OWNER=%d:%d", os.Getuid(), os.Getgid()),
		"--entrypoint", "/bin/sh", LibvirtRootImage, "/out/disk.sh")
	if err := o.Runner.Run(ctx, run); err != nil {
		return fmt.Errorf("making the disk image: %w", err)
	}
	return nil
}

// packLibvirtBox converts the disk to qcow2 and tars the box: box.img,
// metadata.json, the box's Vagrantfile, the kernel and the initrd. The
// tar is not compressed: it never leaves this machine, and gzip would
// cost more time than the copy it saves.
func (o BuildOptions) packLibvirtBox(ctx context.Context, work, kernel, initrd string) (string, error) {
	o.Progress("qemu-img convert -O qcow2 box.raw box.img")
	raw, img := filepath.Join(work, "box.raw"), filepath.Join(work, "box.img")
	if err := o.Runner.Run(ctx, execx.Command("qemu-img", "convert", "-O", "qcow2", raw, img)); err != nil {
		return "", err
	}
	os.Remove(raw)
	vf, err := libvirtVagrantfile(kernel, initrd)
	if err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(work, "Vagrantfile"), vf, 0o644); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(work, "metadata.json"), libvirtMetadata(), 0o644); err != nil {
		return "", err
	}
	boxFile := filepath.Join(work, "nomadbox-libvirt.box")
	tar := execx.Command("tar", "-C", work, "-cf", boxFile, "metadata.json", "Vagrantfile", "box.img", "vmlinuz", "initrd")
	if err := o.Runner.Run(ctx, tar); err != nil {
		return "", err
	}
	return boxFile, nil
}

// libvirtMetadata is the box's metadata.json as vagrant-libvirt reads it.
func libvirtMetadata() []byte {
	b, _ := json.Marshal(map[string]any{"provider": "libvirt", "format": "qcow2", "virtual_size": libvirtDiskGiB})
	return append(b, '\n')
}

// libvirtCatalog is the box catalog that gives the box its name and
// version (a bare .box file would be added at version 0).
func libvirtCatalog(name, version, boxFile string) []byte {
	u := url.URL{Scheme: "file", Path: boxFile}
	b, _ := json.MarshalIndent(map[string]any{
		"name":        name,
		"description": "nomadbox's Debian node for libvirt, built by `nomadbox box build --provider libvirt`",
		"versions": []any{map[string]any{
			"version":   version,
			"providers": []any{map[string]any{"name": "libvirt", "url": u.String()}},
		}},
	}, "", "  ")
	return append(b, '\n')
}

// addLibvirtBox adds the box through a catalog (replacing the same
// version on a rebuild), then prunes older versions.
func (o BuildOptions) addLibvirtBox(ctx context.Context, work, boxFile, name, version string) error {
	catalog := filepath.Join(work, "catalog.json")
	if err := os.WriteFile(catalog, libvirtCatalog(name, version, boxFile), 0o644); err != nil {
		return err
	}
	o.Progress(fmt.Sprintf("vagrant box add %s (libvirt, version %s)", name, version))
	add := execx.Command("vagrant", "box", "add", "--force", "--provider", "libvirt", catalog)
	if err := o.Runner.Run(ctx, add); err != nil {
		return fmt.Errorf("adding the box to Vagrant: %w", err)
	}
	fi, _ := os.Stat(filepath.Join(work, "box.img"))
	size := int64(0)
	if fi != nil {
		size = fi.Size()
	}
	o.Progress(fmt.Sprintf("built box %s (libvirt, version %s): box.img %s", name, version, humanSize(size)))
	o.pruneLibvirtBoxes(ctx, name, version)
	return nil
}

// pruneLibvirtBoxes removes the other versions of the box and their
// volumes (kernel, initrd, and the disk vagrant-libvirt uploaded), each
// about 750 MB. Vagrant refuses to remove a version a machine was made
// from (it would ask, and there is no terminal to answer), and such a
// version keeps its volumes: the machines' disks are backed by them.
func (o BuildOptions) pruneLibvirtBoxes(ctx context.Context, name, keep string) {
	out, err := o.Runner.Output(ctx, execx.Command("vagrant", "box", "list"))
	if err != nil {
		return
	}
	for _, b := range parseBoxList(string(out)) {
		if b.Name != name || b.Provider != "libvirt" || b.Version == keep {
			continue
		}
		rm := execx.Command("vagrant", "box", "remove", name, "--provider", "libvirt", "--box-version", b.Version)
		if err := o.Runner.Run(ctx, rm); err != nil {
			o.Progress(fmt.Sprintf("kept box %s version %s: machines still use it (`vagrant box remove` said: %v)", name, b.Version, err))
			continue
		}
		vols := bootVolumes(b.Version)
		// vagrant-libvirt's name for the box's disk in the pool.
		disk := strings.ReplaceAll(name, "/", "-VAGRANTSLASH-") + "_vagrant_box_image_" + b.Version + "_box.img"
		for _, vol := range []string{vols[0], vols[1], disk} {
			_ = o.Runner.Run(ctx, virsh("vol-delete", "--pool", LibvirtPool, vol)) // may never have been uploaded
		}
		o.Progress(fmt.Sprintf("removed box %s version %s and its volumes", name, b.Version))
	}
}

// LibvirtBoxPresent reports whether Vagrant has box name for libvirt at
// version (`vagrant box list`) and, for nomadbox's own box, whether the
// pool still holds its kernel and initrd.
func LibvirtBoxPresent(ctx context.Context, r *execx.Runner, name, version string) (bool, error) {
	r = runner(r)
	out, err := r.Output(ctx, execx.Command("vagrant", "box", "list"))
	if err != nil {
		return false, fmt.Errorf("listing Vagrant's boxes: %w", err)
	}
	for _, b := range parseBoxList(string(out)) {
		if b.Name == name && b.Provider == "libvirt" && b.Version == version {
			if name != topology.DefaultLibvirtBox {
				return true, nil
			}
			for _, vol := range bootVolumes(version) {
				if _, err := r.Output(ctx, virsh("vol-path", "--pool", LibvirtPool, vol)); err != nil {
					return false, nil
				}
			}
			return true, nil
		}
	}
	return false, nil
}

// LibvirtPool is the storage pool that holds the box's kernel and initrd:
// vagrant-libvirt's default, where it puts the machines' disks too.
const LibvirtPool = "default"

// bootVolumes names the kernel and initrd volumes of a box version.
func bootVolumes(version string) [2]string {
	return [2]string{"nomadbox-bookworm-" + version + "-vmlinuz", "nomadbox-bookworm-" + version + "-initrd"}
}

func virsh(args ...string) *execx.Cmd {
	return execx.Command("virsh", append([]string{"-c", "qemu:///system"}, args...)...)
}

// uploadBootFiles puts work/vmlinuz and work/initrd into the pool as
// volumes (replacing those of an earlier build of the same version) and
// returns their paths. It defines the pool as vagrant-libvirt would
// (a directory, /var/lib/libvirt/images) when it does not exist yet.
func (o BuildOptions) uploadBootFiles(ctx context.Context, work, version string) (kernel, initrd string, err error) {
	if _, err := o.Runner.Output(ctx, virsh("pool-info", LibvirtPool)); err != nil {
		o.Progress("defining libvirt's storage pool " + LibvirtPool + " (/var/lib/libvirt/images)")
		for _, args := range [][]string{
			{"pool-define-as", LibvirtPool, "dir", "--target", "/var/lib/libvirt/images"},
			{"pool-build", LibvirtPool}, {"pool-start", LibvirtPool}, {"pool-autostart", LibvirtPool},
		} {
			if err := o.Runner.Run(ctx, virsh(args...)); err != nil {
				return "", "", fmt.Errorf("making libvirt's storage pool %s: %w", LibvirtPool, err)
			}
		}
	}
	o.Progress("virsh vol-upload the kernel and initrd into the pool " + LibvirtPool)
	var paths [2]string
	for i, vol := range bootVolumes(version) {
		file := filepath.Join(work, []string{"vmlinuz", "initrd"}[i])
		fi, err := os.Stat(file)
		if err != nil {
			return "", "", err
		}
		_ = o.Runner.Run(ctx, virsh("vol-delete", "--pool", LibvirtPool, vol)) // an earlier build's
		for _, args := range [][]string{
			{"vol-create-as", LibvirtPool, vol, fmt.Sprint(fi.Size()), "--format", "raw"},
			{"vol-upload", "--pool", LibvirtPool, vol, file},
		} {
			if err := o.Runner.Run(ctx, virsh(args...)); err != nil {
				return "", "", fmt.Errorf("uploading %s to libvirt's pool %s: %w", file, LibvirtPool, err)
			}
		}
		out, err := o.Runner.Output(ctx, virsh("vol-path", "--pool", LibvirtPool, vol))
		if err != nil {
			return "", "", err
		}
		paths[i] = strings.TrimSpace(string(out))
	}
	return paths[0], paths[1], nil
}

// libvirtVagrantfile is the box's Vagrantfile, booting kernel and initrd.
func libvirtVagrantfile(kernel, initrd string) ([]byte, error) {
	return renderLibvirtFile("Vagrantfile", map[string]string{"Kernel": kernel, "Initrd": initrd, "Pool": LibvirtPool})
}

// renderLibvirtFile executes the template libvirt/<name> with data; a
// key the data lacks is an error, not "<no value>" in the box.
func renderLibvirtFile(name string, data any) ([]byte, error) {
	src, err := libvirtFiles.ReadFile("libvirt/" + name)
	if err != nil {
		return nil, err
	}
	t, err := template.New(name).Option("missingkey=error").Parse(string(src))
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	err = t.Execute(&b, data)
	return b.Bytes(), err
}

// A vagrantBox is one line of `vagrant box list`.
type vagrantBox struct{ Name, Provider, Version string }

// parseBoxList reads `vagrant box list` lines such as
// "nomadbox/bookworm (libvirt, 3.1)" (newer Vagrants add ", (amd64)").
func parseBoxList(out string) []vagrantBox {
	var boxes []vagrantBox
	for _, line := range strings.Split(out, "\n") {
		name, rest, ok := strings.Cut(strings.TrimSpace(line), " (")
		if !ok {
			continue
		}
		rest, _, _ = strings.Cut(rest, ")")
		f := strings.Split(rest, ",")
		if len(f) < 2 {
			continue
		}
		boxes = append(boxes, vagrantBox{Name: strings.TrimSpace(name), Provider: strings.TrimSpace(f[0]), Version: strings.TrimSpace(f[1])})
	}
	return boxes
}
