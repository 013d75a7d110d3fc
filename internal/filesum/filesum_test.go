package filesum

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestSHA256Cached(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "bin")
	os.WriteFile(bin, []byte("hello\n"), 0o755)
	cache := filepath.Join(dir, "cache.json")
	const want = "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03"

	c := Open(cache)
	if got, err := c.SHA256(bin); err != nil || got != want {
		t.Fatalf("SHA256 = %q, %v; want %s", got, err, want)
	}
	if err := c.Save(); err != nil {
		t.Fatal(err)
	}
	// A cached entry is used as long as size and mtime match...
	c = Open(cache)
	c.entries[mustAbs(t, bin)] = entry{Size: 6, ModTime: c.entries[mustAbs(t, bin)].ModTime, SHA256: "cached"}
	if got, _ := c.SHA256(bin); got != "cached" {
		t.Errorf("the cache was not used: %q", got)
	}
	// ...and the file is read again once it changed.
	os.WriteFile(bin, []byte("hello, world\n"), 0o755)
	os.Chtimes(bin, time.Now(), time.Now().Add(time.Second))
	if got, _ := c.SHA256(bin); got == "cached" || got == want {
		t.Errorf("a changed file kept its old checksum: %q", got)
	}
	if _, err := c.SHA256(filepath.Join(dir, "missing")); err == nil {
		t.Error("no error for a missing file")
	}
}

func mustAbs(t *testing.T, p string) string {
	a, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return a
}
