package topology

import (
	"path/filepath"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// Job is a Nomad job file that `up` runs once the cluster verifies, in
// the order the job blocks are written.
type Job struct {
	block
	Name      string
	NameRange hcl.Range
	File      string // relative to the topology file's directory
}

func decodeJob(b *hcl.Block) (Job, hcl.Diagnostics) {
	j := Job{Name: b.Labels[0], NameRange: b.LabelRanges[0]}
	j.DeclRange = b.DefRange
	d := newAttrDecoder(b.Body, &j.block, "file")
	d.decode("file", &j.File)
	return j, d.diags
}

func (j *Job) validate() hcl.Diagnostics {
	if strings.TrimSpace(j.File) == "" && !j.hadTypeError("file") {
		return hcl.Diagnostics{errorAt(j.subject("file"), "Missing job file",
			"A job block needs file = \"<path>\", relative to the topology file, for example file = \"jobs/%s.nomad.hcl\".", j.Name)}
	}
	return nil
}

// Path resolves a path written in the topology against the directory of
// the topology file.
func (t *Topology) Path(p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(filepath.Dir(t.Filename), p)
}
