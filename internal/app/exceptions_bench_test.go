package app

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/perimeterhq/perimeter/internal/exception"
	"github.com/perimeterhq/perimeter/internal/scan"
	"github.com/perimeterhq/perimeter/internal/scanner/result"
	"github.com/perimeterhq/perimeter/internal/store/storetest"
	"github.com/perimeterhq/perimeter/internal/user"
)

// BenchmarkActivateException activates an exception covering 10 000
// findings (one check on 200 hosts × 50 ports) of a completed run: the
// findings change status and the run's PCI verdict is decided again, in one
// transaction. Each iteration resets the exception first (not timed).
//
//	go test -run '^$' -bench ActivateException -benchtime 20x ./internal/app
func BenchmarkActivateException(b *testing.B) {
	for _, engine := range storetest.Engines() {
		b.Run(engine, func(b *testing.B) {
			ctx := context.Background()
			s := storetest.Open(b, engine)
			a := New(s, Config{}, nil)
			ref := benchRun(b, a)
			run, err := s.R().RunByID(ctx, ref.ID)
			if err != nil {
				b.Fatal(err)
			}
			st := &runState{run: run, ref: ref}
			now := a.now()
			for h := range 200 {
				host := &result.Host{IP: netip.AddrFrom4([4]byte{10, 1, byte(h >> 8), byte(h)}), Status: result.HostUp}
				for p := range 50 {
					host.Findings = append(host.Findings, result.Finding{CheckID: "tls-weak", Title: "Weak TLS", CVSSScore: 5.3,
						Severity: "medium", Port: 1000 + p, Protocol: "tcp", Confidence: 90, PCIFail: true})
				}
				st.buffer = append(st.buffer, hostResult(ref, host, now))
			}
			if err := a.flush(ctx, st); err != nil {
				b.Fatal(err)
			}
			if err := a.finishRun(ctx, st, scan.StatusCompleted, ""); err != nil {
				b.Fatal(err)
			}
			org, err := s.R().OrganizationByID(ctx, ref.OrganizationID)
			if err != nil {
				b.Fatal(err)
			}
			act := &Actor{User: user.User{ID: newID(), Role: user.RoleAdmin}, Org: org}
			e, err := a.CreateException(ctx, act, NewException{Exception: exception.Exception{Type: exception.FalsePositive,
				CheckID: "tls-weak", Reason: "bench"}})
			if err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			var total time.Duration
			for b.Loop() {
				start := time.Now()
				got, err := a.ActivateExceptions(ctx, act, []string{e.ID})
				total += time.Since(start)
				if err != nil || got[0].Findings != 10000 {
					b.Fatalf("activate: %v %+v", err, got)
				}
				r, _ := s.R().RunByID(ctx, ref.ID)
				if r.PCICompliant == nil || !*r.PCICompliant {
					b.Fatal("verdict did not flip")
				}
				b.StopTimer()
				if _, err := a.ResetExceptions(ctx, act, []string{e.ID}); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
			}
			b.ReportMetric(float64(total.Milliseconds())/float64(b.N), "ms/activation")
		})
	}
}
