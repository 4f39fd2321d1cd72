package console_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
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

// webServer serves HTTP on a loopback port with a versioned Server header and
// no security headers: something for a scan to find.
func webServer(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Server", "Apache/2.4.49 (Unix)")
		fmt.Fprint(w, "<html><head><title>lab</title></head><body>hello</body></html>")
	}), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return ln.Addr().(*net.TCPAddr).Port
}
