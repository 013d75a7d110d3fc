// Package hostkeys records the SSH host keys of existing hosts (the ssh
// provider) on first contact and refuses a host whose key changed since.
// Machines nomadbox creates get new keys with every rebuild and are
// reached without this check; hosts that already exist, and outlive the
// cluster, must not be: a changed key there means a reinstalled host or
// someone in between.
package hostkeys

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/nomadbox/nomadbox/internal/execx"
)

// FileName is the known_hosts file of a cluster, in its render directory.
const FileName = "ssh_known_hosts"

// Path is the known_hosts file of the cluster rendered in dir.
func Path(dir string) string { return filepath.Join(dir, FileName) }

// Host is one host to check.
type Host struct {
	Name    string // node name, for messages
	Address string
	Port    int
}

// pattern is the host's name in known_hosts: "addr", or "[addr]:port"
// off port 22, as OpenSSH writes it.
func (h Host) pattern() string {
	if h.Port == 0 || h.Port == 22 {
		return h.Address
	}
	return "[" + h.Address + "]:" + strconv.Itoa(h.Port)
}

// key is one host key: its type and base64 blob.
type key struct{ typ, blob string }

// Fingerprint is the key's SHA256 fingerprint as `ssh-keygen -l` prints it.
func (k key) Fingerprint() string {
	raw, err := base64.StdEncoding.DecodeString(k.blob)
	if err != nil {
		return "(invalid key)"
	}
	sum := sha256.Sum256(raw)
	return "SHA256:" + base64.RawStdEncoding.EncodeToString(sum[:])
}

func (k key) String() string { return k.typ + " " + k.Fingerprint() }

// ChangedError is a host whose key is not the one recorded.
type ChangedError struct {
	Host     Host
	File     string
	Recorded []string // "type fingerprint"
	Offered  []string
}

func (e *ChangedError) Error() string {
	return fmt.Sprintf("the SSH host key of %s (%s) changed: recorded %s, the host now offers %s. "+
		"nomadbox refuses to connect: if the host was reinstalled, remove its lines (%s) from %s and run again; otherwise someone may be intercepting the connection",
		e.Host.Name, e.Host.pattern(), strings.Join(e.Recorded, ", "), strings.Join(e.Offered, ", "), e.Host.pattern(), e.File)
}

// Ensure checks every host's keys against the file at path: a host not
// in it yet has what it offers now recorded (first contact); a host in
// it must offer a recorded key of every type recorded for it.
func Ensure(ctx context.Context, r *execx.Runner, path string, hosts []Host) error {
	known, err := read(path)
	if err != nil {
		return err
	}
	var add []string
	for _, h := range hosts {
		offered, err := scan(ctx, r, h)
		if err != nil {
			return err
		}
		recorded := known[h.pattern()]
		if len(recorded) == 0 {
			for _, k := range offered {
				add = append(add, h.pattern()+" "+k.typ+" "+k.blob)
			}
			continue
		}
		if err := compare(h, path, recorded, offered); err != nil {
			return err
		}
	}
	if len(add) == 0 {
		return nil
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(strings.Join(add, "\n") + "\n"); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// compare accepts the host when, for each key type recorded, it offers
// that very key.
func compare(h Host, path string, recorded, offered []key) error {
	byType := map[string]string{}
	for _, k := range offered {
		byType[k.typ] = k.blob
	}
	ok := true
	for _, k := range recorded {
		if byType[k.typ] != k.blob {
			ok = false
		}
	}
	if ok {
		return nil
	}
	e := &ChangedError{Host: h, File: path}
	for _, k := range recorded {
		e.Recorded = append(e.Recorded, k.String())
	}
	for _, k := range offered {
		e.Offered = append(e.Offered, k.String())
	}
	return e
}

// scan asks the host for its keys.
func scan(ctx context.Context, r *execx.Runner, h Host) ([]key, error) {
	port := h.Port
	if port == 0 {
		port = 22
	}
	out, err := r.Output(ctx, execx.Command("ssh-keyscan", "-T", "10", "-p", strconv.Itoa(port), "-t", "ed25519,ecdsa,rsa", h.Address))
	keys := parse(out)[h.pattern()]
	if len(keys) == 0 {
		if err == nil {
			err = fmt.Errorf("it offered no key")
		}
		return nil, fmt.Errorf("reading the SSH host key of %s (%s): %w; check the host runs sshd on port %d and this machine reaches it", h.Name, h.pattern(), err, port)
	}
	return keys, nil
}

func read(path string) (map[string][]key, error) {
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return map[string][]key{}, nil
	}
	if err != nil {
		return nil, err
	}
	return parse(b), nil
}

// parse reads known_hosts lines ("pattern type blob"); comments and
// other lines are skipped.
func parse(b []byte) map[string][]key {
	out := map[string][]key{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 3 || strings.HasPrefix(f[0], "#") {
			continue
		}
		for _, p := range strings.Split(f[0], ",") {
			out[p] = append(out[p], key{typ: f[1], blob: f[2]})
		}
	}
	for p := range out {
		sort.Slice(out[p], func(i, j int) bool { return out[p][i].typ < out[p][j].typ })
	}
	return out
}
