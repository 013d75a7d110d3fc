package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/nomadbox/nomadbox/internal/testtools"
)

// docCommand is one nomadbox command line found in a shell example.
type docCommand struct {
	file string
	line int
	args []string // after "nomadbox"
}

func (d docCommand) String() string {
	return fmt.Sprintf("%s:%d: nomadbox %s", d.file, d.line, strings.Join(d.args, " "))
}

// TestDocsCommandLines checks every nomadbox command line in the shell
// examples of README.md and docs/**/*.md against the real command tree,
// so that an example cannot name a command, flag or argument count that
// nomadbox does not have.
func TestDocsCommandLines(t *testing.T) {
	root := moduleRoot(t)
	for _, doc := range docFiles(t, root) {
		src, err := os.ReadFile(filepath.Join(root, doc))
		if err != nil {
			t.Fatal(err)
		}
		cmds, problems := docCommands(doc, string(src))
		for _, p := range problems {
			t.Error(p)
		}
		if doc == "README.md" && len(cmds) == 0 {
			t.Error("README.md: no nomadbox command line found in its sh, bash or console blocks: is the extractor broken?")
		}
		for _, c := range cmds {
			if err := CheckCommandLine(c.args); err != nil {
				t.Errorf("%s\n\t%v", c, err)
			}
		}
	}
}

// docFiles is README.md and every .md file under docs/ (which may not
// exist), relative to root.
func docFiles(t *testing.T, root string) []string { return testtools.DocFiles(t, root) }

func TestDocFiles(t *testing.T) {
	root := t.TempDir()
	if got := docFiles(t, root); !slices.Equal(got, []string{"README.md"}) {
		t.Errorf("without docs/: %v", got)
	}
	os.MkdirAll(filepath.Join(root, "docs", "guide"), 0o755)
	for _, f := range []string{"docs/commands.md", "docs/guide/day2.md", "docs/logo.png"} {
		os.WriteFile(filepath.Join(root, f), nil, 0o644)
	}
	if got := docFiles(t, root); !slices.Equal(got, []string{"README.md", "docs/commands.md", "docs/guide/day2.md"}) {
		t.Errorf("with docs/: %v", got)
	}
}

// moduleRoot is the directory of go.mod above the test's directory.
func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test's directory")
		}
		dir = parent
	}
}

// shellLanguages are the fenced blocks whose lines are shell commands;
// in console blocks only the lines after a "$ " prompt are.
var shellLanguages = []string{"sh", "bash", "shell", "console"}

// docCommands extracts the nomadbox command lines of the shell blocks of
// one markdown file, and the lines it could not read.
func docCommands(file, src string) (cmds []docCommand, problems []string) {
	for _, b := range testtools.CodeBlocks(src) {
		if !slices.Contains(shellLanguages, b.Lang) {
			continue
		}
		c, p := blockCommands(file, b)
		cmds, problems = append(cmds, c...), append(problems, p...)
	}
	return cmds, problems
}

// blockCommands reads the command lines of one shell block: lines joined
// at a trailing backslash, here-documents skipped, and in a console block
// only what follows a "$ " prompt.
func blockCommands(file string, b testtools.CodeBlock) (cmds []docCommand, problems []string) {
	var heredoc, pending string
	start := 0
	for i, line := range b.Lines {
		n := b.Line + 1 + i
		if heredoc != "" {
			if strings.TrimSpace(line) == heredoc {
				heredoc = ""
			}
			continue
		}
		if b.Lang == "console" && pending == "" {
			trimmed := strings.TrimSpace(line)
			if !strings.HasPrefix(trimmed, "$ ") {
				continue // output
			}
			line = trimmed
		}
		if pending == "" {
			start = n
		}
		// A line ending in a backslash goes on on the next one.
		if body, more := strings.CutSuffix(line, "\\"); more {
			pending += body + " "
			continue
		}
		line, pending = pending+line, ""
		found, err := commandLines(line)
		if err != nil && strings.Contains(line, "nomadbox") {
			problems = append(problems, fmt.Sprintf("%s:%d: %v: %s", file, start, err, line))
		}
		for _, args := range found {
			cmds = append(cmds, docCommand{file: file, line: start, args: args})
		}
		if m := heredocStart.FindStringSubmatch(line); m != nil {
			heredoc = m[1]
		}
	}
	return cmds, problems
}

var (
	heredocStart = regexp.MustCompile(`<<-?\s*['"]?([A-Za-z_]+)['"]?`)
	substitution = regexp.MustCompile(`\$\(([^()]*)\)`)
	assignment   = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*=`)
)

// commandLines returns the arguments of every nomadbox command in one
// shell line: each part of a pipeline or list (|, &&, ||, ;) and each
// $(...) inside it whose first word, after a prompt, variable
// assignments and `time`, is nomadbox (or a path ending in /nomadbox).
func commandLines(line string) ([][]string, error) {
	line = strings.TrimPrefix(strings.TrimSpace(line), "$ ")
	var out [][]string
	for _, m := range substitution.FindAllStringSubmatch(line, -1) {
		inner, err := commandLines(m[1])
		if err != nil {
			return nil, err
		}
		out = append(out, inner...)
	}
	segments, err := shellWords(line)
	if err != nil {
		return nil, err
	}
	for _, words := range segments {
		for len(words) > 0 && (assignment.MatchString(words[0]) || words[0] == "time") {
			words = words[1:]
		}
		if len(words) > 0 && (words[0] == "nomadbox" || strings.HasSuffix(words[0], "/nomadbox")) {
			out = append(out, words[1:])
		}
	}
	return out, nil
}

// shellWords splits a shell line into the words of each command of its
// pipelines and lists, as sh would: quotes and backslashes, comments,
// and redirections (dropped with their target).
func shellWords(line string) ([][]string, error) {
	var segments [][]string
	var words []string
	var word strings.Builder
	inWord, redirect := false, false
	endWord := func() {
		if inWord && !redirect {
			words = append(words, word.String())
		}
		if inWord {
			redirect = false
		}
		word.Reset()
		inWord = false
	}
	endSegment := func() {
		endWord()
		if len(words) > 0 {
			segments = append(segments, words)
		}
		words = nil
	}
	rs := []rune(line)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch {
		case r == '\'' || r == '"':
			end := i + 1
			for end < len(rs) && rs[end] != r {
				if r == '"' && rs[end] == '\\' && end+1 < len(rs) {
					end++
				}
				end++
			}
			if end >= len(rs) {
				return nil, fmt.Errorf("unterminated %c quote", r)
			}
			quoted := string(rs[i+1 : end])
			if r == '"' {
				quoted = strings.NewReplacer(`\"`, `"`, `\\`, `\`).Replace(quoted)
			}
			word.WriteString(quoted)
			inWord, i = true, end
		case r == '\\' && i+1 < len(rs):
			i++
			word.WriteRune(rs[i])
			inWord = true
		case r == '#' && !inWord:
			endSegment()
			return segments, nil
		case r == ' ' || r == '\t':
			endWord()
		case strings.ContainsRune("|&;()", r):
			endSegment()
		case r == '>' || r == '<':
			if s := word.String(); inWord && strings.Trim(s, "0123456789") == "" {
				word.Reset() // the descriptor of 2>
				inWord = false
			}
			endWord()
			for i+1 < len(rs) && strings.ContainsRune("<>&", rs[i+1]) {
				i++
			}
			for i+1 < len(rs) && rs[i+1] >= '0' && rs[i+1] <= '9' {
				i++ // >&2
			}
			redirect = !(i > 0 && rs[i] >= '0' && rs[i] <= '9')
		default:
			word.WriteRune(r)
			inWord = true
		}
	}
	endSegment()
	return segments, nil
}

// The extractor itself: if it found nothing, TestDocsCommandLines would
// pass on any documentation.
func TestDocCommandsExtractor(t *testing.T) {
	src := "Text: nomadbox nope (not in a block)\n" +
		"```sh\n" +
		"nomadbox init && nomadbox up          # 1 server + 2 clients\n" +
		"eval \"$(nomadbox env --token read)\"\n" +
		"../bin/nomadbox logs n1 --unit nomad | grep 'a # b' > out.txt 2>&1\n" +
		"NOMADBOX_TOPOLOGY=x.hcl bin/nomadbox ssh n1 -- echo \"x; y\"\n" +
		"nomadbox chaos halt n1 \\\n" +
		"  --for 2m\n" +
		"cat > t.hcl <<'EOF'\n" +
		"nomadbox heredoc\n" +
		"EOF\n" +
		"go build -o bin/nomadbox ./cmd/nomadbox\n" +
		"```\n" +
		"```hcl\nnomadbox hcl\n```\n" +
		"```\nnomadbox plain\n```\n" +
		"```console\n$ nomadbox status\nnomadbox output line\n```\n" +
		"```bash\nnomadbox 'open\n```\n"
	cmds, problems := docCommands("x.md", src)
	var got []string
	for _, c := range cmds {
		got = append(got, fmt.Sprintf("%d %q", c.line, c.args))
	}
	want := []string{
		`3 ["init"]`, `3 ["up"]`,
		`4 ["env" "--token" "read"]`,
		`5 ["logs" "n1" "--unit" "nomad"]`,
		`6 ["ssh" "n1" "--" "echo" "x; y"]`,
		`7 ["chaos" "halt" "n1" "--for" "2m"]`,
		`21 ["status"]`,
	}
	if !slices.Equal(got, want) {
		t.Errorf("extracted:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if len(problems) != 1 || !strings.HasPrefix(problems[0], "x.md:25: unterminated ' quote") {
		t.Errorf("problems %q, want the unterminated quote of line 25", problems)
	}
}

// TestDocsQuoteConvention keeps docs/commands.md quoting the command-line
// convention of the package comment (doc.go), which the convention test
// enforces: every rule there must appear in the user's reference, word
// for word once line breaks are ignored.
func TestDocsQuoteConvention(t *testing.T) {
	root := moduleRoot(t)
	code, err := os.ReadFile(filepath.Join(root, "internal", "cli", "doc.go"))
	if err != nil {
		t.Fatal(err)
	}
	rules := conventionRules(string(code))
	if len(rules) < 5 {
		t.Fatalf("found %d rules under \"# The command-line convention\" in doc.go: the extraction is broken", len(rules))
	}
	doc, err := os.ReadFile(filepath.Join(root, "docs", "commands.md"))
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Join(strings.Fields(string(doc)), " ")
	for _, r := range rules {
		if !strings.Contains(text, "- "+r) {
			t.Errorf("docs/commands.md does not quote this rule of internal/cli/doc.go as a list item:\n\t%s", r)
		}
	}
}

// conventionRules returns the bullets of the package comment's
// convention section, each on one line with its spaces collapsed.
func conventionRules(src string) []string {
	var rules []string
	in := false
	for _, line := range strings.Split(src, "\n") {
		text, ok := strings.CutPrefix(line, "//")
		if !ok {
			break
		}
		text = strings.TrimPrefix(text, " ")
		switch {
		case text == "# The command-line convention":
			in = true
		case !in || strings.TrimSpace(text) == "":
		case strings.HasPrefix(text, "  - "):
			rules = append(rules, strings.TrimPrefix(text, "  - "))
		case strings.HasPrefix(text, "    ") && len(rules) > 0:
			rules[len(rules)-1] += " " + text
		case len(rules) > 0:
			in = false // the first paragraph after the list
		}
	}
	for i, r := range rules {
		rules[i] = strings.Join(strings.Fields(r), " ")
	}
	return rules
}
