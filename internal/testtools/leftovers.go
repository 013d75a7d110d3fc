package testtools

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"time"
)

// Leftovers lists the processes, other than this one, whose environment
// holds env=marker (a test sets it on what it starts, and children
// inherit it), allowing a moment for killed ones to be reaped. Each is
// "PID command line".
func Leftovers(env, marker string) []string {
	want := []byte(env + "=" + marker + "\x00")
	var left []string
	for deadline := time.Now().Add(3 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		left = left[:0]
		entries, _ := os.ReadDir("/proc")
		for _, e := range entries {
			pid := e.Name()
			if pid == fmt.Sprint(os.Getpid()) || pid[0] < '0' || pid[0] > '9' {
				continue
			}
			environ, err := os.ReadFile("/proc/" + pid + "/environ")
			if err != nil || !bytes.Contains(environ, want) {
				continue
			}
			cmdline, _ := os.ReadFile("/proc/" + pid + "/cmdline")
			left = append(left, pid+" "+strings.ReplaceAll(string(cmdline), "\x00", " "))
		}
		if len(left) == 0 {
			return nil
		}
	}
	return left
}
