// Package nomadtokens keeps the Nomad ACL tokens that nomadbox hands out
// besides the management token: a read-only token and a job-submit
// token, each with a policy of its own. Nomad generates a token's secret
// itself, so the secrets are written to the render directory's secrets
// folder when a token is created, and a token whose file is missing or
// that Nomad no longer accepts is created again.
package nomadtokens

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/hashicorp/nomad/api"

	"github.com/nomadbox/nomadbox/internal/secrets"
)

// Kind is one token nomadbox hands out.
type Kind struct {
	// Name is what `nomadbox env --token` takes.
	Name string
	// File is the token's file in the secrets folder.
	File string
	// Policy and Rules are its Nomad ACL policy (HCL).
	Policy, Rules, Description string
}

// Kinds are the tokens besides the management token. The rules follow
// Nomad's ACL policy reference (developer.hashicorp.com/nomad/docs/
// other-specifications/acl-policy): "read" on a namespace lists and reads
// jobs and allocations; submit-job registers, updates and stops jobs,
// dispatch-job starts parameterized ones, read-logs reads task logs.
// Neither may touch ACLs, agents' configuration or node drains.
var Kinds = []Kind{
	{
		Name: "read", File: secrets.NomadReadToken, Policy: "nomadbox-read",
		Description: "nomadbox: read-only access",
		Rules: `namespace "*" {
  policy = "read"
}
node {
  policy = "read"
}
agent {
  policy = "read"
}
operator {
  policy = "read"
}
`,
	},
	{
		Name: "submit", File: secrets.NomadSubmitToken, Policy: "nomadbox-submit",
		Description: "nomadbox: submit jobs",
		Rules: `namespace "*" {
  policy       = "read"
  capabilities = ["submit-job", "dispatch-job", "read-logs"]
}
node {
  policy = "read"
}
`,
	},
}

// ByName returns the kind called name.
func ByName(name string) (Kind, bool) {
	for _, k := range Kinds {
		if k.Name == name {
			return k, true
		}
	}
	return Kind{}, false
}

// Ensure makes every kind's policy and token exist, through c (which
// carries the management token), and returns what it created or
// changed. renderDir's secrets folder receives new tokens' secrets.
func Ensure(c *api.Client, renderDir string) ([]string, error) {
	var changed []string
	for _, k := range Kinds {
		did, err := ensurePolicy(c, k)
		if err != nil {
			return changed, fmt.Errorf("Nomad ACL policy %s: %w", k.Policy, err)
		}
		if did {
			changed = append(changed, "policy "+k.Policy)
		}
		did, err = ensureToken(c, renderDir, k)
		if err != nil {
			return changed, fmt.Errorf("Nomad %s token: %w", k.Name, err)
		}
		if did {
			changed = append(changed, "token "+k.Name)
		}
	}
	return changed, nil
}

func ensurePolicy(c *api.Client, k Kind) (bool, error) {
	cur, _, err := c.ACLPolicies().Info(k.Policy, nil)
	if err != nil && !notFound(err) {
		return false, err
	}
	if cur != nil && cur.Rules == k.Rules && cur.Description == k.Description {
		return false, nil
	}
	_, err = c.ACLPolicies().Upsert(&api.ACLPolicy{Name: k.Policy, Description: k.Description, Rules: k.Rules}, nil)
	return err == nil, err
}

// ensureToken keeps the token in k.File if Nomad accepts it with the
// right policy; otherwise it creates one and writes its secret.
func ensureToken(c *api.Client, renderDir string, k Kind) (bool, error) {
	if secret, err := secrets.ReadToken(renderDir, k.File); err == nil && secret != "" {
		self, _, err := c.ACLTokens().Self(&api.QueryOptions{AuthToken: secret})
		if err == nil && slices.Contains(self.Policies, k.Policy) {
			return false, nil
		}
		if err != nil && !notFound(err) {
			return false, err
		}
	}
	tok, _, err := c.ACLTokens().Create(&api.ACLToken{Name: k.Description, Type: "client", Policies: []string{k.Policy}}, nil)
	if err != nil {
		return false, err
	}
	return true, writeSecret(secrets.Path(renderDir, k.File), tok.SecretID)
}

// notFound is Nomad's answer for a policy or token that does not exist
// (404, or 403 "ACL token not found" for a secret it does not know).
func notFound(err error) bool {
	var ue api.UnexpectedResponseError
	return errors.As(err, &ue) && (ue.StatusCode() == 404 || ue.StatusCode() == 403)
}

// writeSecret writes a secret atomically, readable only by its owner.
func writeSecret(path, secret string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(secret+"\n"), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
