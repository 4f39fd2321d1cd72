package store_test

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/perimeterhq/perimeter/internal/errs"
	"github.com/perimeterhq/perimeter/internal/scanconfig"
	"github.com/perimeterhq/perimeter/internal/schedule"
	"github.com/perimeterhq/perimeter/internal/store"
	"github.com/perimeterhq/perimeter/internal/store/storetest"
)

func TestScheduleRoundTripAndTenancy(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine string) {
		f := newFixture(t, engine)
		ends := t0.Add(90 * 24 * time.Hour)
		count := 12
		next := t0.Add(time.Hour)
		weekly := scanconfig.Schedule{ID: id(201), OrganizationID: f.cus.ID, Name: "Weekly", NextRunAt: &next, CreatedAt: t0, UpdatedAt: t0,
			Spec: schedule.Spec{Timezone: "Europe/Berlin", StartsAt: t0, Frequency: schedule.Weekly, Interval: 2,
				ByWeekday: []string{"MO", "FR"}, EndsAt: &ends, Count: &count}}
		rrule := scanconfig.Schedule{ID: id(202), OrganizationID: f.cus.ID, Name: "Last Friday", CreatedAt: t0.Add(time.Second), UpdatedAt: t0,
			Spec: schedule.Spec{Timezone: "UTC", StartsAt: t0, RRule: "FREQ=MONTHLY;BYDAY=-1FR"}}
		theirs := scanconfig.Schedule{ID: id(203), OrganizationID: f.other.ID, Name: "Theirs", CreatedAt: t0, UpdatedAt: t0,
			Spec: schedule.Spec{Timezone: "UTC", StartsAt: t0, Frequency: schedule.Daily, Interval: 1, ByMonthday: []int{1, -1}}}
		must(t, f.s.Tx(ctx, func(q *store.Q) error {
			for _, s := range []scanconfig.Schedule{weekly, rrule, theirs} {
				if err := q.CreateSchedule(ctx, s); err != nil {
					return err
				}
			}
			return nil
		}))
		r := f.s.R()
		for _, want := range []scanconfig.Schedule{weekly, rrule} {
			got, err := r.FindSchedule(ctx, f.cus.ID, want.ID)
			must(t, err)
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("round trip:\n got %+v %+v\nwant %+v %+v", got, got.Spec, want, want.Spec)
			}
		}
		if _, err := r.FindSchedule(ctx, f.cus.ID, theirs.ID); !errs.Is(err, errs.NotFound) {
			t.Fatalf("another organization's schedule: %v", err)
		}
		list, total, err := r.FindSchedules(ctx, f.cus.ID, params(t, &scanconfig.ScheduleListing, ""))
		must(t, err)
		if total != 2 || list[0].ID != weekly.ID || list[1].ID != rrule.ID {
			t.Fatalf("list = %d %+v", total, list)
		}
		list, _, err = r.FindSchedules(ctx, f.cus.ID, params(t, &scanconfig.ScheduleListing, "q[frequency]=weekly,daily"))
		must(t, err)
		if len(list) != 1 || list[0].ID != weekly.ID {
			t.Fatalf("frequency filter: %+v", list)
		}
		list, _, err = r.FindSchedules(ctx, f.cus.ID, params(t, &scanconfig.ScheduleListing, "q[rrule]=byday"))
		must(t, err)
		if len(list) != 1 || list[0].ID != rrule.ID {
			t.Fatalf("rrule filter: %+v", list)
		}

		// Updates and deletes are the organization's only.
		weekly.Name, weekly.Spec.EndsAt, weekly.Spec.Count, weekly.NextRunAt = "Fortnightly", nil, nil, nil
		weekly.UpdatedAt = t0.Add(time.Minute)
		must(t, f.s.Tx(ctx, func(q *store.Q) error {
			if err := q.UpdateSchedule(ctx, f.cus.ID, weekly); err != nil {
				return err
			}
			if err := q.UpdateSchedule(ctx, f.cus.ID, theirs); !errs.Is(err, errs.NotFound) {
				return fmt.Errorf("update of another organization's schedule: %v", err)
			}
			if err := q.DeleteSchedule(ctx, f.cus.ID, theirs.ID); !errs.Is(err, errs.NotFound) {
				return fmt.Errorf("delete of another organization's schedule: %v", err)
			}
			return nil
		}))
		got, err := r.FindSchedule(ctx, f.cus.ID, weekly.ID)
		must(t, err)
		if !reflect.DeepEqual(got, weekly) {
			t.Fatalf("after update:\n got %+v\nwant %+v", got.Spec, weekly.Spec)
		}
		must(t, f.s.Tx(ctx, func(q *store.Q) error { return q.DeleteSchedule(ctx, f.cus.ID, weekly.ID) }))
		if _, err := r.FindSchedule(ctx, f.cus.ID, weekly.ID); !errs.Is(err, errs.NotFound) {
			t.Fatalf("deleted: %v", err)
		}
		if _, err := r.FindSchedule(ctx, f.other.ID, theirs.ID); err != nil {
			t.Fatalf("the other organization's schedule must survive: %v", err)
		}
	})
}
