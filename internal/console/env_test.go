package console_test

import (
	"context"
	"testing"
	"time"

	"github.com/perimeterhq/perimeter/internal/api"
	"github.com/perimeterhq/perimeter/internal/apitest"
	"github.com/perimeterhq/perimeter/internal/app"
	"github.com/perimeterhq/perimeter/internal/console"
)

// newEnv runs the real API with the console mounted, on a fresh database,
// with the console's key in place as `perimeter serve` ensures it.
func newEnv(t testing.TB, engine string, opt api.Options) (*apitest.Env, string) {
	t.Helper()
	return newEnvConfig(t, engine, app.Config{}, opt)
}

// newEnvConfig is newEnv with an app configuration (webhooks allowed to a
// loopback receiver, say); scans always heartbeat fast.
func newEnvConfig(t testing.TB, engine string, cfg app.Config, opt api.Options) (*apitest.Env, string) {
	t.Helper()
	opt.Console = console.New()
	cfg.ScanHeartbeat, cfg.ScanStaleAfter = 100*time.Millisecond, 2*time.Second
	e := apitest.NewWithOptions(t, engine, cfg, opt)
	key, err := e.App.EnsureConsoleKey(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return e, key
}

// webServer is apitest.WeakHTTP on any port: something for a scan to find.
func webServer(t testing.TB) int {
	_, port := apitest.WeakHTTP(t, 0)
	return port
}
