package topology

import (
	"os"
	"path/filepath"
	"strings"
)

func expandHome(p string) string {
	if p == "~" || strings.HasPrefix(p, "~/") {
		if home, err := os.UserHomeDir(); err == nil {
			return filepath.Join(home, strings.TrimPrefix(p, "~"))
		}
	}
	return p
}

func absPath(p string) (string, error) {
	return filepath.Abs(p)
}
