package cluster

import (
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"os"
	"time"

	"github.com/nomadbox/nomadbox/internal/secrets"
	"github.com/nomadbox/nomadbox/internal/topology"
)

// access is what talking to the cluster's APIs takes beyond an address:
// the CA that signed the agents' certificates (TLS on) and the management
// tokens (ACLs on). Fields stay empty for protections that are off.
type access struct {
	CAFile      string
	ConsulToken string
	NomadToken  string
}

// readAccess reads the credentials of t's cluster from the secrets
// folder of its render directory dir. A token the topology calls for but
// that cannot be read is an error: the APIs would only answer
// "permission denied".
func readAccess(t *topology.Topology, dir string) (access, error) {
	var a access
	if t.Security.TLS {
		a.CAFile = secrets.Path(dir, secrets.CACert)
	}
	if t.Security.ACL {
		var err error
		if a.ConsulToken, err = secrets.ReadToken(dir, secrets.ConsulManagementToken); err != nil {
			return a, err
		}
		if a.NomadToken, err = secrets.ReadToken(dir, secrets.NomadManagementToken); err != nil {
			return a, err
		}
	}
	return a, nil
}

// tlsConfig trusts the cluster's CA, with TLS on; nil otherwise (or when
// the CA cannot be read: the requests then say what failed).
func (a access) tlsConfig() *tls.Config {
	if a.CAFile == "" {
		return nil
	}
	ca, err := os.ReadFile(a.CAFile)
	if err != nil {
		return nil
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(ca)
	return &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
}

// httpClient talks to the agents' APIs: over HTTPS with the cluster's CA
// when TLS is on.
func (a access) httpClient(timeout time.Duration) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = a.tlsConfig()
	return &http.Client{Timeout: timeout, Transport: tr}
}
