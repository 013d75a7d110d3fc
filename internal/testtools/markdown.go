package testtools

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// DocFiles are the user-facing documents whose examples tests check:
// README.md and every .md file under docs/ (which may not exist), as
// paths relative to root.
func DocFiles(t testing.TB, root string) []string {
	t.Helper()
	docs := []string{"README.md"}
	err := filepath.WalkDir(filepath.Join(root, "docs"), func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".md") {
			rel, _ := filepath.Rel(root, path)
			docs = append(docs, rel)
		}
		return err
	})
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return docs
}

// A CodeBlock is one fenced code block of a Markdown file.
type CodeBlock struct {
	Lang   string   // the info string's first word: "hcl", "sh", ""
	Line   int      // the opening fence's line, 1-based
	Before string   // the nearest non-blank line above the fence (a marker comment)
	Lines  []string // the content, less the fence's indentation (list items indent blocks)
	Closed bool     // false when the file ends inside the block
}

var fenceLine = regexp.MustCompile("^(\\s*)(```+|~~~+)\\s*([A-Za-z0-9_-]*)")

// CodeBlocks returns the fenced code blocks of Markdown source src, in
// order. A block ends at a fence of the same kind, at least as long,
// with no info string.
func CodeBlocks(src string) []CodeBlock {
	lines := strings.Split(src, "\n")
	var out []CodeBlock
	before := ""
	for i := 0; i < len(lines); i++ {
		m := fenceLine.FindStringSubmatch(lines[i])
		if m == nil {
			if s := strings.TrimSpace(lines[i]); s != "" {
				before = s
			}
			continue
		}
		b := CodeBlock{Lang: m[3], Line: i + 1, Before: before}
		indent, fence := m[1], m[2]
		for i++; i < len(lines); i++ {
			if c := fenceLine.FindStringSubmatch(lines[i]); c != nil && c[3] == "" && strings.HasPrefix(c[2], fence) && strings.TrimSpace(lines[i]) == c[2] {
				b.Closed = true
				break
			}
			b.Lines = append(b.Lines, strings.TrimPrefix(lines[i], indent))
		}
		out = append(out, b)
		before = ""
	}
	return out
}
