package nodeimage

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// keyGlobs are where Vagrant installations keep the insecure key pair,
// in the keys/ folder of the vagrant gem: Debian's package first, then
// HashiCorp's packages (older and newer layouts).
var keyGlobs = []string{
	"/usr/share/rubygems-integration/all/gems/vagrant-[0-9]*/keys/vagrant.pub",
	"/opt/vagrant/embedded/gems/gems/vagrant-[0-9]*/keys/vagrant.pub",
	"/opt/vagrant/embedded/gems/*/gems/vagrant-[0-9]*/keys/vagrant.pub",
}

// VagrantPublicKey returns the path of Vagrant's insecure public key, as
// installed with Vagrant (the newest when several versions are present).
// The matching private key is the file "vagrant" in the same folder.
func VagrantPublicKey() (string, error) {
	return findKey(glob)
}

// glob is replaced in tests.
var glob = filepath.Glob

func findKey(glob func(pattern string) ([]string, error)) (string, error) {
	var found []string
	for _, g := range keyGlobs {
		m, err := glob(g)
		if err != nil {
			return "", err
		}
		found = append(found, m...)
	}
	if len(found) == 0 {
		return "", fmt.Errorf("Vagrant's insecure public key was not found (looked for %s): install Vagrant (`apt-get install vagrant`)", strings.Join(keyGlobs, ", "))
	}
	sort.SliceStable(found, func(i, j int) bool {
		return versionLess(gemVersion(found[j]), gemVersion(found[i]))
	})
	return found[0], nil
}

var gemRE = regexp.MustCompile(`/vagrant-([0-9][0-9A-Za-z.]*)/keys/`)

// gemVersion is the version in the gem folder's name, as numbers.
func gemVersion(path string) []int {
	m := gemRE.FindStringSubmatch(filepath.ToSlash(path))
	if m == nil {
		return nil
	}
	var v []int
	for _, p := range strings.Split(m[1], ".") {
		n, err := strconv.Atoi(p)
		if err != nil {
			break
		}
		v = append(v, n)
	}
	return v
}

func versionLess(a, b []int) bool {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			return a[i] < b[i]
		}
	}
	return len(a) < len(b)
}

// readPublicKey reads an authorized_keys file and checks that it holds
// public keys only.
func readPublicKey(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading Vagrant's insecure public key: %w", err)
	}
	n := 0
	for _, line := range bytes.Split(data, []byte("\n")) {
		line = bytes.TrimSpace(line)
		if len(line) == 0 || line[0] == '#' {
			continue
		}
		if !bytes.HasPrefix(line, []byte("ssh-")) && !bytes.HasPrefix(line, []byte("ecdsa-")) {
			return nil, fmt.Errorf("%s does not look like an SSH public key", path)
		}
		n++
	}
	if n == 0 {
		return nil, fmt.Errorf("%s holds no SSH public key", path)
	}
	if !bytes.HasSuffix(data, []byte("\n")) {
		data = append(data, '\n')
	}
	return data, nil
}

// InstallVagrantPrivateKey puts Vagrant's insecure private key at dst
// (~/.vagrant.d/insecure_private_key) unless a key is there: Vagrant
// copies it there itself when it first runs, and nodes that Vagrant did
// not make are still reached with it.
func InstallVagrantPrivateKey(dst string) error {
	if _, err := os.Stat(dst); err == nil {
		return nil
	}
	pub, err := VagrantPublicKey()
	if err != nil {
		return err
	}
	src := filepath.Join(filepath.Dir(pub), "vagrant")
	key, err := os.ReadFile(src)
	if err != nil {
		return fmt.Errorf("reading Vagrant's insecure private key: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	// ssh refuses a private key that others can read.
	tmp := dst + ".nomadbox-tmp"
	if err := os.WriteFile(tmp, key, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, dst)
}
