// Package schedule computes when a scan schedule runs. It is pure: no I/O, no
// clock (callers pass "after"), and the zone database is compiled in
// (time/tzdata), so results do not depend on the host.
//
// A Spec comes in one of two forms (API.md §2.7):
//
//   - Frequency form: once, hourly, daily, weekly, monthly, quarterly (every 3
//     months) or yearly, every Interval periods (1-1000), optionally with
//     ByWeekday (hourly and daily: only on those days; weekly: the days of
//     the week to run, default the weekday of starts_at) and ByMonthday
//     (hourly and daily: only on those days; monthly, quarterly, yearly: the
//     days to run, default the day of starts_at). For rules such as "the
//     first Monday of the month" use the RRULE form.
//   - RRULE form: an RFC 5545 recurrence rule, "FREQ=MONTHLY;BYDAY=-1FR" or
//     "RRULE:FREQ=...". Supported parts: FREQ (HOURLY, DAILY, WEEKLY, MONTHLY,
//     YEARLY — scans do not run every minute), INTERVAL, COUNT, UNTIL, BYMONTH,
//     BYWEEKNO, BYYEARDAY, BYMONTHDAY, BYDAY (with ordinals), BYHOUR,
//     BYMINUTE, BYSECOND (one value), BYSETPOS and WKST, with RFC 5545's
//     rules on which go together. The start comes from starts_at and the zone
//     from timezone, never from DTSTART.
//
// Everything is computed on the wall clock of the schedule's IANA zone; the
// results are instants in UTC. starts_at is the earliest possible run (its
// sub-second part is dropped); it is itself a run only if the rule matches
// it. count counts runs from starts_at; ends_at and UNTIL are inclusive. When
// both a Spec field and the rule give a limit, the stricter one holds.
//
// Days that do not exist in a month: the frequency form clamps — monthly on
// the 31st runs on 28/29 February, 30 April and 31 May; yearly on 29
// February runs on 28 February in other years — because that is what people
// mean by "monthly on the 31st" (and what billing systems do). The RRULE form
// follows RFC 5545 and skips such months: FREQ=MONTHLY;BYMONTHDAY=31 runs only
// in months with 31 days. Use BYMONTHDAY=-1 for "the last day".
//
// Daylight saving time:
//
//   - Date-based rules (daily and longer, both forms) run once per matching
//     date. A wall time that does not exist that day (02:30 when New York
//     springs forward) is read with the offset before the gap, as RFC 5545
//     §3.3.5 says: 02:30 EST, which clocks show as 03:30 EDT. A wall time
//     that happens twice (01:30 when clocks fall back) runs at the first one
//     only. Two wall times of one day that land on the same instant this way
//     run once.
//   - Hourly in the frequency form counts elapsed hours from starts_at:
//     runs are always exactly Interval hours apart, so a change of clocks
//     neither repeats nor skips a run. The local minute can shift where the
//     change is not a whole hour (Lord Howe: 01:00 then 01:30).
//   - FREQ=HOURLY in the RRULE form follows the wall clock: it runs at every
//     real instant that shows a matching wall time, so the repeated hour runs
//     twice (they are two real hours) and the skipped hour not at all.
//
// Every computation is bounded: a rule that never matches (30 February, odd
// hours every two hours) gives up after examining searchLimit days or hours
// without a run, and nothing is computed past the year 9999. Validate reports
// such rules. This is also why the package has its own engine rather than
// github.com/teambition/rrule-go v1.8.2: that library maps a nonexistent
// 02:30 to 01:30 (before the gap) and loops forever on
// FREQ=HOURLY;INTERVAL=2;BYHOUR=1.
package schedule
