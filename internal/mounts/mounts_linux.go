package mounts

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
)

// Package mounts removes directory trees that may have file systems
// mounted inside them.
//
// RemoveTree removes dir. A debootstrap that was interrupted can leave
// /proc, /sys or /dev mounted inside its root, and a Nomad client leaves
// each task's secrets/ tmpfs in its alloc directories; removing files
// through such a mount would reach the mounted file system itself. Those
// are unmounted first, and the tree is kept if any mount remains.
func RemoveTree(dir string) error {
	real, err := filepath.EvalSymlinks(dir)
	if err != nil {
		if os.IsNotExist(err) {
			return nil
		}
		return err
	}
	mounts, err := Under(real)
	if err != nil {
		return err
	}
	// Deepest first.
	sort.Slice(mounts, func(i, j int) bool { return len(mounts[i]) > len(mounts[j]) })
	for _, m := range mounts {
		_ = syscall.Unmount(m, syscall.MNT_DETACH)
	}
	if left, err := Under(real); err != nil {
		return err
	} else if len(left) > 0 {
		return fmt.Errorf("%s still has file systems mounted in it (%s): unmount them and remove it by hand", dir, strings.Join(left, ", "))
	}
	return os.RemoveAll(dir)
}

// Under lists the mount points strictly inside dir.
func Under(dir string) ([]string, error) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []string
	prefix := strings.TrimSuffix(dir, "/") + "/"
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 5 {
			continue
		}
		mp := unescapeMount(fields[4])
		if strings.HasPrefix(mp, prefix) {
			out = append(out, mp)
		}
	}
	return out, sc.Err()
}

// unescapeMount undoes the octal escapes (\040 for a space) of mountinfo.
func unescapeMount(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+4 <= len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
