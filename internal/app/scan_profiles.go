package app

import (
	"context"

	"github.com/perimeterhq/perimeter/internal/listing"
	"github.com/perimeterhq/perimeter/internal/scanconfig"
	"github.com/perimeterhq/perimeter/internal/scanner"
)

// ScanProfileView is a profile with the engine settings it stands for.
type ScanProfileView struct {
	scanconfig.ScanProfile
	Settings scanner.Profile
}

func profileView(p scanconfig.ScanProfile) ScanProfileView {
	settings, _ := scanner.ProfileByName(p.Engine)
	// Point at the built-in port list with exactly the profile's ports, if any.
	for _, pl := range scanconfig.BuiltinPortLists() {
		if pl.Ports().String() == settings.Ports.String() {
			p.PortListID = pl.ID
		}
	}
	return ScanProfileView{ScanProfile: p, Settings: settings}
}

// ListScanProfiles lists the built-in profiles and the organization's own;
// activeOnly keeps the activated ones.
func (a *App) ListScanProfiles(ctx context.Context, act *Actor, activeOnly bool, p listing.Params) ([]ScanProfileView, int, error) {
	if err := act.can("scan_profiles", "read"); err != nil {
		return nil, 0, err
	}
	ps, total, err := a.store.R().FindScanProfiles(ctx, act.Org.ID, activeOnly, p)
	out := make([]ScanProfileView, len(ps))
	for i, sp := range ps {
		out[i] = profileView(sp)
	}
	return out, total, err
}

// GetScanProfile returns a built-in profile or one of the organization's.
func (a *App) GetScanProfile(ctx context.Context, act *Actor, id string) (ScanProfileView, error) {
	if err := act.can("scan_profiles", "read"); err != nil {
		return ScanProfileView{}, err
	}
	p, err := a.store.R().FindScanProfile(ctx, act.Org.ID, id)
	return profileView(p), err
}
