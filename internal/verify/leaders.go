package verify

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
)

// Leader names the node that leads agent's Raft ("consul" or "nomad"),
// as the first server that answers its status endpoint says (those
// endpoints need no token). "" with an error when no server answers or
// none knows a leader.
func Leader(ctx context.Context, opts Options, agent string) (string, error) {
	o := opts.withDefaults()
	e := newEnv(o)
	defer e.close()
	base := o.NomadAddr
	if agent == "consul" {
		base = o.ConsulAddr
	}
	var lastErr error
	for _, n := range e.servers {
		var addr string
		err := e.request(ctx, func(ctx context.Context) error {
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, base(n)+"/v1/status/leader", nil)
			if err != nil {
				return err
			}
			resp, err := e.hc.Do(req)
			if err != nil {
				return err
			}
			defer resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				return fmt.Errorf("%s: %s", req.URL, resp.Status)
			}
			return json.NewDecoder(resp.Body).Decode(&addr)
		})
		if err != nil {
			lastErr = err
			continue
		}
		if addr == "" {
			lastErr = fmt.Errorf("%s knows no %s leader", n.Name, agent)
			continue
		}
		host, _, err := net.SplitHostPort(addr)
		if err != nil {
			host = addr
		}
		if name, ok := e.byIP[host]; ok {
			return name, nil
		}
		return addr, nil
	}
	return "", lastErr
}
