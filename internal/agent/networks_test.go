package agent_test

import (
	"strings"
	"testing"
	"time"

	"github.com/perimeterhq/perimeter/internal/apitest"
	"github.com/perimeterhq/perimeter/internal/store/storetest"
)

// TestAgentRefusesWorkOutsideNetworks: a run whose addresses lie outside
// the agent's --networks fails with the reason and nothing is contacted;
// a hostname that resolves outside them (the server cannot know) is not
// contacted either — the agent fences its own engine.
func TestAgentRefusesWorkOutsideNetworks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine string) {
		l := newLab(t, engine)
		sentinel := apitest.NewSentinel(t, "127.0.0.1")
		log := &logBuffer{}
		stop := run(t, l.config(log, "10.0.0.0/8"))

		literal := l.startScan(t, "127.0.0.1", "T:"+sentinel.Port(), false)
		done := l.wait(t, literal)
		if done.Str("scan.status") != "failed" || !strings.Contains(done.String(), "outside") {
			t.Fatalf("a run outside the agent's networks must fail saying so: %s", done)
		}
		if err := stop(); err != nil {
			t.Fatal(err)
		}

		stop = run(t, l.config(log, "127.0.0.2/32"))
		named := l.startScan(t, "localhost", "T:"+sentinel.Port(), false)
		done = l.wait(t, named)
		if done.Str("scan.status") != "completed" {
			t.Fatalf("run of localhost: %s\nagent log:\n%s", done, log)
		}
		if h := done.Get("scan.last_history").(map[string]any); h["hosts_up"].(float64) != 0 {
			t.Errorf("localhost (127.0.0.1, outside 127.0.0.2/32) must not be scanned: %v", h)
		}
		time.Sleep(200 * time.Millisecond)
		if n := sentinel.Connections(); n != 0 {
			t.Errorf("the agent connected %d times to 127.0.0.1, outside its networks", n)
		}
		if err := stop(); err != nil {
			t.Fatal(err)
		}
	})
}
