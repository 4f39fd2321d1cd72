package api

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/perimeterhq/perimeter/internal/app"
	"github.com/perimeterhq/perimeter/internal/errs"
	"github.com/perimeterhq/perimeter/internal/exception"
	"github.com/perimeterhq/perimeter/internal/listing"
)

// ExceptionView is an exception as the API shows it.
type ExceptionView struct {
	ID               string     `json:"id"`
	Type             string     `json:"type" enum:"false_positive,accepted_risk,compensating_control"`
	Status           string     `json:"status" enum:"pending,active,expired"`
	CheckID          string     `json:"check_id"`
	Host             string     `json:"host" doc:"empty: every host"`
	Port             *int       `json:"port" doc:"null: every port"`
	Protocol         string     `json:"protocol" enum:"tcp,udp," doc:"empty: any"`
	Reason           string     `json:"reason"`
	ExpiresAt        *time.Time `json:"expires_at"`
	FindingsCovered  int        `json:"findings_covered" doc:"findings it covers now (active exceptions only)"`
	CreatedBy        string     `json:"created_by"`
	ActivatedBy      string     `json:"activated_by"`
	ActivatedAt      *time.Time `json:"activated_at"`
	ExpiredAt        *time.Time `json:"expired_at"`
	CreatedAt        time.Time  `json:"created_at"`
	UpdatedAt        time.Time  `json:"updated_at"`
	FindingStatusSet string     `json:"finding_status" enum:"false_positive,accepted" doc:"the status covered findings take"`
}

func exceptionView(e exception.Exception) ExceptionView {
	return ExceptionView{ID: e.ID, Type: e.Type, Status: e.Status, CheckID: e.CheckID, Host: e.Host, Port: e.Port,
		Protocol: e.Protocol, Reason: e.Reason, ExpiresAt: e.ExpiresAt, FindingsCovered: e.Findings, CreatedBy: e.CreatedBy,
		ActivatedBy: e.ActivatedBy, ActivatedAt: e.ActivatedAt, ExpiredAt: e.ExpiredAt, CreatedAt: e.CreatedAt,
		UpdatedAt: e.UpdatedAt, FindingStatusSet: e.FindingStatus()}
}

type exceptionList struct {
	Exceptions []ExceptionView `json:"exceptions"`
	Pagination Pagination      `json:"pagination"`
}

type exceptionEnvelope struct {
	Exception ExceptionView `json:"exception"`
}

type exceptionsEnvelope struct {
	Exceptions []ExceptionView `json:"exceptions"`
}

type exceptionDetails struct {
	Exception       ExceptionView       `json:"exception"`
	Vulnerabilities []VulnerabilityView `json:"vulnerabilities" doc:"the findings it covers now, worst first (at most 1000; exception.findings_covered is the count)"`
}

// exceptionRequest is the body of create and update. port and expires_at may
// be null (every port; no expiry), so they are read raw.
type exceptionRequest struct {
	Type            *string         `json:"type,omitempty" enum:"false_positive,accepted_risk,compensating_control"`
	CheckID         *string         `json:"check_id,omitempty" doc:"the check the exception applies to (e.g. cve:CVE-2021-44228); required unless vulnerability_id is given"`
	Host            *string         `json:"host,omitempty" doc:"one IP address or hostname; empty: every host"`
	Port            json.RawMessage `json:"port,omitempty" doc:"integer 0–65535, or null for every port"`
	Protocol        *string         `json:"protocol,omitempty" enum:"tcp,udp,"`
	Reason          *string         `json:"reason,omitempty"`
	ExpiresAt       json.RawMessage `json:"expires_at,omitempty" doc:"RFC 3339 or YYYY-MM-DD hh:mm:ss (UTC), in the future; null: never"`
	VulnerabilityID string          `json:"vulnerability_id,omitempty" doc:"create only: scope the exception to this finding's check, host, port and protocol"`
	Activate        bool            `json:"activate,omitempty" doc:"create only: activate at once (admins; others create pending exceptions)"`
}

func (r exceptionRequest) update() (exception.Update, error) {
	up := exception.Update{Type: r.Type, CheckID: r.CheckID, Host: r.Host, Protocol: r.Protocol, Reason: r.Reason}
	if r.Port != nil {
		p, err := nullableInt(r.Port, "port")
		if err != nil {
			return up, err
		}
		up.Port = &p
	}
	if r.ExpiresAt != nil {
		t, err := nullableTime(r.ExpiresAt, "expires_at")
		if err != nil {
			return up, err
		}
		up.ExpiresAt = &t
	}
	return up, nil
}

func isNull(raw json.RawMessage) bool { return bytes.Equal(bytes.TrimSpace(raw), []byte("null")) }

func nullableInt(raw json.RawMessage, field string) (*int, error) {
	if isNull(raw) {
		return nil, nil
	}
	n, err := strconv.Atoi(string(bytes.TrimSpace(raw)))
	if err != nil {
		return nil, errs.Field(field, "must be an integer or null")
	}
	return &n, nil
}

func nullableTime(raw json.RawMessage, field string) (*time.Time, error) {
	if isNull(raw) {
		return nil, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, errs.Field(field, "must be a date-time string or null")
	}
	if t, ok := listing.ParseTime(strings.TrimSpace(s)); ok {
		return &t, nil
	}
	return nil, errs.Field(field, "'%s' is not a date-time (RFC 3339 or YYYY-MM-DD hh:mm:ss)", s)
}

type idsRequest struct {
	IDs []string `json:"ids" doc:"exception ids; all or nothing"`
}

func (a *API) listExceptions(c *Ctx, _ *NoBody) (*exceptionList, error) {
	es, total, err := a.app.ListExceptions(c.Context(), c.Actor, c.List)
	if err != nil {
		return nil, err
	}
	return &exceptionList{Exceptions: views(es, exceptionView), Pagination: pagination(c.List, total)}, nil
}

func (a *API) createException(c *Ctx, in *exceptionRequest) (*exceptionEnvelope, error) {
	up, err := in.update()
	if err != nil {
		return nil, err
	}
	e, err := a.app.CreateException(c.Context(), c.Actor, app.NewException{Exception: up.Apply(exception.Exception{}),
		VulnerabilityID: in.VulnerabilityID, Activate: in.Activate})
	if err != nil {
		return nil, err
	}
	return &exceptionEnvelope{exceptionView(e)}, nil
}

func (a *API) getException(c *Ctx, _ *NoBody) (*exceptionEnvelope, error) {
	e, err := a.app.GetException(c.Context(), c.Actor, c.Path("id"))
	if err != nil {
		return nil, err
	}
	return &exceptionEnvelope{exceptionView(e)}, nil
}

func (a *API) exceptionDetails(c *Ctx, _ *NoBody) (*exceptionDetails, error) {
	e, fs, err := a.app.ExceptionDetails(c.Context(), c.Actor, c.Path("id"))
	if err != nil {
		return nil, err
	}
	return &exceptionDetails{Exception: exceptionView(e), Vulnerabilities: views(fs, vulnerabilityView)}, nil
}

func (a *API) updateException(c *Ctx, in *exceptionRequest) (*exceptionEnvelope, error) {
	up, err := in.update()
	if err != nil {
		return nil, err
	}
	e, err := a.app.UpdateException(c.Context(), c.Actor, c.Path("id"), up)
	if err != nil {
		return nil, err
	}
	return &exceptionEnvelope{exceptionView(e)}, nil
}

func (a *API) deleteException(c *Ctx, _ *NoBody) (*Empty, error) {
	return nil, a.app.DeleteException(c.Context(), c.Actor, c.Path("id"))
}

func (a *API) deleteExceptions(c *Ctx, in *BulkDeleteRequest) (*BulkDeleteResponse, error) {
	n, err := a.app.DeleteExceptions(c.Context(), c.Actor, in.IDs)
	if err != nil {
		return nil, err
	}
	return &BulkDeleteResponse{Deleted: n}, nil
}

func (a *API) activateExceptions(c *Ctx, in *idsRequest) (*exceptionsEnvelope, error) {
	es, err := a.app.ActivateExceptions(c.Context(), c.Actor, in.IDs)
	if err != nil {
		return nil, err
	}
	return &exceptionsEnvelope{views(es, exceptionView)}, nil
}

func (a *API) resetExceptions(c *Ctx, in *idsRequest) (*exceptionsEnvelope, error) {
	es, err := a.app.ResetExceptions(c.Context(), c.Actor, in.IDs)
	if err != nil {
		return nil, err
	}
	return &exceptionsEnvelope{views(es, exceptionView)}, nil
}

type exceptionStatistics struct {
	Total            int            `json:"total"`
	ByStatus         map[string]int `json:"by_status" doc:"pending, active, expired"`
	ByType           map[string]int `json:"by_type" doc:"false_positive, accepted_risk, compensating_control"`
	FindingsCovered  int            `json:"findings_covered" doc:"findings covered by active exceptions now"`
	ExpiringSoon     int            `json:"expiring_soon" doc:"active exceptions expiring within expiring_soon_days"`
	ExpiringSoonDays int            `json:"expiring_soon_days"`
}

func (a *API) exceptionStatistics(c *Ctx, _ *NoBody) (*exceptionStatistics, error) {
	st, err := a.app.ExceptionStatistics(c.Context(), c.Actor)
	if err != nil {
		return nil, err
	}
	out := &exceptionStatistics{ByStatus: st.ByStatus, ByType: st.ByType, FindingsCovered: st.Covered,
		ExpiringSoon: st.ExpiringSoon, ExpiringSoonDays: int(app.ExpiringSoon / (24 * time.Hour))}
	for _, n := range st.ByStatus {
		out.Total += n
	}
	return out, nil
}
