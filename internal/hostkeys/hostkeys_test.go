package hostkeys

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nomadbox/nomadbox/internal/execx"
)

// Two ed25519 public keys and the first one's fingerprint as
// ssh-keygen -l prints it.
const (
	key1 = "AAAAC3NzaC1lZDI1NTE5AAAAIG1LHRQhrD/i4bhqNXbfLSNb5i02J3OQTbCPD2eqQKmK"
	key2 = "AAAAC3NzaC1lZDI1NTE5AAAAIIE1H6S+v+DNhsbFMsdW/OG0bOdl56s4ec74iZrQOlZK"
	fp1  = "SHA256:JzrzR9pJdaKOtBrNxDJOgacbnA3ohxtzCJ/4HcE2nFg"
)

// fakeKeyscan puts an ssh-keyscan on PATH that offers, for every host,
// the key lines in the file $OFFER, the way the real one prints them
// (the real one is exercised by the e2e tests on real sshd).
func fakeKeyscan(t *testing.T, offer string) {
	t.Helper()
	bin := t.TempDir()
	script := `#!/bin/sh
port=22
while [ $# -gt 1 ]; do
  [ "$1" = -p ] && port=$2
  shift
done
p=$1
[ "$port" != 22 ] && p="[$1]:$port"
sed "s|^|$p |" "$OFFER"
`
	if err := os.WriteFile(filepath.Join(bin, "ssh-keyscan"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+":"+os.Getenv("PATH"))
	file := filepath.Join(t.TempDir(), "offer")
	t.Setenv("OFFER", file)
	setOffer(t, offer)
}

func setOffer(t *testing.T, offer string) {
	t.Helper()
	if err := os.WriteFile(os.Getenv("OFFER"), []byte(offer), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestFingerprint(t *testing.T) {
	if got := (key{typ: "ssh-ed25519", blob: key1}).Fingerprint(); got != fp1 {
		t.Errorf("fingerprint %s, want %s (ssh-keygen -l)", got, fp1)
	}
}

func TestEnsureRecordsThenRefusesAChange(t *testing.T) {
	fakeKeyscan(t, "ssh-ed25519 "+key1+"\n")
	path := filepath.Join(t.TempDir(), FileName)
	hosts := []Host{{Name: "n1", Address: "10.1.1.1", Port: 22}, {Name: "n2", Address: "10.1.1.2", Port: 2222}}
	r := &execx.Runner{}
	ctx := context.Background()
	if err := Ensure(ctx, r, path, hosts); err != nil {
		t.Fatalf("first contact: %v", err)
	}
	b, _ := os.ReadFile(path)
	for _, want := range []string{"10.1.1.1 ssh-ed25519 " + key1, "[10.1.1.2]:2222 ssh-ed25519 " + key1} {
		if !strings.Contains(string(b), want+"\n") {
			t.Errorf("known hosts lacks %q:\n%s", want, b)
		}
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Errorf("known hosts mode %v, want 0600", st.Mode().Perm())
	}
	// The same keys again: accepted, nothing appended.
	if err := Ensure(ctx, r, path, hosts); err != nil {
		t.Fatalf("second contact: %v", err)
	}
	if again, _ := os.ReadFile(path); string(again) != string(b) {
		t.Errorf("a second contact changed the file:\n%s", again)
	}
	// Another key: refused with both fingerprints, the file untouched.
	setOffer(t, "ssh-ed25519 "+key2+"\n")
	err := Ensure(ctx, r, path, hosts)
	var changed *ChangedError
	if !errors.As(err, &changed) || changed.Host.Name != "n1" {
		t.Fatalf("want a ChangedError for n1, got %v", err)
	}
	if !strings.Contains(err.Error(), fp1) || !strings.Contains(err.Error(), (key{typ: "ssh-ed25519", blob: key2}).Fingerprint()) {
		t.Errorf("the error should show both fingerprints: %v", err)
	}
	if after, _ := os.ReadFile(path); string(after) != string(b) {
		t.Errorf("a refused key was recorded:\n%s", after)
	}
}

func TestEnsureHostWithoutKeys(t *testing.T) {
	fakeKeyscan(t, "")
	err := Ensure(context.Background(), &execx.Runner{}, filepath.Join(t.TempDir(), FileName), []Host{{Name: "n1", Address: "10.1.1.1"}})
	if err == nil || !strings.Contains(err.Error(), "reading the SSH host key of n1") {
		t.Errorf("want an error naming the host, got %v", err)
	}
}
