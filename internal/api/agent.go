package api

import (
	"fmt"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/perimeterhq/perimeter/internal/errs"
	"github.com/perimeterhq/perimeter/internal/scanner/result"
)

// agentMaxWait bounds a claim's long poll, below every proxy's idle timeout.
const agentMaxWait = 25 * time.Second

type agentClaimRequest struct {
	Version  string   `json:"version" doc:"the agent's version"`
	Networks []string `json:"networks" doc:"CIDRs the agent can reach; work outside them is refused (empty: not checked)"`
	Wait     *int     `json:"wait,omitempty" doc:"seconds to wait for work (0 to 25, default 25)"`
}

type agentSettings struct {
	ServiceDetection bool     `json:"service_detection"`
	Checks           bool     `json:"checks"`
	CVE              bool     `json:"cve"`
	Families         []string `json:"families"`
}

type agentJob struct {
	ID       string        `json:"id" doc:"the run (history) id"`
	Attempt  int           `json:"attempt" doc:"send it back with every call about this job"`
	Hosts    string        `json:"hosts" doc:"hostspec notation"`
	Exclude  string        `json:"exclude" doc:"the target's exclusions and the platform's, never to be contacted"`
	Ports    string        `json:"ports" doc:"port list (T:...,U:...)"`
	Profile  string        `json:"profile" doc:"engine profile name"`
	Settings agentSettings `json:"settings"`
}

// agentClaimResponse answers a claim: 200 with the job, or 204 without.
type agentClaimResponse struct {
	Job *agentJob `json:"job"`
}

// ServeHTTP writes the claim's answer (204 when no job is waiting).
func (r *agentClaimResponse) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	if r.Job == nil {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	writeJSON(w, http.StatusOK, r)
}

func (a *API) claimAgentJob(c *Ctx, in *agentClaimRequest) (*agentClaimResponse, error) {
	f := errs.Fields{}
	if len(in.Version) > 100 {
		f.Add("version", "is too long (at most 100 characters)")
	}
	if len(in.Networks) > 1000 {
		f.Add("networks", "has too many entries (at most 1000)")
	}
	var nets []netip.Prefix
	for i, n := range in.Networks {
		p, err := netip.ParsePrefix(strings.TrimSpace(n))
		if err != nil {
			if addr, aerr := netip.ParseAddr(strings.TrimSpace(n)); aerr == nil {
				p, err = addr.Prefix(addr.BitLen())
			}
		}
		if err != nil {
			f.Add(fmt.Sprintf("networks[%d]", i), "'%s' is not a CIDR", n)
			continue
		}
		nets = append(nets, p.Masked())
	}
	wait := agentMaxWait
	if in.Wait != nil {
		if *in.Wait < 0 || *in.Wait > int(agentMaxWait/time.Second) {
			f.Add("wait", "must be between 0 and 25 seconds")
		} else {
			wait = time.Duration(*in.Wait) * time.Second
		}
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	job, err := a.app.ClaimAgentJob(c.Context(), c.Scanner, strings.TrimSpace(in.Version), nets, wait)
	if err != nil || job == nil {
		return &agentClaimResponse{}, err
	}
	s := job.Settings
	if s.Families == nil {
		s.Families = []string{}
	}
	return &agentClaimResponse{Job: &agentJob{ID: job.RunID, Attempt: job.Attempt, Hosts: job.Hosts, Exclude: job.Exclude,
		Ports: job.Ports, Profile: job.Profile, Settings: agentSettings{ServiceDetection: s.ServiceDetection, Checks: s.Checks,
			CVE: s.CVE, Families: s.Families}}}, nil
}

type agentProgressRequest struct {
	Attempt  int     `json:"attempt"`
	Progress float64 `json:"progress" doc:"percent done, 0 to 100"`
}

type agentProgressResponse struct {
	Stop bool `json:"stop" doc:"the run was asked to stop: end the scan and finish with status stopped"`
}

func (a *API) agentProgress(c *Ctx, in *agentProgressRequest) (*agentProgressResponse, error) {
	stop, err := a.app.AgentProgress(c.Context(), c.Scanner, c.Path("id"), in.Attempt, in.Progress)
	if err != nil {
		return nil, err
	}
	return &agentProgressResponse{Stop: stop}, nil
}

// agentMaxBatch bounds the hosts of one results batch.
const agentMaxBatch = 1024

type agentResultsRequest struct {
	Attempt int           `json:"attempt"`
	Seq     int           `json:"seq" doc:"the batch's sequence number; a batch sent again with the same hosts is harmless"`
	Hosts   []result.Host `json:"hosts" doc:"finished hosts as the engine reports them"`
	Down    []string      `json:"down" doc:"addresses found down"`
}

type agentAck struct {
	OK bool `json:"ok"`
}

func (a *API) agentResults(c *Ctx, in *agentResultsRequest) (*agentAck, error) {
	if len(in.Hosts)+len(in.Down) > agentMaxBatch {
		return nil, errs.Field("hosts", "a batch holds at most %d hosts", agentMaxBatch)
	}
	if err := a.app.AgentResults(c.Context(), c.Scanner, c.Path("id"), in.Attempt, in.Seq, in.Hosts, in.Down); err != nil {
		return nil, err
	}
	return &agentAck{OK: true}, nil
}

type agentStats struct {
	HostsTotal  int   `json:"hosts_total"`
	PortsProbed int64 `json:"ports_probed"`
}

type agentFinishRequest struct {
	Attempt int        `json:"attempt"`
	Status  string     `json:"status" doc:"completed, failed or stopped"`
	Error   string     `json:"error" doc:"why the scan failed"`
	Stats   agentStats `json:"stats"`
}

func (a *API) agentFinish(c *Ctx, in *agentFinishRequest) (*agentAck, error) {
	if len(in.Error) > 4000 {
		in.Error = in.Error[:4000]
	}
	if err := a.app.AgentFinish(c.Context(), c.Scanner, c.Path("id"), in.Attempt, in.Status, in.Error,
		in.Stats.HostsTotal, in.Stats.PortsProbed); err != nil {
		return nil, err
	}
	return &agentAck{OK: true}, nil
}

type agentReleaseRequest struct {
	Attempt int `json:"attempt"`
}

func (a *API) agentRelease(c *Ctx, in *agentReleaseRequest) (*agentAck, error) {
	if err := a.app.AgentRelease(c.Context(), c.Scanner, c.Path("id"), in.Attempt); err != nil {
		return nil, err
	}
	return &agentAck{OK: true}, nil
}
