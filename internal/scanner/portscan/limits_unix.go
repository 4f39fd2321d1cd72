//go:build unix

package portscan

import "syscall"

// SocketBudget raises the soft RLIMIT_NOFILE to the hard limit where the
// system allows it and returns how many sockets a scan may hold at once: the
// soft limit less a margin (a tenth, at least 64) for the rest of the process
// — listeners, database files, service detection and checks. It is at least 1.
func SocketBudget() int {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 256
	}
	if lim.Cur < lim.Max {
		raised := lim
		raised.Cur = lim.Max
		if syscall.Setrlimit(syscall.RLIMIT_NOFILE, &raised) == nil {
			lim = raised
		}
	}
	return budgetFor(lim.Cur)
}

func budgetFor(soft uint64) int {
	const ceiling = 1 << 20 // an "unlimited" soft limit still wants a bound
	soft = min(soft, ceiling)
	margin := max(soft/10, 64)
	if soft <= margin {
		return 1
	}
	return int(soft - margin)
}
