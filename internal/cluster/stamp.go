package cluster

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"

	"github.com/nomadbox/nomadbox/generator"
)

// stampFile records what the last successful provision applied: a hash
// of the rendered Vagrantfile and Ansible tree. When a later `up` renders
// the same bytes and every machine is already running, there is nothing
// for Ansible to do, and `up` says "no changes" instead of running it.
const stampFile = ".provisioned"

func renderHash(files generator.Files) string {
	h := sha256.New()
	for _, p := range files.Paths() {
		h.Write([]byte(p))
		h.Write([]byte{0})
		h.Write(files[p])
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

func (s *Session) provisionedHash() string {
	b, _ := os.ReadFile(filepath.Join(s.Dir, stampFile))
	return strings.TrimSpace(string(b))
}

func (s *Session) markProvisioned(hash string) {
	os.WriteFile(filepath.Join(s.Dir, stampFile), []byte(hash+"\n"), 0o644)
}

func (s *Session) clearProvisioned() {
	os.Remove(filepath.Join(s.Dir, stampFile))
}
