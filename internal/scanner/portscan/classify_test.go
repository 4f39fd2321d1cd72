package portscan

import (
	"context"
	"fmt"
	"net"
	"os"
	"syscall"
	"testing"
)

func TestClassify(t *testing.T) {
	wrap := func(err error) error {
		return &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", err)}
	}
	for _, tc := range []struct {
		err  error
		want Outcome
	}{
		{nil, OutcomeOpen},
		{syscall.ECONNREFUSED, OutcomeClosed},
		{wrap(syscall.ECONNREFUSED), OutcomeClosed},
		{os.ErrDeadlineExceeded, OutcomeFiltered},
		{wrap(os.ErrDeadlineExceeded), OutcomeFiltered},
		{syscall.ETIMEDOUT, OutcomeFiltered},
		{syscall.EMFILE, OutcomeRetry},
		{wrap(syscall.EMFILE), OutcomeRetry},
		{syscall.ENFILE, OutcomeRetry},
		{syscall.ENOBUFS, OutcomeRetry},
		{syscall.EADDRNOTAVAIL, OutcomeRetry},
		{wrap(syscall.EADDRNOTAVAIL), OutcomeRetry},
		{syscall.EHOSTUNREACH, OutcomeUnreachable},
		{wrap(syscall.ENETUNREACH), OutcomeUnreachable},
		{context.Canceled, OutcomeCanceled},
		{fmt.Errorf("x: %w", context.DeadlineExceeded), OutcomeCanceled},
		{syscall.EINVAL, OutcomeError},
		{fmt.Errorf("something else"), OutcomeError},
	} {
		if got := Classify(tc.err); got != tc.want {
			t.Errorf("Classify(%v) = %d, want %d", tc.err, got, tc.want)
		}
	}
}

func TestBudgetLeavesAMargin(t *testing.T) {
	for _, tc := range []struct {
		soft uint64
		want int
	}{
		{20000, 18000},
		{1024, 922},
		{64, 1},
		{1 << 40, 1<<20 - 1<<20/10},
	} {
		if got := budgetFor(tc.soft); got != tc.want {
			t.Errorf("budgetFor(%d) = %d, want %d", tc.soft, got, tc.want)
		}
	}
	if b := SocketBudget(); b < 1 {
		t.Errorf("SocketBudget() = %d", b)
	}
}
