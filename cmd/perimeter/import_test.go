package main

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestImportCommand imports a Nessus file with `perimeter import` into a scan
// created through the API, and sees the run through the API; a malformed file
// names its line and stores nothing.
func TestImportCommand(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db := "sqlite:" + filepath.Join(dir, "p.db")
	const email, password = "root@import.test", "import-test-password"
	boot := bootstrapDB(t, db, email, password)
	base, _, stop := startServeConfig(t, serveConfig{dbURL: db}, "http", http.DefaultClient)
	defer stop()
	key := boot.APIKey
	auth := signIn(t, base, key, email, password)
	st, tg := call(t, "POST", base+"/v2/targets", key, auth, map[string]any{"name": "DMZ", "hosts": "192.0.2.0/29", "product": "vrms"})
	if st != 201 {
		t.Fatalf("target: %d %v", st, tg)
	}
	st, sc := call(t, "POST", base+"/v2/scans", key, auth, map[string]any{"name": "Quarterly", "target_id": tg["target"].(map[string]any)["id"]})
	if st != 201 {
		t.Fatalf("scan: %d %v", st, sc)
	}
	scanID := sc["scan"].(map[string]any)["id"].(string)

	good := filepath.Join(dir, "good.nessus")
	os.WriteFile(good, []byte(`<NessusClientData_v2><Report name="q"><ReportHost name="192.0.2.3">
<HostProperties><tag name="host-ip">192.0.2.3</tag></HostProperties>
<ReportItem port="443" svc_name="www" protocol="tcp" severity="3" pluginID="42873" pluginName="SSL Medium Strength Cipher Suites Supported (SWEET32)">
<cvss3_base_score>7.5</cvss3_base_score><cvss3_vector>CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N</cvss3_vector><cve>CVE-2016-2183</cve></ReportItem>
</ReportHost></Report></NessusClientData_v2>`), 0o600)
	out, err := runRoot(t, "import", "--database", db, "--scan", scanID, "--as", email, good)
	if err != nil {
		t.Fatalf("import: %v\n%s", err, out)
	}
	var res map[string]any
	if err := json.Unmarshal([]byte(out), &res); err != nil || res["status"] != "completed" || res["hosts"] != 1.0 || res["findings"] != 1.0 ||
		res["pci_compliant"] != false {
		t.Fatalf("import output: %s (%v)", out, err)
	}
	st, v := call(t, "GET", base+"/v2/vulnerabilities?q[cve]=CVE-2016-2183", key, auth, nil)
	if st != 200 || v["pagination"].(map[string]any)["total_count"] != 1.0 {
		t.Errorf("imported finding through the API: %d %v", st, v)
	}

	bad := filepath.Join(dir, "bad.nessus")
	os.WriteFile(bad, []byte("<NessusClientData_v2><Report>\n\n<ReportHost name=\"192.0.2.3\"><ReportItem pluginID=\"1\" severity=\"7\"/></ReportHost></Report></NessusClientData_v2>"), 0o600)
	out, err = runRoot(t, "import", "--database", db, "--scan", scanID, "--as", email, bad)
	if err == nil || !strings.Contains(err.Error()+out, "line 3") {
		t.Errorf("malformed import: %v\n%s", err, out)
	}
	st, h := call(t, "GET", base+"/v2/scans/"+scanID+"/histories", key, auth, nil)
	if st != 200 || h["pagination"].(map[string]any)["total_count"] != 1.0 {
		t.Errorf("runs after a refused import: %d %v", st, h)
	}
}
