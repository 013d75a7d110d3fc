// Package raftpeers takes a Nomad server that is gone for good out of
// Raft, so the remaining servers count their quorum right.
package raftpeers

import (
	"fmt"

	"github.com/hashicorp/nomad/api"
)

// RemoveNomad removes the Raft peer whose RPC address is rpcAddr
// (ip:4647) by its server ID. Removal by address is refused by Nomad
// since 1.10.1 and is being dropped from the API client (Nomad's
// operator raft remove-peer documentation: "-peer-address" deprecated in
// favour of "-peer-id"); the ID is read from the Raft configuration,
// which every release since 0.8 reports. A peer that is no longer
// listed (an earlier, interrupted removal) is fine. It returns whether a
// peer was removed.
func RemoveNomad(op *api.Operator, rpcAddr string) (bool, error) {
	cfg, err := op.RaftGetConfiguration(nil)
	if err != nil {
		return false, fmt.Errorf("reading Nomad's Raft configuration: %w", err)
	}
	for _, s := range cfg.Servers {
		if s.Address != rpcAddr {
			continue
		}
		if err := op.RaftRemovePeerByID(s.ID, nil); err != nil {
			return false, fmt.Errorf("removing Raft peer %s (%s): %w", s.Node, s.ID, err)
		}
		return true, nil
	}
	return false, nil
}
