package scaffold

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
)

// ErrExists is returned when topology.hcl exists and Force is not set.
var ErrExists = errors.New("topology file exists")

// WriteOptions are the inputs of Write.
type WriteOptions struct {
	Options
	// File is the topology file to write.
	File  string
	Force bool
	// Assets is the tree holding jobs/*.nomad.hcl; each example job is
	// written beside the topology unless a file of that name is there.
	Assets fs.FS
}

// Write creates the topology file and the example jobs it refers to.
// It returns the paths it wrote.
func Write(opts WriteOptions) ([]string, error) {
	src, err := Topology(opts.Options)
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(opts.File); err == nil && !opts.Force {
		return nil, fmt.Errorf("%w: %s already exists; pass --force to overwrite it", ErrExists, opts.File)
	}
	var written []string
	if err := os.MkdirAll(filepath.Dir(opts.File), 0o755); err != nil {
		return nil, err
	}
	if err := writeAtomic(opts.File, src); err != nil {
		return nil, err
	}
	written = append(written, opts.File)

	dir := filepath.Dir(opts.File)
	jobs, err := fs.Glob(opts.Assets, "jobs/*.nomad.hcl")
	if err != nil {
		return written, err
	}
	for _, j := range jobs {
		dst := filepath.Join(dir, filepath.FromSlash(j))
		if _, err := os.Stat(dst); err == nil {
			continue // a user's edited job is never overwritten
		}
		b, err := fs.ReadFile(opts.Assets, j)
		if err != nil {
			return written, err
		}
		if err := os.MkdirAll(filepath.Join(dir, path.Dir(j)), 0o755); err != nil {
			return written, err
		}
		if err := writeAtomic(dst, b); err != nil {
			return written, err
		}
		written = append(written, dst)
	}
	return written, nil
}

func writeAtomic(path string, data []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
