package cluster

import (
	"github.com/nomadbox/nomadbox/internal/secrets"
)

// access is what talking to the cluster's APIs takes beyond an address:
// the CA that signed the agents' certificates (TLS on) and the management
// tokens (ACLs on). Fields stay empty for protections that are off.
type access struct {
	CAFile      string
	ConsulToken string
	NomadToken  string
}

// access reads the cluster's credentials from its secrets folder. A
// token the topology calls for but that cannot be read is an error: the
// APIs would only answer "permission denied".
func (s *Session) access() (access, error) {
	var a access
	if s.Topology.Security.TLS {
		a.CAFile = secrets.Path(s.Dir, secrets.CACert)
	}
	if s.Topology.Security.ACL {
		var err error
		if a.ConsulToken, err = secrets.ReadToken(s.Dir, secrets.ConsulManagementToken); err != nil {
			return a, err
		}
		if a.NomadToken, err = secrets.ReadToken(s.Dir, secrets.NomadManagementToken); err != nil {
			return a, err
		}
	}
	return a, nil
}
