package cluster

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/hashicorp/nomad/api"

	"github.com/nomadbox/nomadbox/internal/agentconfig"
	"github.com/nomadbox/nomadbox/internal/execx"
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
	a, err := readAccess(s.Topology, s.Dir)
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

// Env returns the environment variables that point the consul and nomad
// command line tools at this cluster, as `export` lines for eval. Secrets
// are referred to by path, never printed: Consul reads its token file
// itself; Nomad has no such variable, so its token is read by the shell
// that evaluates the lines. token chooses Nomad's token: "management"
// (the default), "read" or "submit"; with the latter two Consul gets the
// read-only DNS token, so that nothing in the environment can change the
// cluster beyond what the chosen token allows.
func Env(s *Session, token string) ([]string, error) {
	file, err := tokenFile(token)
	if err != nil {
		return nil, err
	}
	first := s.Topology.Servers()[0]
	a, _ := readAccess(s.Topology, s.Dir) // the lines name the files whether or not they exist
	quote := func(path string) string { return execx.Quote([]string{path}) }
	lines := []string{
		"export NOMAD_ADDR=" + agentconfig.NomadURL(s.Topology, first),
		"export CONSUL_HTTP_ADDR=" + agentconfig.ConsulURL(s.Topology, first),
	}
	if a.CAFile != "" {
		lines = append(lines, "export NOMAD_CACERT="+quote(a.CAFile), "export CONSUL_CACERT="+quote(a.CAFile))
	}
	if !s.Topology.Security.ACL {
		return lines, nil
	}
	consulToken := secrets.ConsulManagementToken
	if file != secrets.NomadManagementToken {
		consulToken = secrets.ConsulDNSToken
	}
	path := secrets.Path(s.Dir, file)
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("the cluster has no %s token yet (%s): run `nomadbox up` or `nomadbox provision` first", token, path)
	}
	return append(lines,
		"export CONSUL_HTTP_TOKEN_FILE="+quote(secrets.Path(s.Dir, consulToken)),
		fmt.Sprintf(`export NOMAD_TOKEN="$(cat %s)"`, quote(path))), nil
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
