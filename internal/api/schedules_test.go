package api_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/perimeterhq/perimeter/internal/apitest"
	"github.com/perimeterhq/perimeter/internal/store/storetest"
)

// scheduleClock is "now" in the schedule scenarios, so next runs are fixed.
var scheduleClock = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func datesOf(t testing.TB, r *apitest.Resp) []string {
	t.Helper()
	var out []string
	items, _ := r.Get("dates").([]any)
	for _, d := range items {
		out = append(out, d.(string))
	}
	return out
}

func wantDates(want ...string) func(t *testing.T, r *apitest.Resp) {
	return func(t *testing.T, r *apitest.Resp) {
		if got := datesOf(t, r); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("dates = %v\nwant    %v", got, want)
		}
	}
}

func TestScheduleCalculations(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine string) {
		tr := newTree(t, engine)
		tr.e.App.SetClock(func() time.Time { return scheduleClock })
		u := tr.c1User
		first, next := "/v2/schedules/calculate_first_date", "/v2/schedules/calculate_next_dates"
		ny := "America/New_York"
		apitest.Run(t, []apitest.Scenario{
			// Daily 02:30 in New York: on the spring-forward day (8 March 2026)
			// 02:30 does not exist, so it is read with the offset before the gap
			// (RFC 5545 §3.3.5): 02:30 EST = 03:30 EDT; then 02:30 EDT again.
			{Name: "spring forward", As: u, Method: "POST", Path: next, Body: map[string]any{"timezone": ny, "starts_at": "2026-03-06 02:30:00", "frequency": "daily", "count": 4}, Status: 200,
				Check: wantDates("2026-03-06T07:30:00Z", "2026-03-07T07:30:00Z", "2026-03-08T07:30:00Z", "2026-03-09T06:30:00Z")},
			{Name: "first run in the gap", As: u, Method: "POST", Path: first, Body: map[string]any{"timezone": ny, "starts_at": "2026-03-08T00:00:00-05:00", "rrule": "FREQ=DAILY;BYHOUR=2;BYMINUTE=30"}, Status: 200,
				Want: []string{`"first_run_at":"2026-03-08T07:30:00Z"`}},
			// Daily 01:30: on the fall-back day (1 November 2026) 01:30 happens
			// twice; the schedule runs at the first only.
			{Name: "fall back runs once", As: u, Method: "POST", Path: next, Body: map[string]any{"timezone": ny, "starts_at": "2026-10-31 01:30:00", "frequency": "daily", "count": 3}, Status: 200,
				Check: wantDates("2026-10-31T05:30:00Z", "2026-11-01T05:30:00Z", "2026-11-02T06:30:00Z")},
			{Name: "first date", As: u, Method: "POST", Path: first, Body: map[string]any{"timezone": ny, "starts_at": "2026-03-08 09:00:00", "frequency": "weekly", "by_weekday": []string{"WE"}}, Status: 200,
				Want: []string{`"first_run_at":"2026-03-11T13:00:00Z"`}},
			{Name: "monthly on the 31st clamps", As: u, Method: "POST", Path: next, Body: map[string]any{"starts_at": "2026-01-31T08:00:00Z", "frequency": "monthly", "count": 4}, Status: 200,
				Check: wantDates("2026-01-31T08:00:00Z", "2026-02-28T08:00:00Z", "2026-03-31T08:00:00Z", "2026-04-30T08:00:00Z")},
			{Name: "an rrule on the 31st skips", As: u, Method: "POST", Path: next, Body: map[string]any{"starts_at": "2026-01-31T08:00:00Z", "rrule": "FREQ=MONTHLY;BYMONTHDAY=31", "count": 3}, Status: 200,
				Check: wantDates("2026-01-31T08:00:00Z", "2026-03-31T08:00:00Z", "2026-05-31T08:00:00Z")},
			{Name: "from now for a schedule that started before", As: u, Method: "POST", Path: next, Body: map[string]any{"starts_at": "2025-06-01T09:00:00Z", "frequency": "daily", "count": 2}, Status: 200,
				Check: wantDates("2026-01-01T09:00:00Z", "2026-01-02T09:00:00Z")},
			{Name: "the schedule's own count", As: u, Method: "POST", Path: next, Body: map[string]any{"starts_at": "2026-02-01T09:00:00Z", "frequency": "daily", "schedule_count": 2, "count": 10}, Status: 200,
				Check: wantDates("2026-02-01T09:00:00Z", "2026-02-02T09:00:00Z")},
			{Name: "a schedule that is over", As: u, Method: "POST", Path: next, Body: map[string]any{"starts_at": "2025-01-01T09:00:00Z", "frequency": "once"}, Status: 200,
				Want: []string{`"dates":[]`}},
			{Name: "default count is 10", As: u, Method: "POST", Path: next, Body: map[string]any{"starts_at": "2026-02-01T09:00:00Z", "frequency": "hourly"}, Status: 200,
				Check: func(t *testing.T, r *apitest.Resp) {
					if n := len(datesOf(t, r)); n != 10 {
						t.Fatalf("%d dates", n)
					}
				}},
			{Name: "100 dates", As: u, Method: "POST", Path: next, Body: map[string]any{"starts_at": "2026-02-01T09:00:00Z", "frequency": "weekly", "count": 100}, Status: 200,
				Check: func(t *testing.T, r *apitest.Resp) {
					if d := datesOf(t, r); len(d) != 100 || d[99] != "2027-12-26T09:00:00Z" {
						t.Fatalf("%d dates, last %v", len(d), d[len(d)-1])
					}
				}},
			{Name: "count over 100", As: u, Method: "POST", Path: next, Body: map[string]any{"starts_at": "2026-02-01T09:00:00Z", "frequency": "daily", "count": 101}, Status: 422,
				Want: []string{`"count":["101 is out of range (1-100)"]`}},
			{Name: "count zero", As: u, Method: "POST", Path: next, Body: map[string]any{"starts_at": "2026-02-01T09:00:00Z", "frequency": "daily", "count": 0}, Status: 422,
				Want: []string{`"count":["0 is out of range (1-100)"]`}},
			{Name: "invalid schedule and count together", As: u, Method: "POST", Path: next, Body: map[string]any{"timezone": "Moon/Base", "frequency": "daily", "count": 500}, Status: 422,
				Want: []string{`"count"`, `"timezone":["unknown time zone 'Moon/Base'`, `"starts_at":["is required"]`}},
			{Name: "first date of a bad rule", As: u, Method: "POST", Path: first, Body: map[string]any{"starts_at": "2026-02-01T09:00:00Z", "rrule": "FREQ=SECONDLY"}, Status: 422,
				Want: []string{`"rrule"`, `SECONDLY`}},
			{Name: "first date of a rule that never runs", As: u, Method: "POST", Path: first, Body: map[string]any{"starts_at": "2026-02-01T09:00:00Z", "rrule": "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30"}, Status: 422,
				Want: []string{`"rrule":["the schedule never runs`}},
			{Name: "a start in the gap is refused", As: u, Method: "POST", Path: first, Body: map[string]any{"timezone": ny, "starts_at": "2026-03-08 02:30:00", "frequency": "daily"}, Status: 422,
				Want: []string{`"starts_at":["'2026-03-08 02:30:00' does not exist in America/New_York`}},
			{Name: "read-only users may preview", As: tr.e.NewUser(tr.c1Admin, tr.c1, "read_only"), Method: "POST", Path: first,
				Body: map[string]any{"starts_at": "2026-02-01T09:00:00Z", "frequency": "once"}, Status: 200, Want: []string{`"first_run_at":"2026-02-01T09:00:00Z"`}},
		})
	})
}

func TestSchedules(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine string) {
		tr := newTree(t, engine)
		tr.e.App.SetClock(func() time.Time { return scheduleClock })
		u := tr.c1User
		var weekly, monthly string
		apitest.Run(t, []apitest.Scenario{
			{Name: "create frequency form", As: u, Method: "POST", Path: "/v2/schedules",
				Body: map[string]any{"name": "Weekly", "timezone": "Europe/Berlin", "starts_at": "2025-12-01 22:00:00", "frequency": "weekly", "by_weekday": []string{"MO", "thursday"}}, Status: 201,
				Want: []string{`"starts_at":"2025-12-01T21:00:00Z"`, `"frequency":"weekly"`, `"interval":1`, `"rrule":null`, `"by_weekday":["MO","thursday"]`,
					`"next_run_at":"2026-01-01T21:00:00Z"`, `"count":null`, `"ends_at":null`},
				Check: func(t *testing.T, r *apitest.Resp) { weekly = r.Str("schedule.id") }},
			{Name: "create rrule form", As: u, Method: "POST", Path: "/v2/schedules",
				Body: map[string]any{"name": "Last Friday", "timezone": "UTC", "starts_at": "2026-01-01T06:00:00Z", "rrule": "FREQ=MONTHLY;BYDAY=-1FR", "count": 12}, Status: 201,
				Want:  []string{`"frequency":null`, `"interval":null`, `"rrule":"FREQ=MONTHLY;BYDAY=-1FR"`, `"count":12`, `"next_run_at":"2026-01-30T06:00:00Z"`},
				Check: func(t *testing.T, r *apitest.Resp) { monthly = r.Str("schedule.id") }},
			{Name: "every bad field named with its value", As: u, Method: "POST", Path: "/v2/schedules",
				Body: map[string]any{"name": "", "timezone": "Europe/Atlantis", "starts_at": "2027-01-01T00:00:00Z", "frequency": "daily", "by_weekday": []string{"XX"}, "by_monthday": []int{32}, "interval": 0}, Status: 422,
				Want: []string{`"name":["can't be blank"]`, `"timezone":["unknown time zone 'Europe/Atlantis'`, `"by_weekday":["'XX' is not a weekday`, `"by_monthday":["32 is out of range`}},
			{Name: "unknown frequency", As: u, Method: "POST", Path: "/v2/schedules", Body: map[string]any{"name": "x", "starts_at": "2027-01-01T00:00:00Z", "frequency": "biweekly"}, Status: 422,
				Want: []string{`"frequency":["'biweekly' is not a frequency`}},
			{Name: "ends before it starts", As: u, Method: "POST", Path: "/v2/schedules", Body: map[string]any{"name": "x", "starts_at": "2027-01-02T00:00:00Z", "ends_at": "2027-01-01T00:00:00Z", "frequency": "daily"}, Status: 422,
				Want: []string{`"ends_at":["2027-01-01T00:00:00Z is before starts_at`}},
			{Name: "both forms", As: u, Method: "POST", Path: "/v2/schedules", Body: map[string]any{"name": "x", "starts_at": "2027-01-02T00:00:00Z", "frequency": "daily", "rrule": "FREQ=DAILY"}, Status: 422,
				Want: []string{`"rrule":["give either rrule or frequency`}},
			{Name: "bad starts_at", As: u, Method: "POST", Path: "/v2/schedules", Body: map[string]any{"name": "x", "starts_at": "tomorrow", "frequency": "daily"}, Status: 422,
				Want: []string{`"starts_at":["'tomorrow' is not a time`}},
			{Name: "wrong type", As: u, Method: "POST", Path: "/v2/schedules", Body: `{"name":"x","starts_at":"2027-01-02T00:00:00Z","frequency":"daily","interval":"2"}`, Status: 422,
				Want: []string{`"interval":["must be an integer, not string"]`}},
			{Name: "read-only users cannot create", As: tr.e.NewUser(tr.c1Admin, tr.c1, "read_only"), Method: "POST", Path: "/v2/schedules",
				Body: map[string]any{"name": "x", "starts_at": "2027-01-02T00:00:00Z", "frequency": "daily"}, Status: 403},
		})
		foreign := tr.c2Admin.Do("POST", "/v2/schedules", map[string]any{"name": "Theirs", "starts_at": "2027-01-02T00:00:00Z", "frequency": "daily"}).Str("schedule.id")
		apitest.Run(t, []apitest.Scenario{
			{Name: "list", As: u, Method: "GET", Path: "/v2/schedules?sort_by=name", Status: 200,
				Want: []string{`"total_count":2`, `"next_run_at":"2026-01-30T06:00:00Z"`}, NotIn: []string{"Theirs"}},
			{Name: "filter by frequency", As: u, Method: "GET", Path: "/v2/schedules?q[frequency]=weekly", Status: 200, Want: []string{`"total_count":1`, `"Weekly"`}},
			{Name: "unknown frequency filter", As: u, Method: "GET", Path: "/v2/schedules?q[frequency]=often", Status: 400},
			{Name: "show", As: u, Method: "GET", Path: "/v2/schedules/" + weekly, Status: 200, Want: []string{`"name":"Weekly"`, `"next_run_at":"2026-01-01T21:00:00Z"`}},
			{Name: "show another organization's", As: u, Method: "GET", Path: "/v2/schedules/" + foreign, Status: 404},
			{Name: "partner admin does not see its customer's", As: tr.pAdmin, Method: "GET", Path: "/v2/schedules/" + weekly, Status: 404},
			{Name: "switch to an rrule", As: u, Method: "PUT", Path: "/v2/schedules/" + weekly, Body: map[string]any{"rrule": "FREQ=DAILY;BYHOUR=12", "name": "Noon"}, Status: 200,
				Want: []string{`"name":"Noon"`, `"frequency":null`, `"by_weekday":[]`, `"rrule":"FREQ=DAILY;BYHOUR=12"`, `"next_run_at":"2026-01-01T11:00:00Z"`}},
			{Name: "invalid update", As: u, Method: "PUT", Path: "/v2/schedules/" + weekly, Body: map[string]any{"timezone": "Nowhere/Land"}, Status: 422,
				Want: []string{`"timezone":["unknown time zone 'Nowhere/Land'`}},
			{Name: "invalid update changed nothing", As: u, Method: "GET", Path: "/v2/schedules/" + weekly, Status: 200, Want: []string{`"timezone":"Europe/Berlin"`}},
			{Name: "lift the count", As: u, Method: "PUT", Path: "/v2/schedules/" + monthly, Body: map[string]any{"count": 0, "ends_at": "2026-06-30 00:00:00"}, Status: 200,
				Want: []string{`"count":null`, `"ends_at":"2026-06-30T00:00:00Z"`}},
			{Name: "update another organization's", As: u, Method: "PUT", Path: "/v2/schedules/" + foreign, Body: map[string]any{"name": "Mine"}, Status: 404},
			{Name: "delete another organization's", As: u, Method: "DELETE", Path: "/v2/schedules/" + foreign, Status: 404},
			{Name: "force is a boolean", As: u, Method: "DELETE", Path: "/v2/schedules/" + weekly + "?force=maybe", Status: 400, Want: []string{`"force"`}},
			{Name: "audit", As: tr.c1Admin, Method: "GET", Path: "/v2/audit/events?q[resource_id]=" + weekly + "&q[action]=schedule.update", Status: 200,
				Want: []string{`"name":["Weekly","Noon"]`, `rrule FREQ=DAILY;BYHOUR=12`}},
			{Name: "delete", As: u, Method: "DELETE", Path: "/v2/schedules/" + weekly + "?force=true", Status: 204},
			{Name: "gone", As: u, Method: "GET", Path: "/v2/schedules/" + weekly, Status: 404},
			{Name: "the other organization's is intact", As: tr.c2Admin, Method: "GET", Path: "/v2/schedules/" + foreign, Status: 200},
		})
	})
}

func TestScheduleBulkDelete(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine string) {
		tr := newTree(t, engine)
		u := tr.c1User
		create := func(c *apitest.Client, name string) string {
			r := c.Do("POST", "/v2/schedules", map[string]any{"name": name, "starts_at": "2030-01-01T00:00:00Z", "frequency": "daily"})
			if r.Status != 201 {
				t.Fatal(r)
			}
			return r.Str("schedule.id")
		}
		a, b, c := create(u, "A"), create(u, "B"), create(u, "C")
		foreign := create(tr.c2Admin, "Theirs")
		target := u.Do("POST", "/v2/targets", map[string]any{"name": "T", "hosts": "10.0.0.1"}).Str("target.id")
		if r := u.Do("POST", "/v2/scans", map[string]any{"name": "On C", "target_id": target, "schedule_id": c}); r.Status != 201 {
			t.Fatalf("scan on schedule C: %s", r)
		}
		apitest.Run(t, []apitest.Scenario{
			{Name: "a schedule in use anywhere", As: u, Method: "DELETE", Path: "/v2/schedules", Body: map[string]any{"ids": []string{a, c}}, Status: 409,
				Want: []string{"used by 1 scan"}},
			{Name: "another organization's id anywhere", As: u, Method: "DELETE", Path: "/v2/schedules", Body: map[string]any{"ids": []string{a, b, foreign}}, Status: 404,
				Want: []string{"nothing was deleted", `"ids[2]"`}},
			{Name: "an unknown id", As: u, Method: "DELETE", Path: "/v2/schedules", Body: map[string]any{"ids": []string{"not-an-id", a}}, Status: 404, Want: []string{`"ids[0]"`}},
			{Name: "nothing was deleted", As: u, Method: "GET", Path: "/v2/schedules", Status: 200, Want: []string{`"total_count":3`}},
			{Name: "no ids", As: u, Method: "DELETE", Path: "/v2/schedules", Body: map[string]any{"ids": []string{}}, Status: 422, Want: []string{`"ids"`}},
			{Name: "no body", As: u, Method: "DELETE", Path: "/v2/schedules", Status: 422, Want: []string{`"ids"`}},
			{Name: "read-only users cannot", As: tr.e.NewUser(tr.c1Admin, tr.c1, "read_only"), Method: "DELETE", Path: "/v2/schedules", Body: map[string]any{"ids": []string{a}}, Status: 403},
			{Name: "bulk, duplicates once", As: u, Method: "DELETE", Path: "/v2/schedules", Body: map[string]any{"ids": []string{a, b, a}}, Status: 200, Want: []string{`{"deleted":2}`}},
			{Name: "what is left", As: u, Method: "GET", Path: "/v2/schedules", Status: 200, Want: []string{`"total_count":1`, c}},
			{Name: "foreign intact", As: tr.c2Admin, Method: "GET", Path: "/v2/schedules/" + foreign, Status: 200},
			{Name: "each deletion audited", As: tr.c1Admin, Method: "GET", Path: "/v2/audit/events?q[action]=schedule.delete", Status: 200,
				Check: func(t *testing.T, r *apitest.Resp) {
					got := strings.Join(ids(r, "events", "resource_id"), " ")
					if !strings.Contains(got, a) || !strings.Contains(got, b) || strings.Contains(got, c) {
						t.Fatalf("deletions audited for %s", got)
					}
				}},
		})
	})
}

// BenchmarkCalculateNextDates measures POST /v2/schedules/calculate_next_dates
// for 100 dates (a twice-weekly schedule in a zone with daylight saving time)
// through the API: authentication, decoding, validation, the recurrence and
// encoding. It reports p50/p99 latency and req/s like BenchmarkListUsers.
//
//	go test -run '^$' -bench CalculateNextDates -benchtime 2000x ./internal/api
//	PERIMETER_TEST_POSTGRES_URL=postgres://… go test -run '^$' -bench CalculateNextDates -benchtime 2000x ./internal/api
func BenchmarkCalculateNextDates(b *testing.B) {
	body := map[string]any{"timezone": "America/New_York", "starts_at": "2026-03-01 09:30:00", "frequency": "weekly",
		"by_weekday": []string{"MO", "TH"}, "count": 100}
	for _, engine := range storetest.Engines() {
		b.Run(engine, func(b *testing.B) {
			e := apitest.New(b, engine)
			do := func(int) {
				r := e.Admin.Do("POST", "/v2/schedules/calculate_next_dates", body)
				if r.Status != 200 || len(datesOf(b, r)) != 100 {
					b.Fatalf("calculate_next_dates: %s", r)
				}
			}
			for i := range 20 {
				do(i)
			}
			b.ResetTimer()
			benchLatency(b, do)
		})
	}
}
