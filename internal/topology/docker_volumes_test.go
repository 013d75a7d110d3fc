package topology

import (
	"bytes"
	"testing"

	"github.com/hashicorp/hcl/v2"
)

func TestDockerVolumesValid(t *testing.T) {
	topo := mustParse(t, "testdata/valid-docker-volumes.hcl")
	want := map[string]bool{"nomad-client": true, "raw": false}
	for _, g := range topo.Clients {
		if g.DockerVolumes != want[g.Name] {
			t.Errorf("%s: DockerVolumes = %v, want %v", g.Name, g.DockerVolumes, want[g.Name])
		}
	}
	// The default drivers carry the docker driver the attribute needs.
	if !topo.Clients[0].HasDriver("docker") {
		t.Errorf("nomad-client drivers = %v, want docker among them", topo.Clients[0].Drivers)
	}
}

// TestDockerVolumesWithoutDocker pins the whole range of the diagnostic:
// the value of docker_volumes, which is what the source snippet under
// the message underlines.
func TestDockerVolumesWithoutDocker(t *testing.T) {
	src := []byte(`cluster "x" {}
provider "virtualbox" {}
server "nomad-server" {}
client "raw" {
  drivers        = ["raw_exec"]
  docker_volumes = true
}
`)
	topo, diags := NewParser().Parse(src, "t.hcl")
	if topo != nil || len(diags) != 1 {
		t.Fatalf("want exactly one error, got:%s", describe(diags))
	}
	d := diags[0]
	if d.Severity != hcl.DiagError || d.Summary != "docker_volumes without the docker driver" {
		t.Fatalf("got:%s", describe(diags))
	}
	at := bytes.Index(src, []byte("= true")) + 2
	want := hcl.Range{
		Filename: "t.hcl",
		Start:    hcl.Pos{Line: 6, Column: 20, Byte: at},
		End:      hcl.Pos{Line: 6, Column: 24, Byte: at + len("true")},
	}
	if d.Subject == nil || *d.Subject != want {
		t.Errorf("subject = %v, want %v", d.Subject, want)
	}
}

// TestDockerVolumesOnlyForTrue keeps false quiet on a group without
// docker: it asks for nothing, so there is nothing to refuse.
func TestDockerVolumesOnlyForTrue(t *testing.T) {
	src := []byte(`cluster "x" {}
provider "virtualbox" {}
server "nomad-server" {}
client "raw" {
  drivers        = ["raw_exec"]
  docker_volumes = false
}
`)
	if _, diags := NewParser().Parse(src, "t.hcl"); len(diags) != 0 {
		t.Errorf("unexpected diagnostics:%s", describe(diags))
	}
}
