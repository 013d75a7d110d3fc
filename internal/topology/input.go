package topology

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"

	"github.com/hashicorp/hcl/v2"
)

// MaxInputSize bounds every file nomadbox reads because the topology
// names it (the topology itself, job files): 1 MiB is many times the
// largest real topology or job, and a bound keeps `-f /dev/zero` or a
// log file given by mistake from eating memory.
const MaxInputSize = 1 << 20

// inputError says why an input file was refused. Summary and Detail are
// written for a diagnostic; neither ever holds bytes of the file.
type inputError struct {
	Summary string
	Detail  string
	// Missing is true when there is no file at all, so callers can add
	// their own advice (`nomadbox init`).
	Missing bool
}

func (e *inputError) Error() string { return e.Detail }

// readInput reads a file the user pointed nomadbox at. It must be a
// regular file (a symlink to one is fine) of at most MaxInputSize bytes;
// anything else is refused before a byte is read: a FIFO would block the
// read forever, a device such as /dev/zero would never end.
func readInput(path, what string) ([]byte, error) {
	if path == "" {
		return nil, &inputError{Summary: "No " + what + " given", Detail: "The path of the " + what + " is empty."}
	}
	st, err := os.Stat(path) // follows symlinks: the target is what is read
	if err != nil {
		return nil, statError(path, what, err)
	}
	if err := checkRegular(path, what, st); err != nil {
		return nil, err
	}
	// O_NONBLOCK: should the path have been swapped for a FIFO since the
	// Stat, opening it must not wait for a writer; Fstat then refuses it.
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, statError(path, what, err)
	}
	defer f.Close()
	if st, err = f.Stat(); err != nil {
		return nil, statError(path, what, err)
	}
	if err := checkRegular(path, what, st); err != nil {
		return nil, err
	}
	return readBounded(f, path, what)
}

// readBounded reads r to its end, or refuses it once it passes
// MaxInputSize: a file that grew since the Stat, or a /proc file (whose
// size says 0), is still caught.
func readBounded(r io.Reader, path, what string) ([]byte, error) {
	src, err := io.ReadAll(io.LimitReader(r, MaxInputSize+1))
	if err != nil {
		return nil, &inputError{Summary: "Cannot read " + what, Detail: fmt.Sprintf("Reading %s failed: %v.", path, err)}
	}
	if len(src) > MaxInputSize {
		return nil, tooLarge(path, what)
	}
	return src, nil
}

// checkRegular refuses anything but a regular file of at most
// MaxInputSize bytes.
func checkRegular(path, what string, st fs.FileInfo) error {
	if !st.Mode().IsRegular() {
		return &inputError{Summary: "Not a regular file",
			Detail: fmt.Sprintf("%s is %s; the %s must be a regular file (a symlink to one is fine).", path, fileKind(st.Mode()), what)}
	}
	if st.Size() > MaxInputSize {
		return tooLarge(path, what)
	}
	return nil
}

func tooLarge(path, what string) error {
	return &inputError{Summary: "File too large",
		Detail: fmt.Sprintf("%s is larger than %d bytes (1 MiB), the limit for a %s. Check that the path names the right file.", path, MaxInputSize, what)}
}

func statError(path, what string, err error) error {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return &inputError{Summary: "File not found", Detail: fmt.Sprintf("There is no %s at %s.", what, path), Missing: true}
	case errors.Is(err, fs.ErrPermission):
		return &inputError{Summary: "Cannot read " + what, Detail: fmt.Sprintf("%s is not readable by this user.", path)}
	}
	return &inputError{Summary: "Cannot read " + what, Detail: fmt.Sprintf("%v.", err)}
}

// fileKind names what a non-regular file is, for messages.
func fileKind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe (FIFO)"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a block device"
	}
	return "not a regular file"
}

// inputAt turns a refusal of readInput or statInput into a diagnostic at
// subject, the attribute that names the file.
func inputAt(subject *hcl.Range, err error) hcl.Diagnostics {
	var in *inputError
	if errors.As(err, &in) {
		return hcl.Diagnostics{errorAt(subject, in.Summary, "%s", in.Detail)}
	}
	return hcl.Diagnostics{errorAt(subject, "Cannot read file", "%v.", err)}
}

// statInput applies readInput's rules to a file nomadbox hands on
// without reading it (an SSH key): a regular file of bounded size.
func statInput(path, what string) error {
	st, err := os.Stat(path)
	if err != nil {
		return statError(path, what, err)
	}
	return checkRegular(path, what, st)
}
