package lab

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/perimeterhq/perimeter/internal/portspec"
	"github.com/perimeterhq/perimeter/internal/scanner"
	"github.com/perimeterhq/perimeter/internal/scanner/result"
)

// TestLab scans the lab of real daemons (start.sh; PERIMETER_LAB=1, as root,
// after install.sh) with the engine `perimeter scan` uses, and checks every
// endpoint of Expected. PERIMETER_LAB_STARTED=1 uses a lab already up and
// leaves it running.
func TestLab(t *testing.T) {
	if os.Getenv("PERIMETER_LAB") != "1" {
		t.Skip("set PERIMETER_LAB=1 to run the lab (root, bench/lab/install.sh first)")
	}
	ports, err := Ports()
	if err != nil {
		t.Fatal(err)
	}
	if os.Getenv("PERIMETER_LAB_STARTED") != "1" {
		if out, err := exec.Command("./start.sh").CombinedOutput(); err != nil {
			t.Fatalf("start.sh: %v\n%s", err, out)
		}
		t.Cleanup(func() {
			if out, err := exec.Command("./stop.sh").CombinedOutput(); err != nil {
				t.Errorf("stop.sh: %v\n%s", err, out)
			}
		})
	}

	var tcp, udp []string
	for _, e := range Expected {
		p := fmt.Sprint(ports[e.Port])
		if e.UDP {
			udp = append(udp, p)
		} else {
			tcp = append(tcp, p)
		}
	}
	list, err := portspec.Parse("T:" + strings.Join(tcp, ",") + ",U:" + strings.Join(udp, ","))
	if err != nil {
		t.Fatal(err)
	}
	prof, _ := scanner.ProfileByName(scanner.ProfileFullAndFast)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	events := make(chan result.Event, 256)
	var host *result.Host
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ev := range events {
			if ev.Kind == result.EventHostDone {
				host = ev.Host
			}
		}
	}()
	_, err = scanner.Run(ctx, scanner.Options{Hosts: "127.0.0.1", Ports: list, Profile: prof, NoPing: true}, events)
	close(events)
	<-done
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	if host == nil {
		t.Fatal("scan reported no host")
	}

	planted := Planted()
	var report strings.Builder
	tw := tabwriter.NewWriter(&report, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ENDPOINT\tPORT\tWANT\tGOT\tMISSING / UNWANTED")
	failed := 0
	for _, e := range Expected {
		port := ports[e.Port]
		proto := result.TCP
		if e.UDP {
			proto = result.UDP
		}
		var svc result.Service
		for _, p := range host.Ports {
			if p.Port == port && p.Protocol == proto {
				svc = p
			}
		}
		var got []string
		for _, f := range host.Findings {
			if f.Port == port && f.Protocol == proto {
				got = append(got, f.CheckID)
			}
		}
		slices.Sort(got)
		got = slices.Compact(got)
		var problems []string
		if e.Service != "" && svc.Service != e.Service {
			problems = append(problems, fmt.Sprintf("service %q", svc.Service))
		}
		if e.Product != "" && svc.Product != e.Product {
			problems = append(problems, fmt.Sprintf("product %q", svc.Product))
		}
		if e.Version != "" && svc.Version != e.Version {
			problems = append(problems, fmt.Sprintf("version %q", svc.Version))
		}
		for _, id := range e.Findings {
			if !slices.Contains(got, id) {
				problems = append(problems, "missing "+id)
			}
		}
		if e.Hardened {
			for _, id := range got {
				if planted[id] && !slices.Contains(e.Findings, id) {
					problems = append(problems, "unwanted "+id)
				}
			}
		} else if slices.Contains(got, "exposure.database.reachable") && e.Service != "" && len(e.Findings) > 0 &&
			!slices.Contains(e.Findings, "exposure.database.reachable") {
			problems = append(problems, "unwanted exposure.database.reachable (a specific finding exists)")
		}
		status := "ok"
		if len(problems) > 0 {
			failed++
			status = strings.Join(problems, "; ")
		}
		want := strings.TrimSpace(e.Service + " " + e.Product + " " + e.Version)
		have := strings.TrimSpace(svc.Service + " " + svc.Product + " " + svc.Version)
		fmt.Fprintf(tw, "%s\t%d/%s\t%s [%s]\t%s [%s]\t%s\n", e.Name, port, proto,
			want, strings.Join(e.Findings, " "), have, strings.Join(got, " "), status)
	}
	tw.Flush()
	if failed > 0 {
		t.Errorf("%d of %d lab endpoints differ from expect.go:\n%s", failed, len(Expected), report.String())
	} else {
		t.Logf("lab:\n%s", report.String())
	}
}

// TestLabDump writes the lab's ports and expectations as JSON to the file
// named by PERIMETER_LAB_DUMP (compare.sh scores both scanners with it).
func TestLabDump(t *testing.T) {
	path := os.Getenv("PERIMETER_LAB_DUMP")
	if path == "" {
		t.Skip("PERIMETER_LAB_DUMP not set")
	}
	ports, err := Ports()
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		Endpoint
		Number int    `json:"number"`
		Proto  string `json:"proto"`
	}
	var rows []row
	for _, e := range Expected {
		proto := result.TCP
		if e.UDP {
			proto = result.UDP
		}
		rows = append(rows, row{e, ports[e.Port], proto})
	}
	b, err := json.MarshalIndent(map[string]any{"endpoints": rows, "planted": Planted()}, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}
