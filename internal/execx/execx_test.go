package execx

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
)

func TestQuote(t *testing.T) {
	got := Quote([]string{"vagrant", "up", "--provider=docker", "it's", "a b", ""})
	want := `vagrant up --provider=docker 'it'\''s' 'a b' ''`
	if got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func TestStreamsLinesSplitOnCarriageReturn(t *testing.T) {
	var log bytes.Buffer
	var lines []string
	r := &Runner{Log: &log, OnLine: func(_ *Cmd, l string) { lines = append(lines, l) }}
	err := r.Run(context.Background(), Command("sh", "-c", `printf '10%%\r50%%\r100%%\ndone\n'; echo oops >&2`))
	if err != nil {
		t.Fatal(err)
	}
	// stderr may interleave anywhere; stdout lines keep their order.
	var stdout []string
	sawErr := false
	for _, l := range lines {
		if l == "oops" {
			sawErr = true
			continue
		}
		stdout = append(stdout, l)
	}
	if strings.Join(stdout, "|") != "10%|50%|100%|done" || !sawErr {
		t.Errorf("lines %q", lines)
	}
	if !strings.HasPrefix(log.String(), "$ sh -c ") {
		t.Errorf("the command line was not logged first:\n%s", log.String())
	}
}

func TestErrorCarriesCommandExitCodeAndTail(t *testing.T) {
	r := &Runner{TailLines: 2, Secrets: []string{"s3cret"}}
	err := r.Run(context.Background(), Command("sh", "-c", `echo one; echo two s3cret; echo three; exit 3`))
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("got %T %v", err, err)
	}
	if e.ExitCode != 3 || len(e.Tail) != 2 || e.Tail[1] != "three" || e.Tail[0] != "two ***" {
		t.Errorf("got %+v", e)
	}
	if strings.Contains(e.Error(), "s3cret") {
		t.Error("secret leaked into the error")
	}
	if !strings.Contains(e.Error(), "sh -c") || !strings.Contains(e.Error(), "status 3") {
		t.Errorf("error lacks the command or status: %s", e)
	}
}

func TestMissingProgramNamesPackage(t *testing.T) {
	old := packages["nomadbox-no-such-tool"]
	packages["nomadbox-no-such-tool"] = "some-package"
	defer func() { packages["nomadbox-no-such-tool"] = old }()
	err := (&Runner{}).Run(context.Background(), Command("nomadbox-no-such-tool"))
	var nf *NotFoundError
	if !errors.As(err, &nf) || !strings.Contains(err.Error(), "apt-get install some-package") {
		t.Fatalf("got %v", err)
	}
}

func TestOutputCapturesStdoutOnly(t *testing.T) {
	out, err := (&Runner{}).Output(context.Background(), Command("sh", "-c", "echo out; echo err >&2"))
	if err != nil || string(out) != "out\n" {
		t.Fatalf("got %q, %v", out, err)
	}
}

func TestRawStdoutIsNeitherLoggedNorSplit(t *testing.T) {
	var log, raw strings.Builder
	var lines []string
	r := &Runner{Log: &log, OnLine: func(_ *Cmd, l string) { lines = append(lines, l) }}
	c := Command("sh", "-c", `printf 'a\rb\000c'; echo err >&2`)
	c.Stdout = &raw
	if err := r.Run(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	if raw.String() != "a\rb\x00c" {
		t.Errorf("raw stdout %q", raw.String())
	}
	if strings.Contains(log.String(), "\x00") || len(lines) != 1 || lines[0] != "err" {
		t.Errorf("stdout reached the log or OnLine: log %q, lines %q", log.String(), lines)
	}
}
