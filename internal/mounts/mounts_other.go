//go:build !linux

package mounts

import "os"

// Package mounts removes directory trees that may have file systems
// mounted inside them (only on Linux; elsewhere RemoveTree is
// os.RemoveAll).
//
// RemoveTree removes a directory tree.
func RemoveTree(dir string) error { return os.RemoveAll(dir) }
