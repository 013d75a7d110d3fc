package mounts

import (
	"os"
	"path/filepath"
	"testing"
)

func TestUnescapeMount(t *testing.T) {
	for in, want := range map[string]string{
		`/plain/path`:    "/plain/path",
		`/a\040b`:        "/a b",
		`/tab\011x\134y`: "/tab\tx\\y",
		`/short\04`:      `/short\04`,
		`/not\9999octal`: `/not\9999octal`,
	} {
		if got := unescapeMount(in); got != want {
			t.Errorf("unescapeMount(%q) = %q; want %q", in, got, want)
		}
	}
}

func TestMountsUnderNothing(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "proc"), 0o755)
	m, err := Under(dir)
	if err != nil || len(m) != 0 {
		t.Errorf("Under(%s) = %q, %v", dir, m, err)
	}
	// "/" has mounts under it on any Linux machine (/proc at least).
	m, err = Under("/")
	if err != nil || len(m) == 0 {
		t.Errorf("Under(/) = %q, %v", m, err)
	}
}
