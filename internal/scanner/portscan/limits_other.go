//go:build !unix

package portscan

// SocketBudget returns a conservative socket bound where the descriptor limit
// cannot be read.
func SocketBudget() int { return 1024 }
