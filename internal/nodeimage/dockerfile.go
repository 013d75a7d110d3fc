package nodeimage

import (
	"bytes"
	_ "embed"
	"os"
	"path/filepath"
	"text/template"
)

//go:embed Dockerfile.tmpl
var dockerfileTmpl string

// keygenUnit makes the SSH host keys at first boot.
//
//go:embed context/nomadbox-ssh-keygen.service
var keygenUnit []byte

const keygenUnitName = "nomadbox-ssh-keygen.service"

// imagePackages are installed in the image: the host basics, then what the
// roles would otherwise install on every `up` (common: unzip, jq,
// dnsutils; dnsmasq; firewall: nftables; docker: docker.io with iptables).
var imagePackages = append(append([]string(nil), rootfsPackages...),
	"dbus", "netbase", "procps", "iputils-ping", "less",
	"dnsmasq", "nftables", "docker.io", "iptables", "unzip", "jq", "dnsutils",
)

// optionalPackages are installed when the suite has them.
var optionalPackages = []string{"systemd-timesyncd"}

// disabledUnits stay off until the roles configure and enable them.
// They are disabled, not masked, so enabling them needs nothing else.
var disabledUnits = []string{
	"dnsmasq.service", "docker.service", "docker.socket", "containerd.service",
}

// maskedUnits have no use in a container and would only slow the boot,
// fail, or (the apt timers) take the dpkg lock while Ansible installs.
// logind (no seats, and no user session anything here needs: pam_systemd
// is optional in Debian's PAM stack), the hugepages and fuse mounts and
// the utmp records cost about 0.15 CPU-seconds of every node's boot,
// measured on a 2-core machine (sshd answered after 0.3 CPU-seconds
// instead of 0.48).
var maskedUnits = []string{
	"apt-daily.timer", "apt-daily-upgrade.timer",
	"getty.target", "console-getty.service", "getty@tty1.service",
	"systemd-remount-fs.service",
	"systemd-logind.service", "dev-hugepages.mount", "sys-fs-fuse-connections.mount",
	"systemd-update-utmp.service", "systemd-update-utmp-runlevel.service",
}

type dockerfileData struct {
	Base         string
	Recipe       int
	VersionLabel string
	Packages     []string
	Optional     []string
	Disabled     []string
	Masked       []string
	KeygenUnit   string
}

// renderDockerfile returns the node image's Dockerfile, FROM base.
func renderDockerfile(base string) ([]byte, error) {
	t, err := template.New("Dockerfile").Option("missingkey=error").Parse(dockerfileTmpl)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	err = t.Execute(&b, dockerfileData{
		Base:         base,
		Recipe:       DockerRecipe,
		VersionLabel: VersionLabel,
		Packages:     imagePackages,
		Optional:     optionalPackages,
		Disabled:     disabledUnits,
		Masked:       maskedUnits,
		KeygenUnit:   keygenUnitName,
	})
	return b.Bytes(), err
}

// writeContext fills dir with the build context: the Dockerfile, the
// public key and the first-boot unit.
func writeContext(dir, base string, publicKey []byte) error {
	df, err := renderDockerfile(base)
	if err != nil {
		return err
	}
	files := map[string][]byte{
		"Dockerfile":   df,
		"vagrant.pub":  publicKey,
		keygenUnitName: keygenUnit,
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			return err
		}
	}
	return nil
}
