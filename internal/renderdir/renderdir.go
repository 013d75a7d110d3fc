// Package renderdir owns a cluster's render directory (.nomadbox/<cluster>
// or -o DIR): Claim recognises it by nomadbox's marker file (and refuses a
// directory that is not nomadbox's), Write swaps a new render in without
// ever leaving it half-written, and Remove deletes only what nomadbox put
// there. Write leaves things that belong to the running cluster (Vagrant's
// .vagrant state, secrets/, logs) alone.
package renderdir

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/nomadbox/nomadbox/generator"
)

// Write replaces the rendered part of dir with files. Every top-level
// entry that files contains (Vagrantfile, ansible/) is replaced whole, so
// files that are no longer rendered (a removed node's host_vars) go away.
// dir must have been claimed (Claim): Write replaces what it holds.
func Write(dir string, files generator.Files) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	stage, err := os.MkdirTemp(dir, ".render-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(stage)

	tops := map[string]bool{}
	for _, p := range files.Paths() {
		if strings.Contains(p, "..") || filepath.IsAbs(p) {
			return fmt.Errorf("refusing to write %q outside the render directory", p)
		}
		dst := filepath.Join(stage, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(dst, files[p], 0o644); err != nil {
			return err
		}
		top := strings.SplitN(p, "/", 2)[0]
		if !Owned(top) {
			// Remove would leave it behind, and a user's entry of that
			// name would be replaced.
			return fmt.Errorf("refusing to render %q: %s is not an entry nomadbox owns in a render directory", p, top)
		}
		tops[top] = true
	}

	names := make([]string, 0, len(tops))
	for n := range tops {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		if err := swap(filepath.Join(stage, name), filepath.Join(dir, name)); err != nil {
			return err
		}
	}
	return nil
}

// swap moves src to dst, replacing what dst was. A rename is atomic, so a
// reader sees either the old or the new entry; the old one is moved
// aside first because a directory cannot be renamed over another.
func swap(src, dst string) error {
	old := dst + ".old"
	if err := os.RemoveAll(old); err != nil {
		return err
	}
	hadOld := true
	if err := os.Rename(dst, old); err != nil {
		if !os.IsNotExist(err) {
			return err
		}
		hadOld = false
	}
	if err := os.Rename(src, dst); err != nil {
		if hadOld {
			os.Rename(old, dst)
		}
		return err
	}
	return os.RemoveAll(old)
}
