//go:build try

package box

import (
	"os"
	"testing"
)

func TestTryWriteContext(t *testing.T) {
	dir := os.Getenv("TRY_DIR")
	pub, err := VagrantPublicKey()
	if err != nil {
		t.Fatal(err)
	}
	key, err := readPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	if err := writeContext(dir, os.Getenv("TRY_BASE"), key); err != nil {
		t.Fatal(err)
	}
}
