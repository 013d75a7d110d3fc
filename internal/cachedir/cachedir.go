// Package cachedir says where nomadbox keeps what it caches outside any
// project (root file systems, probe answers): <user cache dir>/nomadbox,
// ~/.cache/nomadbox on Linux. Builds of Consul and Nomad by
// scripts/hashicorp-binaries.sh live there too.
package cachedir

import (
	"os"
	"path/filepath"
)

// Path is elem joined under nomadbox's cache directory.
func Path(elem ...string) (string, error) {
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(append([]string{dir, "nomadbox"}, elem...)...), nil
}
