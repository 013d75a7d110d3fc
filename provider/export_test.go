package provider

import "github.com/nomadbox/nomadbox/internal/pluginwire/pb"

// NewServer lets the round-trip tests (package provider_test, which
// also imports nomadbox's end) serve a Provider in their own process.
func NewServer(p Provider) pb.ProviderServer { return newServer(p) }
