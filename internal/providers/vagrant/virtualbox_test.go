package vagrant

import (
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestVboxRanges(t *testing.T) {
	dir := t.TempDir()
	got, err := vboxRanges(filepath.Join(dir, "missing"))
	if err != nil || len(got) != 1 || got[0] != vboxDefaultRange {
		t.Fatalf("without networks.conf: %v %v, want only %s", got, err, vboxDefaultRange)
	}
	conf := filepath.Join(dir, "networks.conf")
	os.WriteFile(conf, []byte("# comment\n* 10.0.0.0/8 192.168.0.0/16\n* fd00::/8\nbroken line\n"), 0o644)
	got, err = vboxRanges(conf)
	if err != nil || len(got) != 3 {
		t.Fatalf("ranges %v %v", got, err)
	}
	for _, c := range []struct {
		cidr string
		ok   bool
	}{
		{"10.5.0.0/24", true},
		{"192.168.99.0/24", true},
		{"172.16.0.0/24", false},
		{"10.0.0.0/7", false}, // wider than the allowed range
	} {
		err := checkVboxRange(netip.MustParsePrefix(c.cidr), got)
		if (err == nil) != c.ok {
			t.Errorf("%s: err = %v, want ok=%v", c.cidr, err, c.ok)
		}
		if err != nil && !strings.Contains(err.Error(), "* "+c.cidr) {
			t.Errorf("%s: the error should give the line to add: %v", c.cidr, err)
		}
	}
	if err := checkVboxRange(netip.MustParsePrefix("192.168.64.0/24"), []netip.Prefix{vboxDefaultRange}); err == nil {
		t.Error("192.168.64.0/24 is outside 192.168.56.0/21")
	}
	if err := checkVboxRange(netip.MustParsePrefix("192.168.57.0/24"), []netip.Prefix{vboxDefaultRange}); err != nil {
		t.Errorf("192.168.57.0/24 is inside the default range: %v", err)
	}
}
