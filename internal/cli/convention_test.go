package cli

import (
	"bytes"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"

	"github.com/nomadbox/nomadbox/provider"
)

// commandPaths is every command and subcommand of the tree, hidden ones
// included, with the command itself.
func commandPaths() map[string]*cli.Command {
	out := map[string]*cli.Command{}
	walk(newApp(io.Discard, io.Discard).Commands, func(path string, c *cli.Command) { out[path] = c })
	return out
}

// sampleArgs are positional arguments each command that takes some
// accepts; a command that takes none must refuse a stray one.
var sampleArgs = map[string][]string{
	"ssh":            {"nomad-client1"}, // what follows is the remote command
	"logs":           {"nomad-server1"},
	"export logs":    {"out"},
	"chaos":          {"stop-agent", "nomad-client1", "nomad"},
	"halt":           {"nomad-client1"},
	"run":            {"jobs/web.nomad.hcl"},
	"plan":           {"jobs/web.nomad.hcl"},
	"stop":           {"web"},
	"job run":        {"jobs/web.nomad.hcl"},
	"job plan":       {"jobs/web.nomad.hcl"},
	"job stop":       {"web"},
	"load":           {"nginx:alpine"},
	"help":           {"export", "logs"},
	"provider serve": {"docker"},
}

// topologyFlags says which commands take -f (they read the topology;
// init writes it) and -o (they use a render directory). A new command
// must be added here: someone has to decide.
var topologyFlags = map[string]string{
	"init": "f", "validate": "f",
	"render": "fo", "up": "fo", "provision": "fo", "verify": "fo", "status": "fo", "env": "fo",
	"ssh": "fo", "logs": "fo", "export logs": "fo", "chaos": "fo", "halt": "fo", "destroy": "fo",
	"run": "fo", "plan": "fo", "stop": "fo", "jobs": "fo", "load": "fo",
	"job run": "fo", "job plan": "fo", "job stop": "fo", "job status": "fo",
	"box build": "", "providers": "", "provider serve": "", "version": "", "help": "",
	"export": "", "box": "", "provider": "", "job": "",
}

// usageLines checks that a usage error is exactly the two lines the
// convention promises, with the hint naming the command.
func usageLines(t *testing.T, args []string, path string) {
	t.Helper()
	code, out, errOut := runCLI(t, t.TempDir(), args...)
	lines := strings.Split(strings.TrimSuffix(errOut, "\n"), "\n")
	hint := "Run '" + strings.TrimSpace("nomadbox "+path) + " --help' for usage."
	if code != ExitUsage || out != "" || len(lines) != 2 || !strings.HasPrefix(lines[0], "Error: ") || lines[1] != hint {
		t.Errorf("nomadbox %s: exit %d, stdout %q, stderr:\n%s\nwant exit 2, nothing on stdout, one Error: line and %q",
			strings.Join(args, " "), code, out, errOut, hint)
	}
}

// TestCommandLineConvention walks the whole command tree and holds every
// command to the convention of the package comment.
func TestCommandLineConvention(t *testing.T) {
	for path, c := range commandPaths() {
		words := strings.Fields(path)
		t.Run(path, func(t *testing.T) {
			// Help, both ways, on stdout with exit 0.
			for _, args := range [][]string{append([]string{"help"}, words...), append(slices.Clone(words), "--help")} {
				code, out, errOut := runCLI(t, t.TempDir(), args...)
				want := "nomadbox " + path
				if path == "help" && args[1] == "--help" {
					want = "COMMANDS:" // urfave/cli's `help --help` is the app's help
				}
				if code != 0 || !strings.Contains(out, want) || errOut != "" {
					t.Errorf("nomadbox %s: exit %d, stderr %q, stdout lacks %q", strings.Join(args, " "), code, errOut, want)
				}
			}
			// An unknown flag, before and after the arguments.
			usageLines(t, append(slices.Clone(words), "--bogus-flag"), path)
			if len(c.Subcommands) > 0 {
				usageLines(t, words, path) // a group needs a subcommand
				usageLines(t, append(slices.Clone(words), "bogus"), path)
				return
			}
			sample, takesArgs := sampleArgs[path]
			withArgs := append(slices.Clone(words), sample...)
			if !takesArgs {
				usageLines(t, append(slices.Clone(words), "stray"), path)
			} else {
				if err := CheckCommandLine(withArgs); err != nil {
					t.Errorf("nomadbox %s: %v", strings.Join(withArgs, " "), err)
				}
				usageLines(t, append(slices.Clone(withArgs), "--bogus-flag"), path)
				if CheckCommandLine(words) != nil {
					usageLines(t, words, path) // a missing argument
				}
			}
			checkFlagsAfterArgs(t, c, withArgs)
			checkBadValues(t, c, withArgs, path)
			checkTopologyFlags(t, c, path)
		})
	}
}

// checkFlagsAfterArgs: each of the command's switches and its -f and -o,
// written after its positional arguments, are read as flags.
func checkFlagsAfterArgs(t *testing.T, c *cli.Command, args []string) {
	t.Helper()
	for _, f := range c.Flags {
		var flag []string
		switch name := f.Names()[0]; {
		case name == "file" || name == "output":
			flag = []string{"-" + name[:1], "x"}
		case name == "json" && c.Name == "up":
			flag = []string{"--dry-run", "--json"}
		default:
			if _, ok := f.(*cli.BoolFlag); !ok {
				continue
			}
			flag = []string{"--" + name}
		}
		line := append(slices.Clone(args), flag...)
		if err := CheckCommandLine(line); err != nil {
			t.Errorf("nomadbox %s: %v", strings.Join(line, " "), err)
		}
	}
}

// checkBadValues: a value that does not parse is a usage error.
func checkBadValues(t *testing.T, c *cli.Command, args []string, path string) {
	t.Helper()
	for _, f := range c.Flags {
		switch f.(type) {
		case *cli.DurationFlag, *cli.IntFlag, *cli.Uint64Flag:
			usageLines(t, append(slices.Clone(args), "--"+f.Names()[0], "abc"), path)
		case *cli.BoolFlag:
			usageLines(t, append(slices.Clone(args), "--"+f.Names()[0]+"=abc"), path)
		}
	}
}

// checkTopologyFlags: -f and -o exactly where topologyFlags says, and
// the usage line shows them.
func checkTopologyFlags(t *testing.T, c *cli.Command, path string) {
	t.Helper()
	want, ok := topologyFlags[path]
	if !ok {
		t.Fatalf("%s is not in topologyFlags: decide whether it takes -f and -o", path)
	}
	for _, f := range []struct{ short, name, usage string }{{"f", "file", "-f FILE"}, {"o", "output", "-o DIR"}} {
		has := slices.ContainsFunc(c.Flags, func(fl cli.Flag) bool { return slices.Contains(fl.Names(), f.name) })
		if has != strings.Contains(want, f.short) {
			t.Errorf("%s: has -%s %v, want %v", path, f.short, has, !has)
		}
		if strings.Contains(c.UsageText, f.usage) != has {
			t.Errorf("%s: usage %q and -%s disagree", path, c.UsageText, f.short)
		}
	}
}

func TestHelpAndVersion(t *testing.T) {
	for _, args := range [][]string{{}, {"help"}, {"--help"}, {"-h"}, {"--version"}, {"version"}, {"help", "export", "logs"}} {
		code, out, errOut := runCLI(t, t.TempDir(), args...)
		if code != 0 || out == "" || errOut != "" {
			t.Errorf("nomadbox %v: exit %d, stdout %d bytes, stderr %q; want 0, output on stdout", args, code, len(out), errOut)
		}
	}
	_, out, _ := runCLI(t, t.TempDir(), "--version")
	if !strings.HasPrefix(out, "nomadbox ") {
		t.Errorf("--version printed %q", out)
	}
	usageLines(t, []string{"help", "nope"}, "help")
	usageLines(t, []string{"help", "export", "nope"}, "help")
	usageLines(t, []string{"nope"}, "")
	usageLines(t, []string{"--nope"}, "")
}

func TestFlagsMoveBeforeArguments(t *testing.T) {
	app := newApp(&bytes.Buffer{}, &bytes.Buffer{})
	for _, c := range []struct{ in, want string }{
		{"nomadbox logs nomad-server1 --unit nomad --since 5m", "nomadbox logs --unit nomad --since 5m -- nomad-server1"},
		{"nomadbox logs -f x.hcl n1 -u consul --follow", "nomadbox logs -f x.hcl -u consul --follow -- n1"},
		{"nomadbox logs n1 --since=5m", "nomadbox logs --since=5m -- n1"},
		{"nomadbox export logs out --json", "nomadbox export logs --json -- out"},
		{"nomadbox run jobs/web.nomad.hcl --detach --var count=2", "nomadbox run --detach --var count=2 -- jobs/web.nomad.hcl"},
		{"nomadbox stop web --purge", "nomadbox stop --purge -- web"},
		{"nomadbox job run jobs/web.nomad.hcl --detach --var count=2", "nomadbox job run --detach --var count=2 -- jobs/web.nomad.hcl"},
		{"nomadbox job stop web --purge", "nomadbox job stop --purge -- web"},
		// Grouped short flags: -f of -vf takes the next word.
		{"nomadbox halt n1 -vf x.hcl n2", "nomadbox halt -vf x.hcl -- n1 n2"},
		// ssh: the remote command starts at the first word after NODE
		// and nothing in it moves, dashes or not; flags before it do.
		{"nomadbox ssh n1 ls -la", "nomadbox ssh -- n1 ls -la"},
		{"nomadbox ssh n1 -f x.hcl ls -la -- x", "nomadbox ssh -f x.hcl -- n1 ls -la -- x"},
		{"nomadbox ssh n1 -- -f x", "nomadbox ssh -- n1 -f x"},
		// Nothing after -- moves.
		{"nomadbox logs n1 -- --unit", "nomadbox logs -- n1 --unit"},
		{"nomadbox stop -- -odd-name --purge", "nomadbox stop -- -odd-name --purge"},
		// Groups and unknown commands are left to the parser.
		{"nomadbox export --json logs", "nomadbox export --json logs"},
		{"nomadbox nope a --b", "nomadbox nope a --b"},
	} {
		if got := strings.Join(flagsFirst(app, strings.Fields(c.in)), " "); got != c.want {
			t.Errorf("%s\n got  %s\n want %s", c.in, got, c.want)
		}
	}
}

func TestCheckCommandLine(t *testing.T) {
	for _, ok := range []string{
		"init --servers 3", "up --dry-run --json", "run jobs/web.nomad.hcl --detach", "ssh nomad-client1 -- dig +short x",
		"logs nomad-server3 --unit nomad --since 5m", "chaos kill-leader nomad --for 15s", "help export logs", "--version",
		"export logs --since 2h /tmp", "box build --rebuild",
		"job run jobs/web.nomad.hcl --detach", "job plan --var count=7 jobs/web.nomad.hcl", "job stop web --purge", "job status --json",
	} {
		if err := CheckCommandLine(strings.Fields(ok)); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
	for _, bad := range []string{
		"nope", "up --nope", "up -f", "up --wait 10", "run", "run a b", "stop", "validate x", "export", "export nope",
		"export logs a b", "chaos", "chaos melt", "chaos kill-leader", "logs", "help nope", "run x --var novalue",
		"up --json", "logs n1 --since yesterday", "env --token root", "verify --canary=maybe",
		"job", "job nope", "job run", "job plan a b", "job stop", "job status x", "job run x --var novalue",
	} {
		if err := CheckCommandLine(strings.Fields(bad)); err == nil {
			t.Errorf("%s: accepted", bad)
		}
	}
}

// A node name the topology lacks is refused with the list of its nodes,
// exit 2, before anything is opened or written.
func TestUnknownNodesAreRefused(t *testing.T) {
	dir := fakeCluster(t, "nomad-server1")
	for _, args := range [][]string{
		{"halt", "nomad-server9"},
		{"halt", "nomad-client1", "nomad-server9"},
		{"ssh", "nomad-server9", "uptime"},
		{"logs", "nomad-server9"},
		{"chaos", "partition", "nomad-server9"},
		{"chaos", "stop-agent", "nomad-server9", "nomad"},
	} {
		code, _, errOut := runCLI(t, dir, args...)
		want := `Error: no node "nomad-server9" in cluster "c"; its nodes are nomad-server1, nomad-client1, nomad-client2` + "\n" +
			"Run 'nomadbox " + args[0] + " --help' for usage.\n"
		if code != ExitUsage || errOut != want {
			t.Errorf("%v: exit %d, stderr:\n%s\nwant exit 2 and:\n%s", args, code, errOut, want)
		}
	}
	if got := files(t, dir); !slices.Equal(got, []string{".", "topology.hcl"}) {
		t.Errorf("refused commands wrote %v", got)
	}
}

// Commands that talk to the cluster say once that it has no machines.
func TestCommandsNeedMachines(t *testing.T) {
	dir := fakeCluster(t)
	want := "Error: no machines for cluster \"c\": run `nomadbox up` first\n"
	for _, line := range []string{
		"verify", "jobs", "provision", "env", "halt", "halt nomad-client1", "ssh nomad-client1", "logs nomad-server1",
		"export logs", "chaos kill-leader nomad", "run jobs/web.nomad.hcl", "stop web", "load nginx",
		"job run jobs/web.nomad.hcl", "job plan jobs/web.nomad.hcl", "job stop web", "job status",
	} {
		code, out, errOut := runCLI(t, dir, strings.Fields(line)...)
		if code != ExitError || errOut != want || out != "" {
			t.Errorf("%s: exit %d, stdout %q, stderr:\n%s\nwant exit 1 and %q", line, code, out, errOut, want)
		}
	}
	// The old name of job plan says its new name first, on stderr.
	code, out, errOut := runCLI(t, dir, "plan", "jobs/web.nomad.hcl")
	if code != ExitError || errOut != renamedNotice+want || out != "" {
		t.Errorf("plan: exit %d, stdout %q, stderr:\n%s\nwant exit 1 and %q", code, out, errOut, renamedNotice+want)
	}
	// status reports the machines that do not exist.
	code, out, errOut = runCLI(t, dir, "status")
	if code != 0 || !strings.Contains(out, provider.StateNotCreated) {
		t.Errorf("status: exit %d\n%s%s", code, out, errOut)
	}
}

// With machines, the command goes on to its own checks.
func TestLogsChecksTheNodesUnits(t *testing.T) {
	dir := fakeCluster(t, "nomad-server1", "nomad-client1", "nomad-client2")
	code, _, errOut := runCLI(t, dir, "logs", "nomad-server1", "--unit", "docker")
	if code != ExitError || !strings.Contains(errOut, "no docker unit on nomad-server1") {
		t.Errorf("exit %d, stderr:\n%s", code, errOut)
	}
}

// `up --dry-run` prints the plan and writes nothing: no render directory,
// no log, no saved plan, for a new cluster and for an existing one.
func TestDryRunWritesNothing(t *testing.T) {
	for _, machines := range [][]string{nil, {"nomad-server1", "nomad-client1", "nomad-client2"}} {
		dir := fakeCluster(t, machines...)
		if machines != nil {
			// An existing cluster has its render directory.
			os.MkdirAll(filepath.Join(dir, ".nomadbox", "c"), 0o755)
		}
		before := files(t, dir)
		code, out, errOut := runCLI(t, dir, "up", "--dry-run")
		if code != 0 || !strings.Contains(strings.ToLower(out), "plan") {
			t.Errorf("machines %v: exit %d\n%s%s", machines, code, out, errOut)
		}
		if got := files(t, dir); !slices.Equal(got, before) {
			t.Errorf("machines %v: up --dry-run wrote %v", machines, got)
		}
	}
}

// A missing topology file is reported once.
func TestMissingFileIsReportedOnce(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{{"validate", "-f", "nope.hcl"}, {"render", "-f", "nope.hcl"}, {"verify", "-f", "nope.hcl"}} {
		code, _, errOut := runCLI(t, dir, args...)
		if code != ExitError || strings.Count(strings.ToLower(errOut), "cannot read topology file") != 1 || strings.Count(errOut, "nope.hcl") != 1 {
			t.Errorf("%v: exit %d, stderr:\n%s", args, code, errOut)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, ".nomadbox")); err == nil {
		t.Error("a missing topology made .nomadbox/")
	}
}

// What reaches ssh's action: the node and the remote command exactly as
// written, and nomadbox's own flags wherever they stood before it.
func TestSSHKeepsTheRemoteCommand(t *testing.T) {
	for _, c := range []struct{ in, args, file string }{
		{"ssh n1", "n1", "topology.hcl"},
		{"ssh n1 ls -la", "n1|ls|-la", "topology.hcl"},
		{"ssh n1 -- ls -la", "n1|ls|-la", "topology.hcl"},
		{"ssh n1 -f t.hcl echo -f x", "n1|echo|-f|x", "t.hcl"},
		{"ssh -f t.hcl n1 -- -- x", "n1|--|x", "t.hcl"},
		{"ssh n1 -- -f x", "n1|-f|x", "topology.hcl"},
	} {
		app := newApp(io.Discard, io.Discard)
		var args []string
		var file string
		app.Command("ssh").Action = func(ctx *cli.Context) error {
			args, file = ctx.Args().Slice(), ctx.String("file")
			return nil
		}
		if err := app.Run(flagsFirst(app, append([]string{"nomadbox"}, strings.Fields(c.in)...))); err != nil {
			t.Errorf("%s: %v", c.in, err)
		}
		if strings.Join(args, "|") != c.args || file != c.file {
			t.Errorf("%s: ssh got %q with -f %q, want %q with -f %q", c.in, args, file, strings.Split(c.args, "|"), c.file)
		}
	}
}

// TestEachCommandInItsOwnFile holds the package to one file per command:
// a command's definition (its cli.Command literal with its flags, the
// options it builds and its one library call) is made by a function
// named after it, in a file named after it: `chaos` by chaosCommand in
// chaos.go, `job run` by jobRunCommand in job_run.go. A subcommand may
// instead be written inline in its group's definition (`export logs` in
// export.go). So anyone finds a command in one guess.
func TestEachCommandInItsOwnFile(t *testing.T) {
	ctors, literals := commandSources(t)
	paths := commandPaths()
	byCtor := map[string]string{} // constructor name -> command path
	for path, c := range paths {
		words := strings.Fields(path)
		name, file := constructorName(words), strings.Join(words, "_")+".go"
		byCtor[name] = path
		switch got, ok := ctors[name]; {
		case ok && got != file:
			t.Errorf("%s is defined in %s (%s), want %s", path, got, name, file)
		case !ok && (len(words) < 2 || !inline(literals, constructorName(words[:len(words)-1]), c.Name)):
			t.Errorf("%s has no %s in %s, nor is it written inside its group's definition", path, name, file)
		}
	}
	for name, file := range ctors {
		if _, ok := byCtor[name]; !ok {
			t.Errorf("%s in %s makes no command of the tree: name it after the command it makes", name, file)
		}
	}
	for _, l := range literals {
		path, ok := byCtor[l.fn]
		switch {
		case !ok:
			t.Errorf("%s: command %q is defined in %s, which is no command's constructor; give it its own file", l.pos, l.name, l.fn)
		case paths[path].Name != l.name && paths[path+" "+l.name] == nil:
			t.Errorf("%s: command %q is defined inside %s's definition; give it its own file", l.pos, l.name, path)
		}
	}
}

// constructorName is the function that makes the command with these
// words: jobRunCommand for `job run`.
func constructorName(words []string) string {
	name := words[0]
	for _, w := range words[1:] {
		name += strings.ToUpper(w[:1]) + w[1:]
	}
	return strings.ReplaceAll(name, "-", "") + "Command"
}

// commandLiteral is a cli.Command literal in the package's source.
type commandLiteral struct {
	pos, fn, name string // where, in which function, its Name
}

// inline tells whether the constructor fn writes a command named name
// inside its own definition.
func inline(literals []commandLiteral, fn, name string) bool {
	return slices.ContainsFunc(literals, func(l commandLiteral) bool { return l.fn == fn && l.name == name })
}

// commandSources reads the package's non-test files: its command
// constructors (func xCommand() *cli.Command) with their files, and
// every cli.Command literal with the function it is in.
func commandSources(t *testing.T) (ctors map[string]string, literals []commandLiteral) {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	ctors = map[string]string{}
	fset := token.NewFileSet()
	for _, file := range files {
		if strings.HasSuffix(file, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, file, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok {
				continue
			}
			if fn.Recv == nil && fn.Type.Params.NumFields() == 0 && isCommandType(fn.Type.Results) {
				ctors[fn.Name.Name] = file
			}
			for _, l := range commandLiterals(fn.Body) {
				literals = append(literals, commandLiteral{fset.Position(l.Pos()).String(), fn.Name.Name, literalName(l)})
			}
		}
		// Literals outside any function (package variables).
		for _, d := range f.Decls {
			if g, ok := d.(*ast.GenDecl); ok {
				for _, l := range commandLiterals(g) {
					literals = append(literals, commandLiteral{fset.Position(l.Pos()).String(), "package scope", literalName(l)})
				}
			}
		}
	}
	return ctors, literals
}

// isCommandType: the results are one *cli.Command.
func isCommandType(results *ast.FieldList) bool {
	if results == nil || len(results.List) != 1 || len(results.List[0].Names) > 1 {
		return false
	}
	star, ok := results.List[0].Type.(*ast.StarExpr)
	return ok && isCliCommand(star.X)
}

func isCliCommand(e ast.Expr) bool {
	sel, ok := e.(*ast.SelectorExpr)
	if !ok {
		return false
	}
	pkg, ok := sel.X.(*ast.Ident)
	return ok && pkg.Name == "cli" && sel.Sel.Name == "Command"
}

// commandLiterals finds the cli.Command literals under n: written with
// their type, or with it left out as elements of a []*cli.Command.
func commandLiterals(n ast.Node) []*ast.CompositeLit {
	var out []*ast.CompositeLit
	if n == nil {
		return nil
	}
	ast.Inspect(n, func(n ast.Node) bool {
		lit, ok := n.(*ast.CompositeLit)
		if !ok {
			return true
		}
		if isCliCommand(lit.Type) {
			out = append(out, lit)
		}
		if arr, ok := lit.Type.(*ast.ArrayType); ok {
			elem := arr.Elt
			if star, ok := elem.(*ast.StarExpr); ok {
				elem = star.X
			}
			for _, e := range lit.Elts {
				if inner, ok := e.(*ast.CompositeLit); ok && inner.Type == nil && isCliCommand(elem) {
					out = append(out, inner)
				}
			}
		}
		return true
	})
	return out
}

// literalName is the Name a cli.Command literal gives.
func literalName(lit *ast.CompositeLit) string {
	for _, e := range lit.Elts {
		if kv, ok := e.(*ast.KeyValueExpr); ok {
			if key, ok := kv.Key.(*ast.Ident); ok && key.Name == "Name" {
				if s, ok := kv.Value.(*ast.BasicLit); ok {
					return strings.Trim(s.Value, "`\"")
				}
				return "(computed)"
			}
		}
	}
	return "(unnamed)"
}
