// Package jobs submits, plans, lists and stops Nomad jobs through the
// Nomad HTTP API, following each submission until it is healthy and, on
// failure, saying why: the placement failures of the evaluation or the
// task events of the failing allocation.
package jobs

import (
	"context"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/nomad/api"
)

// Client talks to one cluster's Nomad servers.
type Client struct {
	Nomad *api.Client
	// Out receives progress lines while a job is followed.
	Out io.Writer
	// Poll is how often state is read while following (default 1s).
	Poll time.Duration
}

// NewClient connects to the Nomad HTTP API at addr (http://ip:4646);
// caCert, when set, is the CA that signed the agents' certificates and
// token, when set, the ACL token sent with every request.
func NewClient(addr, caCert, token string, out io.Writer) (*Client, error) {
	cfg := api.DefaultConfig()
	cfg.Address = addr
	cfg.SecretID = token
	if caCert != "" {
		cfg.TLSConfig = &api.TLSConfig{CACert: caCert}
	}
	c, err := api.NewClient(cfg)
	if err != nil {
		return nil, err
	}
	return &Client{Nomad: c, Out: out, Poll: time.Second}, nil
}

func (c *Client) printf(format string, args ...any) {
	if c.Out != nil {
		fmt.Fprintf(c.Out, format, args...)
	}
}

// Parse reads a job file and has the Nomad agent parse it (so the job
// language is exactly the cluster's), with HCL2 variables from vars.
func (c *Client) Parse(ctx context.Context, file string, vars map[string]string) (*api.Job, error) {
	src, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	job, err := c.Nomad.Jobs().ParseHCLOpts(&api.JobsParseRequest{
		JobHCL:       string(src),
		Variables:    variablesFile(vars),
		Canonicalize: true,
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return job, nil
}

var number = regexp.MustCompile(`^-?[0-9]+(\.[0-9]+)?$`)

// variablesFile writes vars as the content of a variables file: numbers
// and booleans bare, everything else quoted.
func variablesFile(vars map[string]string) string {
	keys := make([]string, 0, len(vars))
	for k := range vars {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		v := vars[k]
		if number.MatchString(v) || v == "true" || v == "false" {
			fmt.Fprintf(&b, "%s = %s\n", k, v)
		} else {
			fmt.Fprintf(&b, "%s = %s\n", k, strconv.Quote(v))
		}
	}
	return b.String()
}

// ParseVars turns k=v arguments into a map.
func ParseVars(args []string) (map[string]string, error) {
	vars := map[string]string{}
	for _, a := range args {
		k, v, ok := strings.Cut(a, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("--var %q: write it as name=value", a)
		}
		vars[k] = v
	}
	return vars, nil
}
