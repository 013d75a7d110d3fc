package nodeimage

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/nomadbox/nomadbox/internal/execx"
	"github.com/nomadbox/nomadbox/internal/mounts"
)

// rootfsPackages are installed by debootstrap. The Dockerfile installs them
// again (a no-op here), so any Debian-like base image works too.
var rootfsPackages = []string{
	"systemd", "systemd-sysv", "openssh-server", "sudo", "python3",
	"python3-apt", "iproute2", "ca-certificates", "curl", "gnupg",
}

// geteuid is replaced in tests.
var geteuid = os.Geteuid

// workPrefix names the directories debootstrap fills inside CacheDir.
const workPrefix = "work-"

// rootfs runs debootstrap into a work directory inside the cache and
// writes the result as the tarball, which replaces any earlier one only
// once it is complete.
func (o BuildOptions) rootfs(ctx context.Context, tarball string) error {
	if runtime.GOOS != "linux" {
		return errors.New("building a root file system needs debootstrap on Linux: pass a base image instead")
	}
	if geteuid() != 0 {
		return errors.New("debootstrap needs root: run the build as root (sudo), or pass a base image instead")
	}
	if _, err := execx.LookPath("debootstrap"); err != nil {
		return err
	}
	if _, err := execx.LookPath("tar"); err != nil {
		return err
	}
	if err := os.MkdirAll(o.CacheDir, 0o755); err != nil {
		return err
	}
	removeStaleWork(o.CacheDir)

	// The work directory sits in the cache rather than in /tmp, which may
	// be a tmpfs mounted nodev, where debootstrap's /dev does not work.
	dir, err := os.MkdirTemp(o.CacheDir, workPrefix+o.Suite+"-")
	if err != nil {
		return err
	}
	defer func() {
		if err := mounts.RemoveTree(dir); err != nil {
			o.Progress("could not remove " + dir + ": " + err.Error())
		}
	}()
	// The directory becomes the image's "/": it must not stay 0700.
	if err := os.Chmod(dir, 0o755); err != nil {
		return err
	}

	o.Progress(fmt.Sprintf("debootstrap %s (about 90 s)", o.Suite))
	boot := execx.Command("debootstrap", "--variant=minbase",
		"--include="+strings.Join(rootfsPackages, ","),
		o.Suite, dir, o.Mirror)
	if err := o.Runner.Run(ctx, boot); err != nil {
		return fmt.Errorf("debootstrap of %s from %s: %w", o.Suite, o.Mirror, err)
	}
	if err := tidyRootfs(dir); err != nil {
		return err
	}

	tmp, err := os.CreateTemp(o.CacheDir, o.Suite+".tar.partial-")
	if err != nil {
		return err
	}
	tmp.Close()
	defer os.Remove(tmp.Name())
	o.Progress("tar the root file system into " + tarball)
	tarCmd := execx.Command("tar", "--numeric-owner",
		"--xattrs", "--xattrs-include=security.capability",
		"-C", dir, "-cf", tmp.Name(), ".")
	if err := o.Runner.Run(ctx, tarCmd); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), tarball)
}

// tidyRootfs drops what a fresh root file system should not carry into an
// image: downloaded packages and lists, and this machine's hostname and
// resolver, which Docker supplies in every container anyway.
func tidyRootfs(dir string) error {
	debs, _ := filepath.Glob(filepath.Join(dir, "var/cache/apt/archives/*.deb"))
	for _, f := range debs {
		if err := os.Remove(f); err != nil {
			return err
		}
	}
	lists := filepath.Join(dir, "var/lib/apt/lists")
	entries, _ := os.ReadDir(lists)
	for _, e := range entries {
		if e.Name() == "partial" || e.Name() == "lock" {
			continue
		}
		if err := os.RemoveAll(filepath.Join(lists, e.Name())); err != nil {
			return err
		}
	}
	for _, f := range []string{"etc/hostname", "etc/resolv.conf"} {
		p := filepath.Join(dir, f)
		if _, err := os.Lstat(p); err == nil {
			if err := os.Remove(p); err != nil {
				return err
			}
			if err := os.WriteFile(p, nil, 0o644); err != nil {
				return err
			}
		}
	}
	return nil
}

// removeStaleWork removes work directories and partial tarballs that a
// killed build left in the cache more than a day ago (a running build's
// are younger).
func removeStaleWork(cacheDir string) {
	entries, _ := os.ReadDir(cacheDir)
	for _, e := range entries {
		work := e.IsDir() && strings.HasPrefix(e.Name(), workPrefix)
		partial := !e.IsDir() && strings.Contains(e.Name(), ".tar.partial-")
		if !work && !partial {
			continue
		}
		if fi, err := e.Info(); err == nil && time.Since(fi.ModTime()) > 24*time.Hour {
			_ = mounts.RemoveTree(filepath.Join(cacheDir, e.Name()))
		}
	}
}
