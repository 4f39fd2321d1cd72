package app

import (
	"context"

	"github.com/perimeterhq/perimeter/internal/audit"
	"github.com/perimeterhq/perimeter/internal/errs"
	"github.com/perimeterhq/perimeter/internal/listing"
	"github.com/perimeterhq/perimeter/internal/scanconfig"
	"github.com/perimeterhq/perimeter/internal/secret"
	"github.com/perimeterhq/perimeter/internal/store"
	"github.com/perimeterhq/perimeter/internal/tenant"
	"github.com/perimeterhq/perimeter/internal/user"
)

// ScannerWithToken is a scanner and, when one was just issued, its agent token
// (shown once; only its hash is stored).
type ScannerWithToken struct {
	scanconfig.Scanner
	Token string
}

// builtinScanner is the scanner every organization starts with.
func (a *App) builtinScanner(ctx context.Context, q *store.Q, orgID string) error {
	now := a.now()
	return q.CreateScanner(ctx, scanconfig.Scanner{ID: newID(), OrganizationID: orgID, Name: "Built-in scanner",
		Description: "The in-process Perimeter engine", AppType: scanconfig.AppBuiltin, Status: scanconfig.ScannerActive,
		CreatedAt: now, UpdatedAt: now}, "")
}

// CreateScanner adds a scanner to the caller's organization. Agent scanners get
// a token, returned once. password, when not empty, is an openvas scanner's
// GMP password: it is sealed at rest and never returned.
func (a *App) CreateScanner(ctx context.Context, act *Actor, s scanconfig.Scanner, password string) (ScannerWithToken, error) {
	if err := act.can("scanners", "write"); err != nil {
		return ScannerWithToken{}, err
	}
	now := a.now()
	s.ID, s.OrganizationID, s.CreatedAt, s.UpdatedAt = newID(), act.Org.ID, now, now
	if s.Status == "" {
		s.Status = scanconfig.ScannerActive
	}
	if err := a.setGMPPassword(&s, &password); err != nil {
		return ScannerWithToken{}, err
	}
	if err := s.Validate(); err != nil {
		return ScannerWithToken{}, err
	}
	out := ScannerWithToken{Scanner: s}
	hash := ""
	if s.AppType == scanconfig.AppAgent {
		out.Token = secret.NewToken(secret.PrefixScanner)
		hash = secret.Hash(out.Token)
	}
	err := a.store.Tx(ctx, func(q *store.Q) error {
		if err := q.CreateScanner(ctx, s, hash); err != nil {
			return err
		}
		return a.record(ctx, q, act, "", "scanner.create", "scanner", s.ID, map[string]any{"name": s.Name, "app_type": s.AppType,
			"username": s.Username, "password_set": s.PasswordSealed != ""})
	})
	return out, err
}

// setGMPPassword seals a GMP password given in clear into s (nil: unchanged;
// "": cleared). The clear text goes nowhere else: not to the audit log, not
// to errors.
func (a *App) setGMPPassword(s *scanconfig.Scanner, password *string) error {
	if password == nil {
		return nil
	}
	if err := scanconfig.ValidateGMPPassword(*password); err != nil {
		return err
	}
	if *password == "" {
		s.PasswordSealed = ""
		return nil
	}
	s.PasswordSealed = a.hooks.box.Seal(*password)
	return nil
}

// GetScanner returns a scanner of the caller's organization.
func (a *App) GetScanner(ctx context.Context, act *Actor, id string) (scanconfig.Scanner, error) {
	if err := act.can("scanners", "read"); err != nil {
		return scanconfig.Scanner{}, err
	}
	return a.store.R().FindScanner(ctx, act.Org.ID, id)
}

// ListScanners lists the caller's organization's scanners; activeOnly keeps the
// active ones.
func (a *App) ListScanners(ctx context.Context, act *Actor, activeOnly bool, p listing.Params) ([]scanconfig.Scanner, int, error) {
	if err := act.can("scanners", "read"); err != nil {
		return nil, 0, err
	}
	if activeOnly {
		p.Filters = append(p.Filters, listing.Filter{Column: mustColumn(&scanconfig.ScannerList, "status"), Op: listing.OpIn,
			Values: []string{scanconfig.ScannerActive}})
	}
	return a.store.R().FindScanners(ctx, act.Org.ID, p)
}

func mustColumn(spec *listing.Spec, name string) listing.Column {
	c, ok := spec.Column(name)
	if !ok {
		panic("app: list spec has no column " + name)
	}
	return c
}

// changeScanner loads a scanner of the caller's organization, applies fn, and
// saves and audits the result in one transaction. tokenHash, when fn sets it,
// replaces the agent token.
func (a *App) changeScanner(ctx context.Context, act *Actor, id, action string, fn func(s *scanconfig.Scanner, token *string) error) (ScannerWithToken, error) {
	if err := act.can("scanners", "write"); err != nil {
		return ScannerWithToken{}, err
	}
	var out ScannerWithToken
	err := a.store.Tx(ctx, func(q *store.Q) error {
		old, err := q.FindScanner(ctx, act.Org.ID, id)
		if err != nil {
			return err
		}
		s := old
		var token *string
		if err := fn(&s, &out.Token); err != nil {
			return err
		}
		if err := s.Validate(); err != nil {
			return err
		}
		if out.Token != "" {
			h := secret.Hash(out.Token)
			token = &h
		} else if s.AppType != scanconfig.AppAgent && old.AppType == scanconfig.AppAgent {
			empty := ""
			token = &empty // no longer an agent: its token stops working
		}
		s.UpdatedAt = a.now()
		if err := q.UpdateScanner(ctx, old.OrganizationID, s, token); err != nil {
			return err
		}
		out.Scanner = s
		d := audit.Diff{}
		for _, c := range [][3]string{{"name", old.Name, s.Name}, {"description", old.Description, s.Description},
			{"app_type", old.AppType, s.AppType}, {"status", old.Status, s.Status}, {"host", old.Host, s.Host},
			{"path", old.Path, s.Path}, {"organization_id", old.OrganizationID, s.OrganizationID},
			{"username", old.Username, s.Username}} {
			d.Set(c[0], c[1], c[2])
		}
		d.Set("port", old.Port, s.Port)
		d.Set("insecure_skip_verify", old.InsecureSkipVerify, s.InsecureSkipVerify)
		if old.CACert != s.CACert {
			d["ca_cert"] = "changed" // a public certificate, but up to 64 KiB
		}
		if old.PasswordSealed != s.PasswordSealed {
			d["password"] = "changed" // never the value, sealed or not
		}
		if out.Token != "" {
			d["token"] = "issued"
		}
		return a.record(ctx, q, act, old.OrganizationID, action, "scanner", s.ID, d)
	})
	return out, err
}

// UpdateScanner changes a scanner's name, description and connection settings.
func (a *App) UpdateScanner(ctx context.Context, act *Actor, id string, up scanconfig.ScannerUpdate) (scanconfig.Scanner, error) {
	out, err := a.changeScanner(ctx, act, id, "scanner.update", func(s *scanconfig.Scanner, _ *string) error {
		*s = up.Apply(*s)
		return a.setGMPPassword(s, up.Password)
	})
	return out.Scanner, err
}

// SetScannerStatus activates or deactivates a scanner.
func (a *App) SetScannerStatus(ctx context.Context, act *Actor, id string, active bool) (scanconfig.Scanner, error) {
	status, action := scanconfig.ScannerInactive, "scanner.deactivate"
	if active {
		status, action = scanconfig.ScannerActive, "scanner.activate"
	}
	out, err := a.changeScanner(ctx, act, id, action, func(s *scanconfig.Scanner, _ *string) error {
		s.Status = status
		return nil
	})
	return out.Scanner, err
}

// SetScannerAppType changes which engine a scanner is. Becoming an agent issues a
// new token (returned once); leaving agent revokes the token.
func (a *App) SetScannerAppType(ctx context.Context, act *Actor, id, appType string) (ScannerWithToken, error) {
	if !scanconfig.ValidAppType(appType) {
		return ScannerWithToken{}, errs.Field("app_type", "'%s' is not one of: builtin, agent, nmap, openvas", appType)
	}
	return a.changeScanner(ctx, act, id, "scanner.app_type", func(s *scanconfig.Scanner, token *string) error {
		if appType == scanconfig.AppAgent && s.AppType != scanconfig.AppAgent {
			*token = secret.NewToken(secret.PrefixScanner)
		}
		s.AppType = appType
		s.Version, s.VerifiedAt = "", nil // what was verified was another engine
		return nil
	})
}

// AssignScanner moves a scanner to another organization: a superadmin to any, a
// partner's admin to one of its customers only.
func (a *App) AssignScanner(ctx context.Context, act *Actor, id, orgID string) (scanconfig.Scanner, error) {
	if act.User.Role != user.RoleSuperadmin && !(act.User.IsAdmin() && act.Org.Kind == tenant.KindPartner) {
		return scanconfig.Scanner{}, errs.New(errs.Forbidden, "Only a superadmin or a partner's admin assigns scanners")
	}
	if orgID == "" {
		return scanconfig.Scanner{}, errs.Field("organization_id", "can't be blank")
	}
	var target tenant.Organization
	out, err := a.changeScanner(ctx, act, id, "scanner.assign", func(s *scanconfig.Scanner, _ *string) error {
		var err error
		target, err = a.store.R().FindOrganization(ctx, act.ManagedScope(), orgID)
		if errs.Is(err, errs.NotFound) || (err == nil && act.User.Role != user.RoleSuperadmin && target.ID == act.Org.ID) {
			return errs.Field("organization_id", "organization '%s' not found among your customers", orgID)
		}
		if err != nil {
			return err
		}
		s.OrganizationID = target.ID
		return nil
	})
	if err == nil {
		err = a.store.Tx(ctx, func(q *store.Q) error {
			return a.record(ctx, q, act, target.ID, "scanner.assigned", "scanner", id, map[string]any{"from": act.Org.ID})
		})
	}
	return out.Scanner, err
}

// DeleteScanner removes a scanner of the caller's organization. Built-in
// scanners stay: every organization keeps its in-process engine.
func (a *App) DeleteScanner(ctx context.Context, act *Actor, id string) error {
	if err := act.can("scanners", "write"); err != nil {
		return err
	}
	return a.store.Tx(ctx, func(q *store.Q) error {
		s, err := q.FindScanner(ctx, act.Org.ID, id)
		if err != nil {
			return err
		}
		if s.AppType == scanconfig.AppBuiltin {
			return errs.New(errs.Forbidden, "The built-in scanner cannot be deleted; deactivate it instead")
		}
		if n, err := q.CountScansUsing(ctx, act.Org.ID, "scanner_id", id, false); err != nil {
			return err
		} else if n > 0 {
			return errs.New(errs.Conflict, "Scanner '%s' is used by %d scan(s); give them another scanner first", s.Name, n)
		}
		if err := q.DeleteScanner(ctx, act.Org.ID, id); err != nil {
			return err
		}
		return a.record(ctx, q, act, "", "scanner.delete", "scanner", id, map[string]any{"name": s.Name, "app_type": s.AppType})
	})
}
