package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// `-o` pointing at a folder of the user's is refused by the commands
// that would write into it or delete it: exit 1, the reason on stderr,
// every file as it was.
func TestForeignOutputDirectoryIsRefused(t *testing.T) {
	dir := t.TempDir()
	if code, _, errOut := runCLI(t, dir, "init", "--provider", "docker"); code != 0 {
		t.Fatal(errOut)
	}
	files := map[string]string{"mydocs/a.txt": "mine", "mydocs/sub/b.txt": "also mine"}
	for p, c := range files {
		os.MkdirAll(filepath.Join(dir, filepath.Dir(p)), 0o755)
		os.WriteFile(filepath.Join(dir, p), []byte(c), 0o644)
	}
	for _, args := range [][]string{
		{"destroy", "--force", "-o", "mydocs"},
		{"render", "-o", "mydocs"},
		{"up", "--dry-run", "-o", "mydocs"},
		{"status", "-o", "mydocs"},
	} {
		code, _, errOut := runCLI(t, dir, args...)
		want := "mydocs is not a nomadbox render directory (no .nomadbox-render): nothing was written or deleted"
		if code != 1 || !strings.Contains(errOut, want) {
			t.Errorf("%s: exit %d, stderr %q; want exit 1 and %q", strings.Join(args, " "), code, errOut, want)
		}
	}
	entries, _ := os.ReadDir(filepath.Join(dir, "mydocs"))
	if len(entries) != 2 {
		t.Errorf("mydocs holds %d entries, want its 2", len(entries))
	}
	for p, c := range files {
		if b, err := os.ReadFile(filepath.Join(dir, p)); err != nil || string(b) != c {
			t.Errorf("%s: %q, %v", p, b, err)
		}
	}
}
