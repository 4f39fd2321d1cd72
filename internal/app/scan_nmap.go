package app

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"

	"github.com/perimeterhq/perimeter/internal/scanconfig"
	"github.com/perimeterhq/perimeter/internal/scanner"
	"github.com/perimeterhq/perimeter/internal/scanner/nmapscan"
	"github.com/perimeterhq/perimeter/internal/scanner/result"
)

// engineFunc runs one scan and sends its events (scanner.Run's shape).
type engineFunc func(ctx context.Context, opts scanner.Options, events chan<- result.Event) (result.Stats, error)

// engineFor is the engine a scanner runs run runID with: the built-in one,
// the nmap binary (nmapscan) for nmap scanners, or a Greenbone manager
// (gvmscan, scan_gvm.go) for openvas scanners.
func (a *App) engineFor(s scanconfig.Scanner, runID string) (engineFunc, error) {
	switch s.AppType {
	case scanconfig.AppBuiltin:
		return scanner.Run, nil
	case scanconfig.AppNmap:
		path, err := a.nmapBinary(s.Path)
		if err != nil {
			return nil, err
		}
		return func(ctx context.Context, opts scanner.Options, events chan<- result.Event) (result.Stats, error) {
			return nmapscan.Run(ctx, path, opts, events)
		}, nil
	case scanconfig.AppOpenVAS:
		return a.gvmEngine(s, runID)
	}
	return nil, fmt.Errorf("scanner '%s' (%s) cannot run scans in this version", s.Name, s.AppType)
}

// nmapBinary is the nmap binary a scanner may run: the one the server
// operator installed (NmapPath, else nmap on PATH). A scanner's path is a
// tenant's setting, so it may only name that same file: a tenant must not
// choose what program the server executes.
func (a *App) nmapBinary(requested string) (string, error) {
	allowed := a.cfg.NmapPath
	if allowed == "" {
		p, err := exec.LookPath("nmap")
		if err != nil {
			return "", fmt.Errorf("nmap is not installed on this server (not found on PATH)")
		}
		allowed = p
	}
	allowed, err := filepath.Abs(allowed)
	if err != nil {
		return "", err
	}
	if requested != "" && filepath.Clean(requested) != allowed {
		return "", fmt.Errorf("path %s is not the nmap binary this server allows (%s)", requested, allowed)
	}
	return allowed, nil
}
