//go:build race

package store

import (
	"time"

	"github.com/hashicorp/raft"
)

func init() {
	// The race detector slows a test's nodes, which share one process,
	// enough for raft's default timeouts to elect leaders for nothing.
	testHookRaftConfig = func(c *raft.Config) {
		c.HeartbeatTimeout, c.ElectionTimeout, c.LeaderLeaseTimeout = 3*time.Second, 3*time.Second, 3*time.Second
	}
}
