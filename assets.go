// Package nomadbox holds the files nomadbox renders from: the Vagrantfile
// template, the Ansible tree and the example jobs. They are embedded so
// the binary is self-contained; the generator reads them as an fs.FS.
package nomadbox

import (
	"embed"
	"io/fs"
)

//go:embed Vagrantfile.tmpl all:ansible jobs
var assets embed.FS

// Assets returns the embedded asset tree, rooted at the module root:
// Vagrantfile.tmpl, ansible/..., jobs/....
func Assets() fs.FS { return assets }
