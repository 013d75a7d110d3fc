package ansible

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nomadbox/nomadbox/internal/execx"
)

// A fake ansible-playbook on PATH prints what the real one prints.
func fakePlaybook(t *testing.T, script string) string {
	t.Helper()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "ansible-playbook"), []byte("#!/bin/sh\n"+script), 0o755)
	t.Setenv("PATH", dir+":"+os.Getenv("PATH"))
	return dir
}

func TestRecapAndTasks(t *testing.T) {
	fakePlaybook(t, `cat <<'OUT'
PLAY [Prepare every node] ******************************************************

TASK [Gathering Facts] *********************************************************
ok: [nomad-server1]

TASK [common : Install base packages] ******************************************
changed: [nomad-server1]

PLAY RECAP *********************************************************************
nomad-server1              : ok=25   changed=3    unreachable=0    failed=0    skipped=5    rescued=0    ignored=0
nomad-client1              : ok=20   changed=0    unreachable=0    failed=0    skipped=2    rescued=0    ignored=0
OUT
`)
	var tasks []string
	p := &Playbook{Dir: t.TempDir(), Runner: &execx.Runner{}, OnTask: func(s string) { tasks = append(tasks, s) }}
	res, err := p.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(tasks, "|") != "Gathering Facts|common : Install base packages" {
		t.Errorf("tasks %q", tasks)
	}
	if len(res.Recap) != 2 || res.Recap[0].Host != "nomad-client1" || res.Recap[1].Changed != 3 || res.Recap[1].Skipped != 5 || res.Changed() != 3 {
		t.Errorf("recap %+v", res.Recap)
	}
}

func TestFailureNamesHostAndTask(t *testing.T) {
	fakePlaybook(t, `cat <<'OUT'
TASK [nomad : Start nomad] *****************************************************
fatal: [nomad-client2]: FAILED! => {"changed": false, "msg": "Unable to start service nomad: Job for nomad.service failed"}

PLAY RECAP *********************************************************************
nomad-client2              : ok=10   changed=0    unreachable=0    failed=1    skipped=0    rescued=0    ignored=0
OUT
exit 2
`)
	p := &Playbook{Dir: t.TempDir(), Runner: &execx.Runner{}}
	_, err := p.Run(context.Background())
	var re *RunError
	if !errors.As(err, &re) {
		t.Fatalf("got %v", err)
	}
	msg := err.Error()
	for _, want := range []string{"nomad-client2", `"nomad : Start nomad"`, "Unable to start service nomad"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error lacks %q: %s", want, msg)
		}
	}
	var ee *execx.Error
	if !errors.As(err, &ee) || ee.ExitCode != 2 {
		t.Errorf("the exec error is not reachable: %v", err)
	}
}
