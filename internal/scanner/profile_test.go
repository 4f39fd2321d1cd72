package scanner

import (
	"testing"

	"github.com/perimeterhq/perimeter/internal/portspec"
	"github.com/perimeterhq/perimeter/internal/scanner/discovery"
)

func TestBuiltinProfiles(t *testing.T) {
	want := []string{ProfilePCIASV, ProfileDiscovery, ProfileFullAndFast, ProfileFullAndDeep, ProfileAggressive}
	for _, name := range want {
		p, ok := ProfileByName(name)
		if !ok || p.Name != name {
			t.Fatalf("ProfileByName(%q) = %q, %v", name, p.Name, ok)
		}
		if p.Ports.Count() == 0 || p.Concurrency <= 0 || p.PerHost <= 0 || p.Hosts <= 0 {
			t.Errorf("%s: incomplete %+v", name, p)
		}
		if err := (&discovery.Prober{Method: p.Discovery}).Validate(); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	get := func(n string) Profile { p, _ := ProfileByName(n); return p }
	if p := get(ProfileDiscovery); p.Checks || p.CVE || !p.ServiceDetection || p.Ports.CountProtocol(portspec.UDP) != 0 {
		t.Errorf("Discovery must detect services without checks: %+v", p)
	}
	if p := get(ProfileFullAndFast); !p.Checks || p.Ports.CountProtocol(portspec.UDP) == 0 || p.Ports.CountProtocol(portspec.TCP) >= 65535 {
		t.Errorf("Full and fast: common TCP + common UDP with checks: %+v", p.Ports.String())
	}
	deep, fast, aggr := get(ProfileFullAndDeep), get(ProfileFullAndFast), get(ProfileAggressive)
	if deep.Ports.CountProtocol(portspec.TCP) != 65535 || deep.Timing.Retries <= fast.Timing.Retries || deep.Timing.MaxTimeout <= fast.Timing.MaxTimeout {
		t.Errorf("Full and deep must scan all TCP, slower and with more retries")
	}
	for _, p := range Profiles() {
		if p.Name != ProfileAggressive && (p.Concurrency >= aggr.Concurrency || p.PerHost >= aggr.PerHost) {
			t.Errorf("%s is as concurrent as Aggressive", p.Name)
		}
	}
	if p := get(ProfilePCIASV); !p.Checks || !p.ServiceDetection || p.Ports.String() != portspec.PCIASV().String() {
		t.Errorf("PCI ASV: %s", p.Ports.String())
	}
	if p, ok := ProfileByName("full-and-FAST"); !ok || p.Name != ProfileFullAndFast {
		t.Errorf("loose name lookup failed")
	}
	if _, ok := ProfileByName("Ultra"); ok {
		t.Error("unknown profile found")
	}
	if got := ProfileNames(); len(got) != len(want) {
		t.Errorf("ProfileNames() = %v", got)
	}
}
