// Package snmpcheck holds the SNMP checks: the default community "public"
// accepted. The check sends one SNMPv2c (then SNMPv1) GetRequest for
// sysDescr.0; agents drop requests with an unknown community silently.
package snmpcheck

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/perimeterhq/perimeter/internal/scanner/checks"
	"github.com/perimeterhq/perimeter/internal/scanner/checks/netprobe"
	"github.com/perimeterhq/perimeter/internal/scanner/result"
)

// Family is the check family name of this package.
const Family = "snmp"

// community is the well-known default read community. It is published in
// every vendor manual, so showing it in evidence discloses nothing.
const community = "public"

// Options configures the check built by New.
type Options struct {
	Timeout time.Duration // per try; 2 s if zero
	Tries   int           // per SNMP version; 2 if zero
}

type publicCheck struct {
	meta checks.Meta
	opts Options
}

var _ checks.Check = (*publicCheck)(nil)

var snmpMatch = checks.Match{Services: []string{"snmp"}, Ports: []int{161}, Protocol: result.UDP}

// New returns the check configured with o (the registered instance uses
// Options{}); run it directly, do not register it again.
func New(o Options) checks.Check {
	if o.Timeout <= 0 {
		o.Timeout = 2 * time.Second
	}
	if o.Tries <= 0 {
		o.Tries = 2
	}
	return &publicCheck{meta: publicMeta, opts: o}
}

func init() { checks.Register(New(Options{})) }

// Meta returns the check's metadata.
func (c *publicCheck) Meta() checks.Meta { return c.meta }

// Applies reports whether the check is meaningful for svc.
func (c *publicCheck) Applies(svc result.Service) bool { return snmpMatch.Applies(svc) }

// Run probes the target; see the package documentation for what counts as a finding.
func (c *publicCheck) Run(ctx context.Context, t checks.Target) ([]result.Finding, error) {
	for _, v := range []int{versionV2c, versionV1} {
		r, err := c.get(ctx, t, v)
		if errors.Is(err, netprobe.ErrNoResponse) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if r.errorStatus != 0 {
			continue // the agent refused the request for this version
		}
		name := map[int]string{versionV1: "SNMPv1", versionV2c: "SNMPv2c"}[v]
		ev := fmt.Sprintf("%s GetRequest for sysDescr.0 with community %q answered: %s = %s", name, community, r.oid, r.value)
		return []result.Finding{c.meta.Finding(t, ev)}, nil
	}
	return nil, nil
}

func (c *publicCheck) get(ctx context.Context, t checks.Target, version int) (*getResponse, error) {
	var id [4]byte
	_, _ = rand.Read(id[:])
	reqID := int32(binary.BigEndian.Uint32(id[:]) & 0x7fffffff)
	var resp *getResponse
	_, err := netprobe.Exchange(ctx, t.Addr(), buildGet(version, community, reqID), c.opts.Tries, c.opts.Timeout, func(b []byte) bool {
		r, err := parseGetResponse(b)
		if err != nil || r.requestID != int64(reqID) || r.version != int64(version) || r.community != community {
			return false // not our answer: keep waiting
		}
		resp = r
		return true
	})
	return resp, err
}

var publicMeta = checks.NewMeta(checks.Meta{
	ID: "snmp.community.public", Family: Family,
	Title:       "SNMP agent accepts the default community \"public\"",
	Description: "The SNMP agent answers requests with the default community string \"public\". Anyone can read the device's configuration, interfaces, routes, processes and sometimes credentials held in MIBs.",
	Solution:    "Disable SNMPv1/v2c or change the community to a long random value and restrict it by source address; prefer SNMPv3 with authPriv.",
	References:  []string{"https://nvd.nist.gov/vuln/detail/CVE-1999-0517", "https://datatracker.ietf.org/doc/html/rfc3414"},
	CVSSVector:  "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N",
	// A default community string is a default password: the ASV Program
	// Guide makes built-in or default accounts an automatic failure.
	PCIAutoFail: true,
	Confidence:  100,
})
