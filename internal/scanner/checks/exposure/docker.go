package exposure

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/perimeterhq/perimeter/internal/scanner/checks"
	"github.com/perimeterhq/perimeter/internal/scanner/result"
)

// dockerApplies: a service named Docker, an HTTP(S) server whose Server
// header says Docker, or the daemon's ports (2375 plain, 2376 TLS) when
// detection named nothing or only HTTP.
func dockerApplies(svc result.Service) bool {
	if svc.Protocol == result.UDP {
		return false
	}
	name := strings.ToLower(svc.Service)
	switch {
	case name == "docker":
		return true
	case name == "http" || name == "https":
		return strings.HasPrefix(svc.Product, "Docker") || svc.Port == 2375 || svc.Port == 2376
	case name == "" || name == "unknown":
		return svc.Port == 2375 || svc.Port == 2376
	}
	return false
}

// evalDocker asks the Engine API for /version and /info without
// credentials. A /version answer with ApiVersion is the finding; /info adds
// what a reader learns (host name, containers, images). A TLS server that
// demands a client certificate (--tlsverify) is protected.
func evalDocker(ctx context.Context, t checks.Target) (string, bool, error) {
	code, body, err := apiGet(ctx, t, "/version")
	if err != nil {
		if clientCertRequired(err) {
			return "", false, nil
		}
		return "", false, err
	}
	if code == http.StatusUnauthorized || code == http.StatusForbidden {
		return "", false, nil // an authorization plugin or proxy in front
	}
	var v struct {
		Version, ApiVersion, MinAPIVersion, Os, Arch, KernelVersion string
		Platform                                                    struct{ Name string }
	}
	if code != http.StatusOK || json.Unmarshal(body, &v) != nil || v.ApiVersion == "" {
		return "", false, fmt.Errorf("no Docker Engine API at /version: status %d, %q", code, body[:min(len(body), 120)])
	}
	product := v.Platform.Name
	if product == "" {
		product = "Docker Engine"
	}
	ev := fmt.Sprintf("GET /version -> 200 without credentials: %s %s, API %s (min %s), %s/%s, kernel %s",
		product, v.Version, v.ApiVersion, v.MinAPIVersion, v.Os, v.Arch, v.KernelVersion)
	if code, body, err := apiGet(ctx, t, "/info"); err == nil && code == http.StatusOK {
		var info struct {
			Name, OperatingSystem         string
			Containers, ContainersRunning int
			Images                        int
			SecurityOptions               []string
		}
		if json.Unmarshal(body, &info) == nil {
			ev += fmt.Sprintf("\nGET /info -> 200: host %q, %s, %d containers (%d running), %d images", info.Name, info.OperatingSystem, info.Containers, info.ContainersRunning, info.Images)
			if len(info.SecurityOptions) > 0 {
				ev += ", security options " + strings.Join(info.SecurityOptions, " ")
			}
		}
	}
	return ev, true, nil
}
