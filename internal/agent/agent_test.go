package agent_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/perimeterhq/perimeter/internal/store/storetest"
)

// TestAgentScan runs a scan of loopback listeners through an agent and the
// same scan on the server's built-in path: the agent's run completes with
// the same hosts, ports, services and findings.
func TestAgentScan(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine string) {
		l := newLab(t, engine)
		httpPort := weakHTTP(t)
		closed := freePort(t)
		ports := fmt.Sprintf("T:%d,%d", httpPort, closed)
		log := &logBuffer{}
		run(t, l.config(log, "127.0.0.0/8"))

		viaAgent := l.startScan(t, "127.0.0.1", ports, false)
		done := l.wait(t, viaAgent)
		if done.Str("scan.status") != "completed" {
			t.Fatalf("agent run: %s\nagent log:\n%s", done, log)
		}
		builtin := l.startScan(t, "127.0.0.1", ports, true)
		if r := l.wait(t, builtin); r.Str("scan.status") != "completed" {
			t.Fatalf("built-in run: %s", r)
		}
		aHosts, aFindings := l.seen(t, viaAgent)
		bHosts, bFindings := l.seen(t, builtin)
		want := fmt.Sprintf("%d/tcp http", httpPort)
		if got := aHosts["127.0.0.1"]; !slices.Equal(got, []string{want}) {
			t.Errorf("agent run's services on 127.0.0.1: %v, want [%s]", got, want)
		}
		if fmt.Sprint(aHosts) != fmt.Sprint(bHosts) {
			t.Errorf("hosts: agent %v, built-in %v", aHosts, bHosts)
		}
		slices.Sort(aFindings)
		slices.Sort(bFindings)
		if len(aFindings) == 0 || !slices.Equal(aFindings, bFindings) {
			t.Errorf("findings:\nagent    %v\nbuilt-in %v", aFindings, bFindings)
		}
		h := done.Get("scan.last_history").(map[string]any)
		if h["hosts_up"].(float64) != 1 || h["attempt"].(float64) != 1 {
			t.Errorf("agent run's history: %v", h)
		}
		if sc := l.u.Do("GET", "/v2/scanners/"+l.scannerID, nil); sc.Str("scanner.version") != "agent-test" {
			t.Errorf("the agent's version was not reported: %s", sc)
		}
		if strings.Contains(log.String(), l.token) {
			t.Errorf("the agent logged its token:\n%s", log)
		}
	})
}
