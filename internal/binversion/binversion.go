// Package binversion asks a local Consul or Nomad binary which release it
// is, by running `<binary> version` on this machine. With install method
// "local" those binaries are what every node runs, so their own word, not
// the topology's versions block, says which configuration keys the agents
// know. A file that is not an executable of the right program is refused
// before anything runs it.
package binversion

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/nomadbox/nomadbox/internal/cachedir"
	"github.com/nomadbox/nomadbox/internal/execx"
)

// Timeout bounds one `version` run: both agents answer in well under a
// second; a binary that hangs must not hang `nomadbox validate`.
const Timeout = 5 * time.Second

// maxOutput bounds what is kept of the output: the answer is its first
// line, and a binary that prints without end must not fill memory.
const maxOutput = 64 << 10

// Info is what a binary says it is.
type Info struct {
	// Program is "consul" or "nomad".
	Program string
	// Version is the release without the leading "v": "1.13.9",
	// "1.6.1-dev".
	Version string
}

// Runner runs `path version` and returns its output. Tests substitute it.
type Runner func(ctx context.Context, path string) ([]byte, error)

// Prober checks binaries and remembers each answer by path, size,
// modification and change time and inode, so a binary is run once, not
// on every command that loads the topology (each run costs about half
// a second for these 100 MB programs), and a replaced binary is asked
// again.
type Prober struct {
	Run Runner
	// Timeout bounds each run; zero means the package's Timeout.
	Timeout time.Duration
	// CacheFile, when set, keeps the answers across processes. It is an
	// optimisation only: a file that cannot be read or written is
	// ignored.
	CacheFile string

	mu     sync.Mutex
	cache  map[string]entry
	loaded bool
}

// entry is one remembered answer; Path lets stale entries be dropped.
type entry struct {
	Path string
	Info Info
}

var defaultProber = &Prober{Run: RunVersion, CacheFile: defaultCacheFile()}

// defaultCacheFile is under the user's cache directory, beside the
// other things nomadbox caches outside any project.
func defaultCacheFile() string {
	path, _ := cachedir.Path("binversion.json")
	return path
}

// cacheKey identifies one version of the file at path: any write to it,
// or a rename of another file over it, changes its ctime or inode.
func cacheKey(path string, st os.FileInfo) string {
	key := fmt.Sprintf("%s|%d|%d", path, st.Size(), st.ModTime().UnixNano())
	if sys, ok := st.Sys().(*syscall.Stat_t); ok {
		key += fmt.Sprintf("|%d|%d.%d", sys.Ino, sys.Ctim.Sec, sys.Ctim.Nsec)
	}
	return key
}

func (p *Prober) lookup(key string) (Info, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.loaded && p.CacheFile != "" {
		if b, err := os.ReadFile(p.CacheFile); err == nil {
			json.Unmarshal(b, &p.cache)
		}
	}
	p.loaded = true
	e, ok := p.cache[key]
	return e.Info, ok
}

func (p *Prober) remember(key, path string, info Info) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cache == nil {
		p.cache = map[string]entry{}
	}
	p.cache[key] = entry{path, info}
	// Entries of binaries that are gone or changed are dropped, so the
	// file stays as small as the set of binaries in use.
	for k, e := range p.cache {
		if st, err := os.Stat(e.Path); err != nil || cacheKey(e.Path, st) != k {
			delete(p.cache, k)
		}
	}
	if p.CacheFile == "" {
		return
	}
	b, err := json.MarshalIndent(p.cache, "", " ")
	if err != nil || os.MkdirAll(filepath.Dir(p.CacheFile), 0o755) != nil {
		return
	}
	tmp := fmt.Sprintf("%s.%d.tmp", p.CacheFile, os.Getpid())
	if os.WriteFile(tmp, b, 0o644) == nil {
		os.Rename(tmp, p.CacheFile)
	}
}

// Probe is the default Prober's Probe: it runs the binary for real.
func Probe(path string) (Info, error) {
	return defaultProber.Probe(path)
}

// Probe checks that path is an executable ELF file, runs `path version`
// and parses its answer. Errors say what is wrong with the file and are
// meant for the user as they are.
func (p *Prober) Probe(path string) (Info, error) {
	st, err := checkExecutable(path)
	if err != nil {
		return Info{}, err
	}
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	key := cacheKey(path, st)
	if info, ok := p.lookup(key); ok {
		return info, nil
	}
	limit := p.Timeout
	if limit == 0 {
		limit = Timeout
	}
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	out, err := p.Run(ctx, path)
	if ctx.Err() != nil {
		return Info{}, fmt.Errorf("`%s version` did not answer within %s: is it a Consul or Nomad binary?", path, limit)
	}
	if err != nil {
		return Info{}, fmt.Errorf("`%s version` failed: %v%s", path, err, firstLineNote(out))
	}
	info, err := Parse(out)
	if err != nil {
		return Info{}, fmt.Errorf("%s: %w", path, err)
	}
	p.remember(key, path, info)
	return info, nil
}

// elfMagic starts every ELF file, the format of Linux executables.
var elfMagic = []byte{0x7f, 'E', 'L', 'F'}

// checkExecutable refuses what cannot be an agent binary before it is
// run: a directory, a device or FIFO (opening it could block), a file
// without an execute bit, and anything that is not ELF (a script or a
// text file would run on this machine but not be what the nodes need).
func checkExecutable(path string) (os.FileInfo, error) {
	st, err := os.Stat(path)
	switch {
	case err != nil:
		return nil, fmt.Errorf("cannot read %s: %w", path, errors.Unwrap(err))
	case !st.Mode().IsRegular():
		return nil, fmt.Errorf("%s is not a regular file (it is a %s)", path, kind(st.Mode()))
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read %s: %w", path, errors.Unwrap(err))
	}
	defer f.Close()
	head := make([]byte, len(elfMagic))
	if _, err := io.ReadFull(f, head); err != nil || !bytes.Equal(head, elfMagic) {
		return nil, fmt.Errorf("%s is not an ELF executable (a script or a text file?): point it at the Linux binary from the release zip", path)
	}
	if st.Mode().Perm()&0o111 == 0 {
		return nil, fmt.Errorf("%s is not executable: run `chmod +x %s`", path, path)
	}
	return st, nil
}

func kind(m os.FileMode) string {
	switch {
	case m.IsDir():
		return "directory"
	case m&os.ModeNamedPipe != 0:
		return "named pipe"
	case m&os.ModeSocket != 0:
		return "socket"
	case m&os.ModeDevice != 0:
		return "device"
	}
	return "special file"
}

// versionLine is the first line both agents print: "Consul v1.13.9",
// "Nomad v1.6.1", "Nomad v1.7.0-dev", "Consul v1.22.7+ent".
var versionLine = regexp.MustCompile(`^(Consul|Nomad) v(\d+\.\d+\.\d+(?:-[0-9A-Za-z.]+)?)(?:\+[0-9A-Za-z.]+)?\s*$`)

// Parse reads the output of `consul version` or `nomad version`.
func Parse(out []byte) (Info, error) {
	line, _, _ := strings.Cut(string(out), "\n")
	m := versionLine.FindStringSubmatch(strings.TrimSpace(line))
	if m == nil {
		return Info{}, fmt.Errorf("`version` did not name a Consul or Nomad release%s", firstLineNote(out))
	}
	return Info{Program: strings.ToLower(m[1]), Version: m[2]}, nil
}

func firstLineNote(out []byte) string {
	line, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	if line == "" {
		return ""
	}
	if len(line) > 80 {
		line = line[:80] + "..."
	}
	return fmt.Sprintf(" (it printed %q)", line)
}

// RunVersion runs `path version` with no input, contained
// (execx.ContainGrace): a timeout ends whatever it started too, and a
// child that holds the output pipe does not hold nomadbox.
func RunVersion(ctx context.Context, path string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, path, "version")
	var out limitedBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	execx.ContainGrace(cmd, 0)
	err := cmd.Run()
	execx.KillGroup(cmd)
	return out.Bytes(), err
}

// limitedBuffer keeps the first maxOutput bytes written to it and
// discards the rest, reporting every write as complete so the program
// is not killed by a broken pipe.
type limitedBuffer struct{ bytes.Buffer }

func (b *limitedBuffer) Write(p []byte) (int, error) {
	if room := maxOutput - b.Len(); room > 0 {
		if len(p) > room {
			b.Buffer.Write(p[:room])
		} else {
			b.Buffer.Write(p)
		}
	}
	return len(p), nil
}

// ProbeProgram is Probe in the form topology.BinaryProbe takes.
func ProbeProgram(path string) (program, version string, err error) {
	info, err := Probe(path)
	return info.Program, info.Version, err
}
