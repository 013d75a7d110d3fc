package bundle

import (
	"bytes"
	"regexp"
	"sort"
)

// Redacted replaces every secret in an archive.
const Redacted = "[redacted]"

// Redactor removes secrets from text twice over: every value nomadbox
// knows to be secret (the files in secrets/: ACL tokens, gossip keys) is
// replaced wherever it appears, and so is anything shaped like a secret
// whatever its value (a private key block, a token or encrypt setting in
// an agent configuration, a SecretID in an API answer), so a secret
// nomadbox did not make (an operator's own token in a config file)
// does not leak either.
type Redactor struct {
	values [][]byte
}

// NewRedactor redacts values (longest first, so a secret that contains
// another is replaced whole); values shorter than 8 bytes are ignored,
// they would match ordinary text.
func NewRedactor(values []string) *Redactor {
	r := &Redactor{}
	for _, v := range values {
		if len(v) >= 8 {
			r.values = append(r.values, []byte(v))
		}
	}
	sort.Slice(r.values, func(i, j int) bool { return len(r.values[i]) > len(r.values[j]) })
	return r
}

var (
	privateKeyBlock = regexp.MustCompile(`(?s)-----BEGIN [A-Z ]*PRIVATE KEY-----.*?-----END [A-Z ]*PRIVATE KEY-----`)
	// HCL and JSON settings whose value is a secret: token = "…",
	// "encrypt": "…", SecretID: …, CONSUL_HTTP_TOKEN=… .
	secretSetting = regexp.MustCompile(`(?i)((?:"?\b(?:[a-z_]*token|encrypt|secret_?id|gossip_key|key_file_content)"?\s*[:=]\s*"?))([A-Za-z0-9+/=_.-]{8,})`)
)

// Redact returns b without secrets.
func (r *Redactor) Redact(b []byte) []byte {
	for _, v := range r.values {
		b = bytes.ReplaceAll(b, v, []byte(Redacted))
	}
	b = privateKeyBlock.ReplaceAll(b, []byte(Redacted))
	return secretSetting.ReplaceAll(b, []byte("${1}"+Redacted))
}
