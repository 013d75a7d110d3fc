package vagrant

import "testing"

func TestParseStatus(t *testing.T) {
	out := []byte(`1732520000,nomad-server1,metadata,provider,docker
1732520000,nomad-server1,provider-name,docker
1732520000,nomad-server1,state,running
1732520000,nomad-server1,state-human-short,running
1732520000,nomad-client1,provider-name,docker
1732520000,nomad-client1,state,not_created
1732520000,,ui,info,Current machine states:
`)
	ms, err := parseStatus(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 2 || ms[0] != (Machine{"nomad-server1", "running", "docker"}) || ms[1] != (Machine{"nomad-client1", "not_created", "docker"}) {
		t.Errorf("got %+v", ms)
	}
	if _, err := parseStatus([]byte("1,,ui,info,nothing\n")); err == nil {
		t.Error("no machines should be an error")
	}
}
