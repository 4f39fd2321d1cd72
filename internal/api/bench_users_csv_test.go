package api_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/perimeterhq/perimeter/internal/apitest"
	"github.com/perimeterhq/perimeter/internal/store/storetest"
)

// BenchmarkUsersImportExport imports a 1 000-row CSV (all or nothing, one
// transaction) per iteration and then streams the export of everything
// imported; it reports rows/s of each.
//
//	go test -run '^$' -bench UsersImportExport -benchtime 5x ./internal/api
func BenchmarkUsersImportExport(b *testing.B) {
	const rows = 1000
	for _, engine := range storetest.Engines() {
		b.Run(engine, func(b *testing.B) {
			e := apitest.New(b, engine)
			var importTime time.Duration
			for i := 0; i < b.N; i++ {
				var sb strings.Builder
				sb.WriteString("email,first_name,last_name,role,confirmed\n")
				for r := range rows {
					fmt.Fprintf(&sb, "bench%d-%d@import.test,Bench,User %d,user,true\n", i, r, r)
				}
				start := time.Now()
				res := rawImport(b, e, sb.String())
				importTime += time.Since(start)
				if !strings.Contains(res, fmt.Sprintf(`"created":%d`, rows)) {
					b.Fatalf("import: %.300s", res)
				}
			}
			start := time.Now()
			r := e.Admin.Do("GET", "/v2/users/export", nil)
			exportTime := time.Since(start)
			if r.Status != 200 {
				b.Fatal(r)
			}
			lines := strings.Count(string(r.Body), "\n") - 1
			b.ReportMetric(float64(b.N*rows)/importTime.Seconds(), "import_rows/s")
			b.ReportMetric(float64(lines)/exportTime.Seconds(), "export_rows/s")
		})
	}
}

func rawImport(b *testing.B, e *apitest.Env, csv string) string {
	b.Helper()
	r := rawRequest(b, e, e.Admin, "POST", "/v2/users/import", "text/csv", strings.NewReader(csv))
	return string(r.Body)
}
