package importer_test

import (
	"bytes"
	"context"
	"net"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/perimeterhq/perimeter/internal/importer"
	"github.com/perimeterhq/perimeter/internal/scanner/result"
)

// TestNmapBinary reads what the installed nmap really prints for a loopback
// listener with an OpenSSH banner (skipped where nmap is absent; .ci/run
// installs it). The banner answers nmap's NULL probe at once, so -sV is quick.
func TestNmapBinary(t *testing.T) {
	t.Parallel()
	nmap, err := exec.LookPath("nmap")
	if err != nil {
		t.Skip("nmap is not installed")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Write([]byte("SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n"))
			c.SetReadDeadline(time.Now().Add(5 * time.Second))
			c.Read(make([]byte, 256))
			c.Close()
		}
	}()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, nmap, "-sT", "-sV", "-Pn", "-n", "-p", port, "-oX", "-", "127.0.0.1").Output()
	if err != nil {
		t.Fatalf("nmap: %v", err)
	}
	var hosts []result.Host
	rep, err := importer.Read(bytes.NewReader(out), importer.Nmap, func(h result.Host) error {
		hosts = append(hosts, h)
		return nil
	})
	if err != nil {
		t.Fatalf("Read: %v\n%s", err, out)
	}
	if len(hosts) != 1 || hosts[0].IP.String() != "127.0.0.1" || len(hosts[0].Ports) != 1 {
		t.Fatalf("hosts = %+v\n%s", hosts, out)
	}
	svc := hosts[0].Ports[0]
	if strconv.Itoa(svc.Port) != port || svc.State != result.PortOpen || svc.Service != "ssh" || svc.Product != "OpenSSH" ||
		len(svc.CPE) == 0 || svc.CPE[0] != "cpe:2.3:a:openbsd:openssh:9.2p1:*:*:*:*:*:*:*" {
		t.Errorf("service = %+v\n%s", svc, out)
	}
	if rep.Started.IsZero() || rep.Finished.Before(rep.Started) || len(rep.Scanner) < len("nmap 7") {
		t.Errorf("report = %+v", rep)
	}
}
