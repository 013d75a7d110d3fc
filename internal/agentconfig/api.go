package agentconfig

import (
	"net"
	"strconv"

	"github.com/nomadbox/nomadbox/internal/topology"
)

// NomadPort is the Nomad HTTP API's port (HTTPS with TLS on).
const NomadPort = 4646

// ConsulURL is the base URL of n's Consul HTTP API as the configuration
// written here serves it: HTTPS on 8501 with TLS on (plain HTTP is off
// then), plain HTTP on 8500 otherwise.
func ConsulURL(t *topology.Topology, n topology.Node) string {
	if t.Security.TLS {
		return "https://" + net.JoinHostPort(n.Address.String(), strconv.Itoa(ConsulHTTPSPort))
	}
	return "http://" + net.JoinHostPort(n.Address.String(), strconv.Itoa(ConsulHTTPPort))
}

// NomadURL is the base URL of n's Nomad HTTP API.
func NomadURL(t *topology.Topology, n topology.Node) string {
	scheme := "http"
	if t.Security.TLS {
		scheme = "https"
	}
	return scheme + "://" + net.JoinHostPort(n.Address.String(), strconv.Itoa(NomadPort))
}
