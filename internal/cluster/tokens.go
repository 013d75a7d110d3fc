package cluster

import (
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/nomad/api"

	"github.com/nomadbox/nomadbox/internal/agentconfig"
	"github.com/nomadbox/nomadbox/internal/nomadtokens"
	"github.com/nomadbox/nomadbox/internal/secrets"
)

// defaultAPITimeout bounds one request to an agent's API.
const defaultAPITimeout = 30 * time.Second

// ensureNomadTokens creates the read-only and job-submit Nomad tokens
// that `nomadbox env --token` hands out, once Nomad's ACL system exists
// (the playbook bootstrapped it). It goes through the first server with
// the management token.
func (p provisioner) ensureNomadTokens() error {
	s := p.s
	if !s.Topology.Security.ACL {
		return nil
	}
	a, err := s.access()
	if err != nil {
		return err
	}
	cfg := api.DefaultConfig()
	cfg.Address = agentconfig.NomadURL(s.Topology, s.Topology.Servers()[0])
	cfg.SecretID = a.NomadToken
	cfg.HttpClient = a.httpClient(defaultAPITimeout)
	c, err := api.NewClient(cfg)
	if err != nil {
		return err
	}
	changed, err := nomadtokens.Ensure(c, s.Dir)
	if err != nil {
		return fmt.Errorf("creating the cluster's Nomad tokens: %w", err)
	}
	if len(changed) > 0 {
		s.Logf("nomad acl: %s", strings.Join(changed, ", "))
	}
	return nil
}

// tokenFile is the secrets file `nomadbox env --token kind` exports.
func tokenFile(kind string) (string, error) {
	switch kind {
	case "", "management":
		return secrets.NomadManagementToken, nil
	}
	if k, ok := nomadtokens.ByName(kind); ok {
		return k.File, nil
	}
	names := []string{"management"}
	for _, k := range nomadtokens.Kinds {
		names = append(names, k.Name)
	}
	return "", fmt.Errorf("unknown token %q: use one of %s", kind, strings.Join(names, ", "))
}

// CheckTokenKind refuses a kind of Nomad token that `env --token` does
// not know.
func CheckTokenKind(kind string) error {
	_, err := tokenFile(kind)
	return err
}
