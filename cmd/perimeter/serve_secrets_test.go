package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/perimeterhq/perimeter/internal/apitest"
	"github.com/perimeterhq/perimeter/internal/app"
	"github.com/perimeterhq/perimeter/internal/scanner/gvmscan/gvmtest"
	"github.com/perimeterhq/perimeter/internal/store"
	"github.com/perimeterhq/perimeter/internal/store/storetest"
)

// TestSecretsNeverLogged starts the real server, creates every kind of secret
// the platform hands out or accepts (passwords, a session token, an access
// token, API keys, a webhook secret, a scanner token, the at-rest key),
// exercises each, also sends wrong ones, and then finds none of them in
// anything the server wrote.
func TestSecretsNeverLogged(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		dbURL := storetest.URL(t, engine)
		const adminPassword = "admin-Secret-Password-4f1c2e"
		// Bootstrapped before the server starts, so the first-run banner (which
		// shows generated credentials on purpose) is not printed.
		s, err := store.Open(ctx, dbURL)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		boot, err := app.New(s, app.Config{}, nil).Bootstrap(ctx, "root@secrets.test", adminPassword)
		if err != nil {
			t.Fatal(err)
		}
		s.Close()

		keyFile := filepath.Join(t.TempDir(), "secret.key")
		c := serveConfig{dbURL: dbURL, workers: 2}
		c.hooks = hookFlags{allow: "127.0.0.1/32", retryDelays: "1s", secretKeyFile: keyFile, workers: 2,
			rescueAfter: time.Minute, deactivate: time.Hour}
		base, out, stop := startServeConfig(t, c, "http", http.DefaultClient)
		key := boot.APIKey
		secrets := map[string]string{"admin password": adminPassword, "bootstrap API key": key}

		// Wrong credentials are secrets too: a mistyped password is often a real one.
		wrongPassword := "wrong-Secret-Password-77aa"
		if st, _ := call(t, "POST", base+"/auth/sign_in", key, "", map[string]string{"username": "root@secrets.test", "password": wrongPassword}); st != 401 {
			t.Fatalf("wrong password: %d", st)
		}
		secrets["wrong password"] = wrongPassword
		wrongKey := "pmk_wrongSecretKey0123456789abcdef"
		if st, _ := call(t, "GET", base+"/v2/user", wrongKey, "", nil); st != 401 {
			t.Fatalf("wrong key: %d", st)
		}
		secrets["wrong API key"] = wrongKey

		auth := signIn(t, base, key, "root@secrets.test", adminPassword)
		secrets["session token"] = strings.TrimPrefix(auth, "Bearer ")
		if st, _ := call(t, "GET", base+"/v2/user", key, "Bearer wrongSessionSecret-91b2", nil); st != 401 {
			t.Fatalf("wrong session: %d", st)
		}
		secrets["wrong session token"] = "wrongSessionSecret-91b2"

		st, tok := call(t, "PUT", base+"/v2/user/generate_access_token", key, auth, nil)
		access, _ := tok["access_token"].(string)
		if st != 200 || access == "" {
			t.Fatalf("access token: %d %v", st, tok)
		}
		secrets["access token"] = access
		if st, _ := call(t, "GET", base+"/v2/user?access_token="+access, key, "Basic "+access, nil); st != 200 {
			t.Fatalf("access token use: %d", st)
		}

		const userPassword = "user-Secret-Password-0d9e3b"
		st, u := call(t, "POST", base+"/v2/users", key, auth, map[string]any{"email": "user@secrets.test", "first_name": "U", "last_name": "S",
			"organization_id": boot.OrganizationID, "role": "admin", "password": userPassword, "confirmed": true})
		if st != 201 {
			t.Fatalf("create user: %d %v", st, u)
		}
		secrets["user password"] = userPassword
		userAuth := signIn(t, base, key, "user@secrets.test", userPassword)
		const newPassword = "changed-Secret-Password-5c7a"
		if st, m := call(t, "PUT", base+"/v2/user/password", key, userAuth, map[string]any{"current_password": userPassword, "password": newPassword, "password_confirmation": newPassword}); st != 200 {
			t.Fatalf("change password: %d %v", st, m)
		}
		secrets["changed password"] = newPassword
		signIn(t, base, key, "user@secrets.test", newPassword)

		st, sc := call(t, "POST", base+"/v2/scanners", key, auth, map[string]any{"name": "agent", "app_type": "agent"})
		if st != 201 {
			t.Fatalf("scanner: %d %v", st, sc)
		}
		secrets["scanner token"], _ = sc["scanner"].(map[string]any)["token"].(string)

		// An openvas scanner's GMP password, used to log in to a fake manager,
		// and a wrong one the manager refuses.
		gmp := gvmtest.Start(t)
		gmp.Password = "gmp-Secret-Password-9e8d7c6b"
		st, ov := call(t, "POST", base+"/v2/scanners", key, auth, map[string]any{"name": "gvm", "app_type": "openvas",
			"host": gmp.Host, "port": gmp.Port, "username": "admin", "password": gmp.Password, "ca_cert": gmp.CAPEM})
		if st != 201 {
			t.Fatalf("openvas scanner: %d %v", st, ov)
		}
		ovID := ov["scanner"].(map[string]any)["id"].(string)
		if st, v := call(t, "POST", base+"/v2/scanners/"+ovID+"/verify", key, auth, nil); st != 200 || v["verified"] != true {
			t.Fatalf("verify: %d %v", st, v)
		}
		secrets["GMP password"] = gmp.Password
		const wrongGMP = "gmp-Wrong-Password-1f2e3d4c"
		call(t, "PUT", base+"/v2/scanners/"+ovID, key, auth, map[string]any{"password": wrongGMP})
		if st, v := call(t, "POST", base+"/v2/scanners/"+ovID+"/verify", key, auth, nil); st != 200 || v["verified"] != false {
			t.Fatalf("verify with a wrong password: %d %v", st, v)
		}
		secrets["wrong GMP password"] = wrongGMP

		// A webhook with a chosen secret, exercised by a real signed delivery.
		rcv := apitest.NewReceiver(t)
		const hookSecret = "webhook-Secret-1a2b3c4d5e6f"
		rcv.SetSecret(hookSecret)
		st, wh := call(t, "POST", base+"/v2/webhooks", key, auth, map[string]any{"name": "h", "url": rcv.URL + "/hook",
			"events": []string{"scan_started"}, "secret": hookSecret})
		if st != 201 {
			t.Fatalf("webhook: %d %v", st, wh)
		}
		secrets["webhook secret"] = hookSecret
		closed, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := closed.Addr().(*net.TCPAddr).Port
		closed.Close()
		_, pl := call(t, "POST", base+"/v2/port_lists", key, auth, map[string]any{"name": "closed", "ports": fmt.Sprintf("T:%d", port)})
		_, tg := call(t, "POST", base+"/v2/targets", key, auth, map[string]any{"name": "lo", "hosts": "127.0.0.1", "product": "vrms",
			"port_list_id": pl["port_list"].(map[string]any)["id"]})
		_, scan := call(t, "POST", base+"/v2/scans", key, auth, map[string]any{"name": "s", "target_id": tg["target"].(map[string]any)["id"]})
		if st, m := call(t, "POST", base+"/v2/scans/"+scan["scan"].(map[string]any)["id"].(string)+"/start", key, auth, nil); st != 202 {
			t.Fatalf("start: %d %v", st, m)
		}
		apitest.Eventually(t, 30*time.Second, "a signed delivery", func() bool {
			for _, h := range rcv.Hooks() {
				if h.Valid {
					return true
				}
			}
			return false
		})
		stop()

		atRest, err := os.ReadFile(keyFile)
		if err != nil {
			t.Fatal(err)
		}
		secrets["at-rest key"] = strings.TrimSpace(string(atRest))
		logs := out.String()
		if !strings.Contains(logs, `msg=request`) {
			t.Fatalf("no access log captured:\n%s", logs)
		}
		for name, v := range secrets {
			if len(v) < 16 {
				t.Fatalf("%s %q is too short to grep for meaningfully", name, v)
			}
			if strings.Contains(logs, v) {
				t.Errorf("the %s appears in the server output", name)
			}
		}
	})
}
