package app

import (
	"context"
	"slices"
	"strings"

	"github.com/perimeterhq/perimeter/internal/errs"
	"github.com/perimeterhq/perimeter/internal/listing"
	"github.com/perimeterhq/perimeter/internal/notify"
	"github.com/perimeterhq/perimeter/internal/store"
)

// Notifications are the caller's own, in their current organization: nobody
// reads or changes another user's, whatever their role.

// ListNotifications lists the caller's notifications and counts the unread ones.
func (a *App) ListNotifications(ctx context.Context, act *Actor, p listing.Params) ([]notify.Notification, int, int, error) {
	if err := act.can("notifications", "read"); err != nil {
		return nil, 0, 0, err
	}
	ns, total, err := a.store.R().FindNotifications(ctx, act.Org.ID, act.User.ID, p)
	if err != nil {
		return nil, 0, 0, err
	}
	unread, err := a.store.R().CountUnread(ctx, act.Org.ID, act.User.ID)
	return ns, total, unread, err
}

// GetNotification returns one of the caller's notifications.
func (a *App) GetNotification(ctx context.Context, act *Actor, id string) (notify.Notification, error) {
	if err := act.can("notifications", "read"); err != nil {
		return notify.Notification{}, err
	}
	return a.store.R().FindNotification(ctx, act.Org.ID, act.User.ID, id)
}

// DeleteNotification deletes one of the caller's notifications.
func (a *App) DeleteNotification(ctx context.Context, act *Actor, id string) error {
	if err := act.can("notifications", "write"); err != nil {
		return err
	}
	return a.store.Tx(ctx, func(q *store.Q) error {
		if err := q.DeleteNotification(ctx, act.Org.ID, act.User.ID, id); err != nil {
			return err
		}
		return a.record(ctx, q, act, "", "notification.delete", "notification", id, nil)
	})
}

// MarkNotification marks one of the caller's notifications read or seen
// ("read" also marks it seen) and returns it.
func (a *App) MarkNotification(ctx context.Context, act *Actor, id, mark string) (notify.Notification, error) {
	if err := act.can("notifications", "write"); err != nil {
		return notify.Notification{}, err
	}
	var n notify.Notification
	err := a.store.Tx(ctx, func(q *store.Q) error {
		if _, err := q.FindNotification(ctx, act.Org.ID, act.User.ID, id); err != nil {
			return err
		}
		changed, err := q.MarkNotifications(ctx, act.Org.ID, act.User.ID, id, mark, a.now())
		if err != nil {
			return err
		}
		if n, err = q.FindNotification(ctx, act.Org.ID, act.User.ID, id); err != nil || changed == 0 {
			return err
		}
		return a.record(ctx, q, act, "", "notification."+mark, "notification", id, nil)
	})
	return n, err
}

// MarkAllNotifications marks every notification of the caller read or seen;
// it returns how many changed.
func (a *App) MarkAllNotifications(ctx context.Context, act *Actor, mark string) (int, error) {
	if err := act.can("notifications", "write"); err != nil {
		return 0, err
	}
	var n int
	err := a.store.Tx(ctx, func(q *store.Q) error {
		var err error
		if n, err = q.MarkNotifications(ctx, act.Org.ID, act.User.ID, "", mark, a.now()); err != nil || n == 0 {
			return err
		}
		return a.record(ctx, q, act, "", "notification."+mark+"_all", "notification", "", map[string]any{"count": n})
	})
	return n, err
}

// NotificationPreferences returns the caller's channels for every event.
func (a *App) NotificationPreferences(ctx context.Context, act *Actor) ([]notify.Preference, error) {
	stored, err := a.store.R().NotificationPreferences(ctx, act.User.ID)
	if err != nil {
		return nil, err
	}
	return notify.Preferences(stored), nil
}

// SetNotificationPreference turns a channel on or off for an event and
// returns the event's preference. An unknown event is a 404 (the path names
// nothing); an unknown channel a 422.
func (a *App) SetNotificationPreference(ctx context.Context, act *Actor, event, channel string, enabled bool) (notify.Preference, error) {
	if !notify.IsEvent(event) {
		return notify.Preference{}, errs.New(errs.NotFound, "Notification event '%s' not found (events: %s)", event, strings.Join(notify.Events, ", "))
	}
	if !slices.Contains(notify.Channels, channel) {
		return notify.Preference{}, errs.Field("channel", "'%s' is not one of: %s", channel, strings.Join(notify.Channels, ", "))
	}
	err := a.store.Tx(ctx, func(q *store.Q) error {
		if err := q.SetNotificationPreference(ctx, act.User.ID, event, channel, enabled, a.now()); err != nil {
			return err
		}
		return a.record(ctx, q, act, "", "notification_preference.update", "user", act.User.ID,
			map[string]any{"event": event, "channel": channel, "enabled": enabled})
	})
	if err != nil {
		return notify.Preference{}, err
	}
	prefs, err := a.NotificationPreferences(ctx, act)
	for _, p := range prefs {
		if p.Event == event {
			return p, err
		}
	}
	return notify.Preference{}, err
}
