package nodeimage

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nomadbox/nomadbox/internal/topology"
)

// TestLibvirtRecipePinned keeps LibvirtRecipe honest: the box version
// Vagrant knows is what decides whether `box build --provider libvirt`
// rebuilds, so a changed recipe under an unchanged version would leave
// every existing box in place. When this fails, raise LibvirtRecipe and
// pin the new hash here.
func TestLibvirtRecipePinned(t *testing.T) {
	const pinnedRecipe, pinnedHash = 5, "a302148d0320a836"
	got, err := libvirtRecipeHash()
	if err != nil {
		t.Fatal(err)
	}
	if got != pinnedHash || LibvirtRecipe != pinnedRecipe {
		t.Errorf("the libvirt box recipe is %s at LibvirtRecipe %d; pinned: %s at %d. A changed recipe needs a new LibvirtRecipe: raise it, then pin both here",
			got, LibvirtRecipe, pinnedHash, pinnedRecipe)
	}
}

// TestLibvirtBoxVersion: a new node image recipe (DockerRecipe) makes a new
// libvirt box version too, since the box is made from that image.
func TestLibvirtBoxVersion(t *testing.T) {
	if want := fmt.Sprintf("%d.%d", DockerRecipe, LibvirtRecipe); LibvirtBoxVersion() != want {
		t.Errorf("LibvirtBoxVersion() = %q, want %q", LibvirtBoxVersion(), want)
	}
}

// TestLibvirtContext checks what makes the node image a VM that Vagrant
// can configure: its own kernel and initrd, ifupdown with DHCP on eth0
// (Vagrant's Debian guest plugin writes the private network's static
// address into /etc/network/interfaces), a root on /dev/vda, a kernel
// command line that names the NIC eth0, and no /.dockerenv.
func TestLibvirtContext(t *testing.T) {
	files, err := libvirtContext("nomadbox/node:bookworm")
	if err != nil {
		t.Fatal(err)
	}
	df := string(files["Dockerfile"])
	for _, want := range append([]string{"FROM nomadbox/node:bookworm\n", "systemctl enable networking.service",
		fmt.Sprintf("LABEL %s=%q", VersionLabel, LibvirtBoxVersion())}, libvirtPackages...) {
		if !strings.Contains(df, want) {
			t.Errorf("Dockerfile lacks %q:\n%s", want, df)
		}
	}
	for _, pkg := range []string{"linux-image-cloud-amd64", "ifupdown", "isc-dhcp-client", "apparmor"} {
		if !strings.Contains(strings.Join(libvirtPackages, " "), pkg) {
			t.Errorf("the box does not install %s", pkg)
		}
	}
	if !strings.Contains(string(files["interfaces"]), "auto eth0\niface eth0 inet dhcp\n") {
		t.Errorf("interfaces does not bring eth0 up by DHCP:\n%s", files["interfaces"])
	}
	if !strings.Contains(string(files["fstab"]), "/dev/vda / ext4") {
		t.Errorf("fstab:\n%s", files["fstab"])
	}
	vf, err := libvirtVagrantfile("/var/lib/libvirt/images/k", "/var/lib/libvirt/images/i")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`lv.kernel = "/var/lib/libvirt/images/k"`, `lv.initrd = "/var/lib/libvirt/images/i"`, "root=/dev/vda rw", "net.ifnames=0", "box_check_update = false"} {
		if !strings.Contains(string(vf), want) {
			t.Errorf("the box's Vagrantfile lacks %q", want)
		}
	}
	sh, _ := libvirtFiles.ReadFile("libvirt/disk.sh")
	for _, want := range []string{"rm -f /r/.dockerenv", "/out/vmlinuz", "/out/initrd", "mkfs.ext4", `-d /r /out/box.raw "$DISK_SIZE"`} {
		if !strings.Contains(string(sh), want) {
			t.Errorf("disk.sh lacks %q", want)
		}
	}
}

func TestParseBoxList(t *testing.T) {
	out := "generic/ubuntu2204 (libvirt, 4.3.12)\nnomadbox/bookworm  (libvirt, 3.1)\nnomadbox/bookworm (virtualbox, 3.1, (amd64))\n"
	got := parseBoxList(out)
	want := []vagrantBox{{"generic/ubuntu2204", "libvirt", "4.3.12"}, {"nomadbox/bookworm", "libvirt", "3.1"}, {"nomadbox/bookworm", "virtualbox", "3.1"}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("parseBoxList = %v, want %v", got, want)
	}
	if got := parseBoxList("There are no installed boxes! Use `vagrant box add` to add some.\n"); len(got) != 0 {
		t.Errorf("no boxes: %v", got)
	}
}

func TestLibvirtCatalogAndMetadata(t *testing.T) {
	var cat struct {
		Name     string
		Versions []struct {
			Version   string
			Providers []struct{ Name, URL string }
		}
	}
	if err := json.Unmarshal(libvirtCatalog("nomadbox/bookworm", "3.1", "/c/x y.box"), &cat); err != nil {
		t.Fatal(err)
	}
	if cat.Name != "nomadbox/bookworm" || len(cat.Versions) != 1 || cat.Versions[0].Version != "3.1" ||
		len(cat.Versions[0].Providers) != 1 || cat.Versions[0].Providers[0].Name != "libvirt" || cat.Versions[0].Providers[0].URL != "file:///c/x%20y.box" {
		t.Errorf("catalog: %+v", cat)
	}
	var meta map[string]any
	if err := json.Unmarshal(libvirtMetadata(), &meta); err != nil {
		t.Fatal(err)
	}
	if meta["provider"] != "libvirt" || meta["format"] != "qcow2" || meta["virtual_size"] != float64(libvirtDiskGiB) {
		t.Errorf("metadata.json: %v", meta)
	}
}

// fakeVagrant puts a vagrant, a virsh and a qemu-img on PATH; vagrant
// box list prints list, virsh fails when FAKE_VIRSH_FAILS is set, and
// every call is recorded in calls.
func fakeVagrant(t *testing.T, list string) (calls string) {
	t.Helper()
	bin := t.TempDir()
	calls = filepath.Join(t.TempDir(), "calls")
	script := "#!/bin/sh\necho \"$(basename \"$0\") $*\" >> " + calls + "\n[ \"$1 $2\" = 'box list' ] && printf '%s' \"$FAKE_BOX_LIST\"\n" +
		"[ \"$(basename \"$0\")\" = virsh ] && [ -n \"$FAKE_VIRSH_FAILS\" ] && exit 1\nexit 0\n"
	for _, name := range []string{"vagrant", "virsh", "qemu-img"} {
		if err := os.WriteFile(filepath.Join(bin, name), []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	t.Setenv("FAKE_BOX_LIST", list)
	return calls
}

// TestBuildLibvirtNothingToDo: with the current version in Vagrant and
// its kernel and initrd in the pool, the build says so and runs nothing
// but the look-ups.
func TestBuildLibvirtNothingToDo(t *testing.T) {
	_, dockerCalls := fakeDocker(t)
	calls := fakeVagrant(t, topology.DefaultLibvirtBox+" (libvirt, "+LibvirtBoxVersion()+")\n")
	var steps []string
	err := BuildLibvirtBox(context.Background(), BuildOptions{CacheDir: t.TempDir(), Progress: func(s string) { steps = append(steps, s) }})
	if err != nil {
		t.Fatal(err)
	}
	if len(steps) != 1 || !strings.Contains(steps[0], "is present and current: nothing to build") {
		t.Errorf("steps: %q", steps)
	}
	vols := bootVolumes(LibvirtBoxVersion())
	want := "vagrant box list\nvirsh -c qemu:///system vol-path --pool default " + vols[0] + "\nvirsh -c qemu:///system vol-path --pool default " + vols[1]
	if b, _ := os.ReadFile(calls); strings.TrimSpace(string(b)) != want {
		t.Errorf("calls: %q", b)
	}
	if b, err := os.ReadFile(dockerCalls); err == nil {
		t.Errorf("docker was called: %q", b)
	}
}

// TestBuildLibvirtOutdated: an older version of the box in Vagrant, or
// the current one without its kernel in the pool, is no reason to stop:
// the build goes on past the node image.
func TestBuildLibvirtOutdated(t *testing.T) {
	t.Run("older version", func(t *testing.T) { buildsAgain(t, topology.DefaultLibvirtBox+" (libvirt, 2.9)\n", false) })
	t.Run("kernel volume gone", func(t *testing.T) {
		buildsAgain(t, topology.DefaultLibvirtBox+" (libvirt, "+LibvirtBoxVersion()+")\n", true)
	})
}

func buildsAgain(t *testing.T, list string, virshFails bool) {
	state, dockerCalls := fakeDocker(t)
	setImage(t, state, "nomadbox/node:bookworm", currentNode)
	fakeVagrant(t, list)
	if virshFails {
		t.Setenv("FAKE_VIRSH_FAILS", "1")
	}
	var steps []string
	// The fake docker cannot create containers: the build stops there.
	_ = BuildLibvirtBox(context.Background(), BuildOptions{CacheDir: t.TempDir(), Progress: func(s string) { steps = append(steps, s) }})
	b, _ := os.ReadFile(dockerCalls)
	if !strings.Contains(string(b), "build --force-rm --tag "+LibvirtRootImage) {
		t.Errorf("an outdated box was not rebuilt; docker calls:\n%s\nsteps: %q", b, steps)
	}
}

// TestPruneLibvirtBoxes: older versions of nomadbox's box go, with their
// volumes; the new one, other boxes, and a version Vagrant refuses to
// remove (machines use it) stay, and so do that version's volumes.
func TestPruneLibvirtBoxes(t *testing.T) {
	calls := fakeVagrant(t, "nomadbox/bookworm (libvirt, 3.1)\nnomadbox/bookworm (libvirt, 3.2)\nnomadbox/bookworm (libvirt, 3.3)\ngeneric/debian12 (libvirt, 4.3.12)\n")
	// The fake vagrant refuses to remove 3.2.
	path, err := exec.LookPath("vagrant")
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Dir(path)
	script := "#!/bin/sh\necho \"vagrant $*\" >> " + calls + "\n[ \"$1 $2\" = 'box list' ] && printf '%s' \"$FAKE_BOX_LIST\"\n" +
		"case \"$*\" in *'--box-version 3.2'*) echo 'still in use' >&2; exit 1 ;; esac\nexit 0\n"
	if err := os.WriteFile(filepath.Join(bin, "vagrant"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	var steps []string
	o := BuildOptions{Progress: func(s string) { steps = append(steps, s) }}
	o, _ = o.withDefaults()
	o.pruneLibvirtBoxes(context.Background(), "nomadbox/bookworm", "3.3")
	b, _ := os.ReadFile(calls)
	got := string(b)
	for _, want := range []string{
		"vagrant box remove nomadbox/bookworm --provider libvirt --box-version 3.1\n",
		"vol-delete --pool default nomadbox-bookworm-3.1-vmlinuz\n",
		"vol-delete --pool default nomadbox-bookworm-3.1-initrd\n",
		"vol-delete --pool default nomadbox-VAGRANTSLASH-bookworm_vagrant_box_image_3.1_box.img\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("no %q in the calls:\n%s", want, got)
		}
	}
	for _, unwanted := range []string{"nomadbox-bookworm-3.2-", "image_3.2", "3.3", "generic/debian12"} {
		if strings.Contains(strings.ReplaceAll(got, "vagrant box list\n", ""), unwanted) {
			t.Errorf("%q should have stayed:\n%s", unwanted, got)
		}
	}
	if !strings.Contains(strings.Join(steps, "\n"), "kept box nomadbox/bookworm version 3.2: machines still use it") {
		t.Errorf("steps: %q", steps)
	}
}
