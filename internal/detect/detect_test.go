package detect

import (
	"errors"
	"testing"
)

func TestOrder(t *testing.T) {
	tests := []struct {
		on     []string
		socket bool
		want   string
		found  bool
	}{
		{[]string{"VBoxManage", "virsh", "docker"}, true, "virtualbox", true},
		{[]string{"virsh", "docker"}, false, "libvirt", true},
		{[]string{"docker"}, true, "libvirt", true},
		{[]string{"docker"}, false, "docker", true},
		{nil, false, "virtualbox", false},
	}
	for _, tt := range tests {
		look := func(name string) (string, error) {
			for _, n := range tt.on {
				if n == name {
					return "/usr/bin/" + n, nil
				}
			}
			return "", errors.New("not found")
		}
		got := provider(look, func(string) bool { return tt.socket })
		if got.Provider != tt.want || got.Found != tt.found {
			t.Errorf("with %v (socket %v): got %+v, want %s found=%v", tt.on, tt.socket, got, tt.want, tt.found)
		}
	}
}
