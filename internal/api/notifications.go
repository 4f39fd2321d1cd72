package api

import (
	"time"

	"github.com/perimeterhq/perimeter/internal/notify"
)

// NotificationView is an in-app notification as the API shows it.
type NotificationView struct {
	ID           string         `json:"id"`
	Type         string         `json:"type" doc:"the event: scan_completed, vulnerability_found, webhook_deactivated, …"`
	Title        string         `json:"title"`
	Body         string         `json:"body"`
	ResourceType string         `json:"resource_type"`
	ResourceID   string         `json:"resource_id"`
	Data         map[string]any `json:"data" doc:"the event's payload"`
	Read         bool           `json:"read"`
	Seen         bool           `json:"seen"`
	ReadAt       *time.Time     `json:"read_at"`
	SeenAt       *time.Time     `json:"seen_at"`
	CreatedAt    time.Time      `json:"created_at"`
}

func notificationView(n notify.Notification) NotificationView {
	return NotificationView{ID: n.ID, Type: n.Type, Title: n.Title, Body: n.Body, ResourceType: n.ResourceType, ResourceID: n.ResourceID,
		Data: n.Data, Read: n.ReadAt != nil, Seen: n.SeenAt != nil, ReadAt: n.ReadAt, SeenAt: n.SeenAt, CreatedAt: n.CreatedAt}
}

type notificationList struct {
	Notifications []NotificationView `json:"notifications"`
	UnreadCount   int                `json:"unread_count" doc:"all unread notifications of the user, whatever the filters"`
	Pagination    Pagination         `json:"pagination"`
}

type notificationEnvelope struct {
	Notification NotificationView `json:"notification"`
}

type markAllResponse struct {
	Updated     int `json:"updated"`
	UnreadCount int `json:"unread_count"`
}

func (a *API) listNotifications(c *Ctx, _ *NoBody) (*notificationList, error) {
	ns, total, unread, err := a.app.ListNotifications(c.Context(), c.Actor, c.List)
	if err != nil {
		return nil, err
	}
	return &notificationList{Notifications: views(ns, notificationView), UnreadCount: unread, Pagination: pagination(c.List, total)}, nil
}

func (a *API) getNotification(c *Ctx, _ *NoBody) (*notificationEnvelope, error) {
	n, err := a.app.GetNotification(c.Context(), c.Actor, c.Path("id"))
	if err != nil {
		return nil, err
	}
	return &notificationEnvelope{notificationView(n)}, nil
}

func (a *API) deleteNotification(c *Ctx, _ *NoBody) (*Empty, error) {
	return nil, a.app.DeleteNotification(c.Context(), c.Actor, c.Path("id"))
}

func (a *API) readNotification(c *Ctx, _ *NoBody) (*notificationEnvelope, error) {
	n, err := a.app.MarkNotification(c.Context(), c.Actor, c.Path("id"), "read")
	if err != nil {
		return nil, err
	}
	return &notificationEnvelope{notificationView(n)}, nil
}

func (a *API) seeNotification(c *Ctx, _ *NoBody) (*notificationEnvelope, error) {
	n, err := a.app.MarkNotification(c.Context(), c.Actor, c.Path("id"), "seen")
	if err != nil {
		return nil, err
	}
	return &notificationEnvelope{notificationView(n)}, nil
}

func (a *API) markAll(c *Ctx, mark string) (*markAllResponse, error) {
	n, err := a.app.MarkAllNotifications(c.Context(), c.Actor, mark)
	if err != nil {
		return nil, err
	}
	_, _, unread, err := a.app.ListNotifications(c.Context(), c.Actor, c.List)
	return &markAllResponse{Updated: n, UnreadCount: unread}, err
}

func (a *API) readAllNotifications(c *Ctx, _ *NoBody) (*markAllResponse, error) {
	return a.markAll(c, "read")
}

func (a *API) seeAllNotifications(c *Ctx, _ *NoBody) (*markAllResponse, error) {
	return a.markAll(c, "seen")
}

// PreferenceView is the user's channels for one event.
type PreferenceView struct {
	Event string `json:"event"`
	InApp bool   `json:"in_app"`
	Email bool   `json:"email"`
}

func preferenceView(p notify.Preference) PreferenceView {
	return PreferenceView{Event: p.Event, InApp: p.InApp, Email: p.Email}
}

type preferencesResponse struct {
	Preferences []PreferenceView `json:"preferences"`
}

type preferenceEnvelope struct {
	Preference PreferenceView `json:"preference"`
}

type channelRequest struct {
	Channel string `json:"channel" enum:"email,in_app"`
}

func (a *API) notificationPreferences(c *Ctx, _ *NoBody) (*preferencesResponse, error) {
	ps, err := a.app.NotificationPreferences(c.Context(), c.Actor)
	if err != nil {
		return nil, err
	}
	return &preferencesResponse{Preferences: views(ps, preferenceView)}, nil
}

func (a *API) setPreference(c *Ctx, in *channelRequest, enabled bool) (*preferenceEnvelope, error) {
	p, err := a.app.SetNotificationPreference(c.Context(), c.Actor, c.Path("event"), in.Channel, enabled)
	if err != nil {
		return nil, err
	}
	return &preferenceEnvelope{preferenceView(p)}, nil
}

func (a *API) enablePreference(c *Ctx, in *channelRequest) (*preferenceEnvelope, error) {
	return a.setPreference(c, in, true)
}

func (a *API) disablePreference(c *Ctx, in *channelRequest) (*preferenceEnvelope, error) {
	return a.setPreference(c, in, false)
}
