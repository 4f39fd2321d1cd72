package agent

import (
	"github.com/perimeterhq/perimeter/internal/portspec"
	"github.com/perimeterhq/perimeter/internal/scanner"
)

// options builds the engine's options from a job exactly as the server's
// built-in path builds them from a run (app.execute), plus the fence. A
// non-empty reason means the job cannot run and fails with it.
func (a *Agent) options(job *Job) (scanner.Options, string) {
	ports, err := portspec.Parse(job.Ports)
	if err != nil {
		return scanner.Options{}, "invalid port list: " + err.Error()
	}
	profile, ok := scanner.ProfileByName(job.Profile)
	if !ok {
		return scanner.Options{}, "unknown scan profile " + job.Profile + " (the agent's version may be older than the server's)"
	}
	if reason := a.fence.refusal(job.Hosts, job.Exclude); reason != "" {
		return scanner.Options{}, reason
	}
	set := job.Settings
	opts := scanner.Options{Hosts: job.Hosts, Exclude: a.fence.exclude(job.Exclude), Ports: ports, Profile: profile,
		ServiceDetection: &set.ServiceDetection, Checks: &set.Checks, CVE: &set.CVE, CVEMatcher: a.cve}
	if len(set.Families) > 0 {
		opts.Profile.Families = set.Families
	}
	if opts.CVEMatcher == nil {
		off := false
		opts.CVE = &off
	}
	if err := opts.Validate(); err != nil {
		return scanner.Options{}, err.Error()
	}
	return opts, ""
}
