package portspec

import (
	"slices"
	"testing"
)

func TestBuiltins(t *testing.T) {
	if got := AllTCP(); got.Count() != 65535 || got.CountProtocol(UDP) != 0 {
		t.Errorf("AllTCP = %v", got)
	}
	common := CommonTCP()
	if n := common.Count(); n < 100 || n > 300 {
		t.Errorf("CommonTCP has %d ports, want 100-300", n)
	}
	for _, p := range []int{21, 22, 23, 25, 53, 80, 110, 143, 443, 445, 3306, 3389, 5432, 6379, 8080, 27017} {
		if !common.Contains(TCP, p) {
			t.Errorf("CommonTCP lacks %d", p)
		}
	}
	web := Web()
	for _, p := range []int{80, 443, 8080, 8443, 8000, 8008, 8888, 3000, 5000, 9443} {
		if !web.Contains(TCP, p) {
			t.Errorf("Web lacks %d", p)
		}
	}
	if web.Contains(TCP, 22) {
		t.Error("Web contains SSH")
	}
	// Every web port is also a common port.
	for p := range web.Ports(TCP) {
		if !common.Contains(TCP, p) {
			t.Errorf("CommonTCP lacks web port %d", p)
		}
	}
	pci := PCIASV()
	if pci.CountProtocol(TCP) != 65535 {
		t.Errorf("PCIASV TCP count = %d", pci.CountProtocol(TCP))
	}
	for _, p := range []int{53, 67, 68, 69, 123, 137, 138, 161, 162, 500, 514, 1900, 4500, 5353} {
		if !pci.Contains(UDP, p) {
			t.Errorf("PCIASV lacks udp %d", p)
		}
	}
	if pci.Contains(UDP, 80) {
		t.Error("PCIASV contains udp 80")
	}
}

func TestBuiltinsAreNormalizedAndFresh(t *testing.T) {
	for _, b := range Builtins() {
		again, err := Parse(b.Ports.String())
		if err != nil || !slices.Equal(again, b.Ports) {
			t.Errorf("%s is not normalized: %v", b.Name, err)
		}
		if b.Name == "" || b.Description == "" {
			t.Errorf("built-in %+v lacks a name or description", b)
		}
	}
	// Changing a returned list must not change the next caller's.
	l := CommonTCP()
	l[0].Start = 60000
	if CommonTCP()[0].Start == 60000 {
		t.Error("CommonTCP returned shared memory")
	}
	w := Builtins()[2].Ports
	w[0].End = 1
	if Web()[0].End == 1 {
		t.Error("Builtins returned shared memory")
	}
}
