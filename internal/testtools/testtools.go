// Package testtools is shared by the tests that use real tools (the
// toolcheck and e2e tiers): finding the Consul and Nomad binaries,
// requiring programs with a message that says what to install, and
// running commands with their output kept for the failure message.
// A missing tool fails the test; nothing is skipped.
package testtools

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Versions of the open-source agents the tests run, as built by
// scripts/hashicorp-binaries.sh.
const (
	ConsulVersion = "1.13.9"
	NomadVersion  = "1.6.1"
)

// Earlier releases of each agent, built the same way, that the upgrade
// test starts a cluster with (the proxy serves no Consul 1.13.4-1.13.8).
const (
	EarlierConsulVersion = "1.13.3"
	EarlierNomadVersion  = "1.6.0"
)

// EarlierConsul returns the path of the earlier Consul binary:
// $CONSUL_EARLIER_BIN, else the build cache.
func EarlierConsul(t testing.TB) string {
	return binary(t, "CONSUL_EARLIER_BIN", "consul-"+EarlierConsulVersion+"/consul")
}

// EarlierNomad returns the path of the earlier Nomad binary:
// $NOMAD_EARLIER_BIN, else the build cache.
func EarlierNomad(t testing.TB) string {
	return binary(t, "NOMAD_EARLIER_BIN", "nomad-"+EarlierNomadVersion+"/nomad")
}

// Consul returns the path of the Consul binary: $CONSUL_BIN, else the
// build cache.
func Consul(t testing.TB) string {
	return binary(t, "CONSUL_BIN", "consul-"+ConsulVersion+"/consul")
}

// Nomad returns the path of the Nomad binary: $NOMAD_BIN, else the
// build cache.
func Nomad(t testing.TB) string {
	return binary(t, "NOMAD_BIN", "nomad-"+NomadVersion+"/nomad")
}

// CacheDir is where built binaries and images' inputs are kept, outside
// the repository.
func CacheDir() string {
	if c := os.Getenv("NOMADBOX_CACHE"); c != "" {
		return c
	}
	if x := os.Getenv("XDG_CACHE_HOME"); x != "" {
		return filepath.Join(x, "nomadbox")
	}
	home, _ := os.UserHomeDir()
	return filepath.Join(home, ".cache", "nomadbox")
}

func binary(t testing.TB, env, cached string) string {
	t.Helper()
	if p := os.Getenv(env); p != "" {
		return p
	}
	p := filepath.Join(CacheDir(), "bin", cached)
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("%s is not set and %s does not exist: run scripts/hashicorp-binaries.sh (or `go tool task binaries binaries:earlier`) first", env, p)
	}
	return p
}

// Output runs a command in dir and returns its combined output.
func Output(dir string, env []string, name string, args ...string) (string, error) {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	err := cmd.Run()
	return buf.String(), err
}

// Run is Output that marks the test failed (and goes on) when the
// command fails, showing the command and its output.
func Run(t testing.TB, dir string, env []string, name string, args ...string) string {
	t.Helper()
	out, err := Output(dir, env, name, args...)
	if err != nil {
		t.Errorf("%s %s (in %s): %v\n%s", name, strings.Join(args, " "), dir, err, out)
	}
	return out
}
