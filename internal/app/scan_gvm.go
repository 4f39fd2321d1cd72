package app

import (
	"context"
	"fmt"

	"github.com/perimeterhq/perimeter/internal/scanconfig"
	"github.com/perimeterhq/perimeter/internal/scanner"
	"github.com/perimeterhq/perimeter/internal/scanner/gvmscan"
	"github.com/perimeterhq/perimeter/internal/scanner/result"
)

// gvmEngine runs a run on an openvas scanner's Greenbone manager: the
// manager scans and its report becomes the run's results (gvmscan).
func (a *App) gvmEngine(s scanconfig.Scanner, runID string) (engineFunc, error) {
	cfg, err := a.gmpConfig(s)
	if err != nil {
		return nil, err
	}
	if cfg.Username == "" || cfg.Password == "" {
		return nil, fmt.Errorf("scanner '%s' has no GMP username and password: set them with PUT /v2/scanners/{id}", s.Name)
	}
	scan := gvmscan.Scan{Config: cfg, Name: "Perimeter run " + runID, PollInterval: a.cfg.GMPPollInterval}
	return func(ctx context.Context, opts scanner.Options, events chan<- result.Event) (result.Stats, error) {
		return gvmscan.Run(ctx, scan, opts, events)
	}, nil
}

// gmpConfig is how to reach and log in to an openvas scanner's manager: its
// password unsealed, its CA parsed. The errors name the scanner, never the
// password.
func (a *App) gmpConfig(s scanconfig.Scanner) (gvmscan.Config, error) {
	cfg := gvmscan.Config{Address: s.Address(), ServerName: s.Host, Username: s.Username,
		InsecureSkipVerify: s.InsecureSkipVerify, Timeout: a.cfg.GMPTimeout}
	if s.PasswordSealed != "" {
		p, err := a.hooks.box.Open(s.PasswordSealed)
		if err != nil {
			return cfg, fmt.Errorf("scanner '%s': its GMP password cannot be decrypted (was the secret key changed?); set it again", s.Name)
		}
		cfg.Password = p
	}
	if s.CACert != "" {
		pool, err := scanconfig.CACertPool(s.CACert)
		if err != nil {
			return cfg, fmt.Errorf("scanner '%s': ca_cert %v", s.Name, err)
		}
		cfg.RootCAs = pool
	}
	return cfg, nil
}
