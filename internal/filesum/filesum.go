// Package filesum computes SHA-256 checksums of large local files (the
// Consul and Nomad binaries a topology copies to its nodes), remembering
// them in a cache file keyed by path, size and modification time, so that
// an `up` that changes nothing does not read 200 MB again.
package filesum

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
)

type entry struct {
	Size    int64  `json:"size"`
	ModTime int64  `json:"mtime_ns"`
	SHA256  string `json:"sha256"`
}

// Cache is a checksum cache stored in one JSON file.
type Cache struct {
	file    string
	entries map[string]entry
	dirty   bool
}

// Open reads the cache in file (a missing or damaged file is an empty
// cache).
func Open(file string) *Cache {
	c := &Cache{file: file, entries: map[string]entry{}}
	if b, err := os.ReadFile(file); err == nil {
		_ = json.Unmarshal(b, &c.entries)
	}
	return c
}

// SHA256 returns the hex SHA-256 of the file at path.
func (c *Cache) SHA256(path string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	fi, err := os.Stat(abs)
	if err != nil {
		return "", err
	}
	if e, ok := c.entries[abs]; ok && e.Size == fi.Size() && e.ModTime == fi.ModTime().UnixNano() {
		return e.SHA256, nil
	}
	f, err := os.Open(abs)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	sum := hex.EncodeToString(h.Sum(nil))
	c.entries[abs] = entry{Size: fi.Size(), ModTime: fi.ModTime().UnixNano(), SHA256: sum}
	c.dirty = true
	return sum, nil
}

// Save writes the cache back when it changed.
func (c *Cache) Save() error {
	if !c.dirty {
		return nil
	}
	b, err := json.MarshalIndent(c.entries, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(c.file), 0o755); err != nil {
		return err
	}
	tmp := c.file + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, c.file)
}
