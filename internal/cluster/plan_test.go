package cluster

import (
	"testing"

	"github.com/nomadbox/nomadbox/generator"
)

func TestAgentConfigsFromRender(t *testing.T) {
	s := &Session{Dir: t.TempDir()}
	got := s.agentConfigs(generator.Files{
		"ansible/config/nomad-server1/consul.hcl": []byte("a"),
		"ansible/config/nomad-server1/nomad.hcl":  []byte("b"),
		"ansible/config/nomad-client1/nomad.hcl":  []byte("c"),
		"ansible/roles/consul/files/x.hcl":        []byte("no"),
		"ansible/host_vars/nomad-server1.yml":     []byte("no"),
	})
	if len(got) != 2 || string(got["nomad-server1"]["consul.hcl"]) != "a" || string(got["nomad-client1"]["nomad.hcl"]) != "c" {
		t.Errorf("got %v", got)
	}
}
