package api

import (
	"time"

	"github.com/perimeterhq/perimeter/internal/app"
	"github.com/perimeterhq/perimeter/internal/scanconfig"
)

// ScannerView is a scanner as the API shows it (never its token).
type ScannerView struct {
	ID          string     `json:"id"`
	Name        string     `json:"name"`
	Description string     `json:"description"`
	AppType     string     `json:"app_type" enum:"builtin,agent,nmap,openvas"`
	Status      string     `json:"status" enum:"active,inactive"`
	Host        string     `json:"host" doc:"openvas: the GMP manager's address"`
	Port        int        `json:"port" doc:"openvas: the GMP manager's port"`
	Path        string     `json:"path" doc:"nmap: the binary ('' = nmap on PATH)"`
	Username    string     `json:"username" doc:"openvas: the GMP user scans log in as"`
	PasswordSet bool       `json:"password_set" doc:"openvas: whether a GMP password is stored (it is never shown)"`
	CACert      string     `json:"ca_cert" doc:"openvas: PEM CA the manager's certificate is verified with ('' = system roots)"`
	InsecureTLS bool       `json:"insecure_skip_verify" doc:"openvas: the manager's certificate is not verified"`
	Version     string     `json:"version" doc:"as reported by the last successful verification or agent heartbeat"`
	LastSeenAt  *time.Time `json:"last_seen_at"`
	VerifiedAt  *time.Time `json:"verified_at"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
	Token       string     `json:"token,omitempty" doc:"agent token, present only in the response that issued it"`
}

func scannerView(s scanconfig.Scanner) ScannerView {
	return ScannerView{ID: s.ID, Name: s.Name, Description: s.Description, AppType: s.AppType, Status: s.Status,
		Host: s.Host, Port: s.Port, Path: s.Path, Username: s.Username, PasswordSet: s.PasswordSealed != "", CACert: s.CACert,
		InsecureTLS: s.InsecureSkipVerify, Version: s.Version, LastSeenAt: s.LastSeenAt, VerifiedAt: s.VerifiedAt,
		CreatedAt: s.CreatedAt, UpdatedAt: s.UpdatedAt}
}

func scannerWithToken(s app.ScannerWithToken) *scannerEnvelope {
	v := scannerView(s.Scanner)
	v.Token = s.Token
	return &scannerEnvelope{v}
}

type scannerList struct {
	Scanners   []ScannerView `json:"scanners"`
	Pagination Pagination    `json:"pagination"`
}

type scannerEnvelope struct {
	Scanner ScannerView `json:"scanner"`
}

type scannerRequest struct {
	Name        *string `json:"name,omitempty"`
	Description *string `json:"description,omitempty"`
	AppType     string  `json:"app_type,omitempty" enum:"builtin,agent,nmap,openvas" doc:"create only; then PUT /app_type"`
	Host        *string `json:"host,omitempty"`
	Port        *int    `json:"port,omitempty"`
	Path        *string `json:"path,omitempty"`
	Username    *string `json:"username,omitempty" doc:"openvas: the GMP user"`
	Password    *string `json:"password,omitempty" doc:"openvas: the GMP user's password; write-only, stored encrypted, never returned ('' clears it)"`
	CACert      *string `json:"ca_cert,omitempty" doc:"openvas: PEM CA certificate(s) to verify the manager with ('' = system roots)"`
	InsecureTLS *bool   `json:"insecure_skip_verify,omitempty" doc:"openvas: do not verify the manager's certificate (labs only)"`
}

func (r scannerRequest) update() scanconfig.ScannerUpdate {
	return scanconfig.ScannerUpdate{Name: r.Name, Description: r.Description, Host: r.Host, Port: r.Port, Path: r.Path,
		Username: r.Username, Password: r.Password, CACert: r.CACert, InsecureSkipVerify: r.InsecureTLS}
}

func (a *API) listScanners(c *Ctx, _ *NoBody) (*scannerList, error) {
	return a.scannerList(c, false)
}

func (a *API) listActiveScanners(c *Ctx, _ *NoBody) (*scannerList, error) {
	return a.scannerList(c, true)
}

func (a *API) scannerList(c *Ctx, active bool) (*scannerList, error) {
	ss, total, err := a.app.ListScanners(c.Context(), c.Actor, active, c.List)
	if err != nil {
		return nil, err
	}
	return &scannerList{Scanners: views(ss, scannerView), Pagination: pagination(c.List, total)}, nil
}

func (a *API) createScanner(c *Ctx, in *scannerRequest) (*scannerEnvelope, error) {
	s := in.update().Apply(scanconfig.Scanner{AppType: in.AppType})
	password := ""
	if in.Password != nil {
		password = *in.Password
	}
	out, err := a.app.CreateScanner(c.Context(), c.Actor, s, password)
	if err != nil {
		return nil, err
	}
	return scannerWithToken(out), nil
}

func (a *API) getScanner(c *Ctx, _ *NoBody) (*scannerEnvelope, error) {
	s, err := a.app.GetScanner(c.Context(), c.Actor, c.Path("id"))
	if err != nil {
		return nil, err
	}
	return &scannerEnvelope{scannerView(s)}, nil
}

func (a *API) updateScanner(c *Ctx, in *scannerRequest) (*scannerEnvelope, error) {
	s, err := a.app.UpdateScanner(c.Context(), c.Actor, c.Path("id"), in.update())
	if err != nil {
		return nil, err
	}
	return &scannerEnvelope{scannerView(s)}, nil
}

func (a *API) deleteScanner(c *Ctx, _ *NoBody) (*Empty, error) {
	return nil, a.app.DeleteScanner(c.Context(), c.Actor, c.Path("id"))
}

func (a *API) activateScanner(c *Ctx, _ *NoBody) (*scannerEnvelope, error) {
	s, err := a.app.SetScannerStatus(c.Context(), c.Actor, c.Path("id"), true)
	if err != nil {
		return nil, err
	}
	return &scannerEnvelope{scannerView(s)}, nil
}

func (a *API) deactivateScanner(c *Ctx, _ *NoBody) (*scannerEnvelope, error) {
	s, err := a.app.SetScannerStatus(c.Context(), c.Actor, c.Path("id"), false)
	if err != nil {
		return nil, err
	}
	return &scannerEnvelope{scannerView(s)}, nil
}

type appTypeRequest struct {
	AppType string `json:"app_type" enum:"builtin,agent,nmap,openvas"`
}

func (a *API) setScannerAppType(c *Ctx, in *appTypeRequest) (*scannerEnvelope, error) {
	out, err := a.app.SetScannerAppType(c.Context(), c.Actor, c.Path("id"), in.AppType)
	if err != nil {
		return nil, err
	}
	return scannerWithToken(out), nil
}

type assignRequest struct {
	OrganizationID string `json:"organization_id"`
}

func (a *API) assignScanner(c *Ctx, in *assignRequest) (*scannerEnvelope, error) {
	s, err := a.app.AssignScanner(c.Context(), c.Actor, c.Path("id"), in.OrganizationID)
	if err != nil {
		return nil, err
	}
	return &scannerEnvelope{scannerView(s)}, nil
}

type verifyResponse struct {
	Verified  bool   `json:"verified"`
	Version   string `json:"version"`
	LatencyMS int64  `json:"latency_ms"`
	Error     string `json:"error,omitempty" doc:"why verification failed"`
}

func (a *API) verifyScanner(c *Ctx, _ *NoBody) (*verifyResponse, error) {
	v, err := a.app.VerifyScanner(c.Context(), c.Actor, c.Path("id"))
	if err != nil {
		return nil, err
	}
	return &verifyResponse{Verified: v.Verified, Version: v.Version, LatencyMS: v.LatencyMS, Error: v.Error}, nil
}
