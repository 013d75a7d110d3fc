package kvmprobe

import (
	"fmt"
	"io"
)

// A CpioEntry is one file of an initrd: Mode holds the type bits
// (0o40000 directory, 0o100000 file, 0o120000 symlink, whose Data is
// the target).
type CpioEntry struct {
	Name string
	Mode uint32
	Data []byte
}

// WriteCpio writes entries as the "newc" cpio archive the kernel unpacks
// into its initramfs, then the trailer.
func WriteCpio(w io.Writer, entries []CpioEntry) error {
	for i, e := range append(entries, CpioEntry{Name: "TRAILER!!!"}) {
		nlink := 1
		if e.Mode&0o170000 == 0o40000 {
			nlink = 2
		}
		// ino, mode, uid, gid, nlink, mtime, filesize, devmajor,
		// devminor, rdevmajor, rdevminor, namesize, check.
		hdr := fmt.Sprintf("070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
			i+1, e.Mode, 0, 0, nlink, 0, len(e.Data), 0, 0, 0, 0, len(e.Name)+1, 0)
		if _, err := io.WriteString(w, hdr+e.Name+"\x00"+pad(len(hdr)+len(e.Name)+1)); err != nil {
			return err
		}
		if _, err := w.Write(e.Data); err != nil {
			return err
		}
		if _, err := io.WriteString(w, pad(len(e.Data))); err != nil {
			return err
		}
	}
	return nil
}

// pad is the NULs that bring n bytes to a multiple of 4.
func pad(n int) string {
	return "\x00\x00\x00"[:(4-n%4)%4]
}
