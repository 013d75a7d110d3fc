//go:build !linux

package box

import "os"

// removeTree removes a directory tree. Only Linux builds root file systems,
// so nothing can be mounted inside it here.
func removeTree(dir string) error { return os.RemoveAll(dir) }
