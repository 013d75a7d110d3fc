package topology

import (
	"errors"
	"io/fs"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// Job is a Nomad job file that `up` runs once the cluster verifies, in
// the order the job blocks are written. The block's label is the job's
// ID: the job file's one job block must carry the same label, so that
// `nomadbox stop LABEL` and Nomad agree on which job this is.
type Job struct {
	block
	Name      string
	NameRange hcl.Range
	File      string // relative to the topology file's directory
}

// jobName is what a job label may be. Nomad only refuses spaces and NUL
// in a job ID, but the ID also goes into API paths and nomadbox uses it
// as a file name component, so '/', ".." and the like are kept out.
var jobName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$`)

// jobFileExts are the endings of a Nomad job file. The file a job block
// names must have one after symlinks are resolved: a topology must not
// make nomadbox read, and quote in a parse error, a file that is not a
// job (/etc/shadow, a private key).
var jobFileExts = []string{".nomad.hcl", ".hcl", ".nomad"}

// jobFileBlocks are the top-level blocks of a Nomad job file besides
// its one job block: input variables and locals (HCL2 job specification).
var jobFileBlocks = []string{"variable", "variables", "locals"}

func decodeJob(b *hcl.Block) (Job, hcl.Diagnostics) {
	j := Job{Name: b.Labels[0], NameRange: b.LabelRanges[0]}
	j.DeclRange = b.DefRange
	d := newAttrDecoder(b.Body, &j.block, "file")
	d.decode("file", &j.File)
	return j, d.diags
}

func (j *Job) validate() hcl.Diagnostics {
	var diags hcl.Diagnostics
	if !jobName.MatchString(j.Name) {
		diags = append(diags, errorAt(&j.NameRange, "Invalid job name",
			"%q cannot be a job ID: use letters, digits, '-', '_' and '.', starting with a letter or digit, at most 128 characters (the label is the job's ID in Nomad, for example \"web\").", j.Name))
	}
	if strings.TrimSpace(j.File) == "" && !j.hadTypeError("file") {
		diags = append(diags, errorAt(j.subject("file"), "Missing job file",
			"A job block needs file = \"<path>\", relative to the topology file, for example file = \"jobs/%s.nomad.hcl\".", j.Name))
	}
	return diags
}

// checkJobFile reads the job file of j and checks it holds one Nomad job
// whose ID is j's label. Syntax errors point into the job file; every
// other problem points at the job block.
func checkJobFile(t *Topology, j *Job) hcl.Diagnostics {
	if strings.TrimSpace(j.File) == "" {
		return nil // validate said so
	}
	path := t.Path(j.File)
	subject := j.subject("file")
	resolved, err := filepath.EvalSymlinks(path)
	if errors.Is(err, fs.ErrNotExist) {
		return hcl.Diagnostics{errorAt(subject, "File not found",
			"The job file %q does not exist (looked for %s).", j.File, path)}
	}
	if err != nil {
		return inputAt(subject, statError(path, "job file", err))
	}
	if !hasJobFileExt(resolved) {
		target := ""
		if resolved != filepath.Clean(path) {
			target = " resolves to " + resolved + ", which"
		}
		return hcl.Diagnostics{errorAt(subject, "Not a job file",
			"%s%s is not a Nomad job file: job files are named *.nomad.hcl, *.hcl or *.nomad. Point file at the job's specification.", path, target)}
	}
	src, err := readInput(resolved, "job file")
	if err != nil {
		return inputAt(subject, err)
	}
	file, diags := hclsyntax.ParseConfig(src, path, hcl.InitialPos)
	if diags.HasErrors() {
		return diags
	}
	return j.checkJobBody(file.Body.(*hclsyntax.Body), path)
}

func hasJobFileExt(path string) bool {
	for _, ext := range jobFileExts {
		if strings.HasSuffix(path, ext) && len(filepath.Base(path)) > len(ext) {
			return true
		}
	}
	return false
}

// checkJobBody checks the top level of a parsed job file: exactly one
// job block, labelled with the job's name, and nothing Nomad would refuse.
func (j *Job) checkJobBody(body *hclsyntax.Body, path string) hcl.Diagnostics {
	var diags hcl.Diagnostics
	subject := j.subject("file")
	for _, a := range body.Attributes {
		diags = append(diags, errorAt(subject, "Not a job file",
			"%s sets %q at %s outside any block; a Nomad job file holds one job block, with variable and locals blocks beside it.", path, a.Name, a.NameRange))
	}
	var jobs []*hclsyntax.Block
	for _, b := range body.Blocks {
		switch {
		case b.Type == "job":
			jobs = append(jobs, b)
		case !oneOf(b.Type, jobFileBlocks):
			diags = append(diags, errorAt(subject, "Not a job file",
				"%s has a %q block at %s; a Nomad job file holds one job block, with variable and locals blocks beside it.", path, b.Type, b.TypeRange))
		}
	}
	switch {
	case len(jobs) == 0:
		diags = append(diags, errorAt(subject, "No job in job file",
			"%s has no job block: write job %q { ... } in it.", path, j.Name))
	case len(jobs) > 1:
		diags = append(diags, errorAt(subject, "Several jobs in one job file",
			"%s has %d job blocks (the second at %s); Nomad runs one job per file: give each its own file and job block in the topology.", path, len(jobs), jobs[1].TypeRange))
	default:
		diags = append(diags, j.checkJobID(jobs[0], path)...)
	}
	return diags
}

// checkJobID compares the job's ID (its label, or an `id` attribute
// written as a plain string) with the topology's label for it.
func (j *Job) checkJobID(b *hclsyntax.Block, path string) hcl.Diagnostics {
	if len(b.Labels) != 1 {
		return hcl.Diagnostics{errorAt(j.subject("file"), "Invalid job block",
			"The job block at %s of %s needs exactly one label, the job's ID: job %q { ... }.", b.TypeRange, path, j.Name)}
	}
	id, where := b.Labels[0], b.LabelRanges[0]
	if a, ok := b.Body.Attributes["id"]; ok {
		if v, diags := a.Expr.Value(nil); !diags.HasErrors() && v.Type() == cty.String && v.IsKnown() && !v.IsNull() {
			id, where = v.AsString(), a.Expr.Range()
		}
	}
	if id == j.Name || !jobName.MatchString(j.Name) {
		return nil // an invalid label is validate's to report, once
	}
	return hcl.Diagnostics{errorAt(&j.NameRange, "Job ID does not match",
		"The job in %s has the ID %q (at %s), not %q. The label is the job's ID (`nomadbox stop %s` stops it): use the same name in both places.",
		path, id, where, j.Name, j.Name)}
}

// Path resolves a path written in the topology against the directory of
// the topology file.
func (t *Topology) Path(p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(filepath.Dir(t.Filename), p)
}
