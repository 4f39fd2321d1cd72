// Package exposure holds the checks for databases and caches exposed to the
// scanner: Redis, Memcached, MongoDB, Elasticsearch, etcd and the Docker
// Engine API answering without authentication, and any database port
// reachable at all. PCI DSS 1.4.4
// (1.3.6 in v3.2.1) keeps stores of cardholder data off the internet-facing
// zone, and the ASV Program Guide makes open access to databases an
// automatic failure; each check below says so next to its flag.
package exposure

import (
	"context"
	"slices"
	"strings"

	"github.com/perimeterhq/perimeter/internal/scanner/checks"
	"github.com/perimeterhq/perimeter/internal/scanner/result"
)

// Family is the check family name of this package.
const Family = "exposure"

type check struct {
	meta    checks.Meta
	applies func(result.Service) bool
	eval    func(ctx context.Context, t checks.Target) (evidence string, found bool, err error)
	// portOnly lowers the confidence when service detection did not name
	// the service and the check relied on the port number.
	portOnly int
}

var _ checks.Check = (*check)(nil)

// Meta returns the check's metadata.
func (c *check) Meta() checks.Meta { return c.meta }

// Applies reports whether the check is meaningful for svc.
func (c *check) Applies(svc result.Service) bool { return c.applies(svc) }

// Run probes the target; see the package documentation for what counts as a finding.
func (c *check) Run(ctx context.Context, t checks.Target) ([]result.Finding, error) {
	ev, found, err := c.eval(ctx, t)
	if err != nil || !found {
		return nil, err
	}
	f := c.meta.Finding(t, ev)
	if name := strings.ToLower(t.Service.Service); c.portOnly > 0 && (name == "" || name == "unknown") {
		f.Confidence = c.portOnly
	}
	return []result.Finding{f}, nil
}

func match(services []string, ports ...int) func(result.Service) bool {
	return checks.Match{Services: services, Ports: ports, Protocol: result.TCP}.Applies
}

// elasticsearchApplies also accepts a generic "http(s)" label on 9200,
// which is how a plain web fingerprint sees Elasticsearch.
func elasticsearchApplies(svc result.Service) bool {
	if match([]string{"elasticsearch", "opensearch"}, 9200)(svc) {
		return true
	}
	return svc.Port == 9200 && svc.Protocol != result.UDP && slices.Contains([]string{"http", "https"}, strings.ToLower(svc.Service))
}

func init() {
	for _, c := range all {
		checks.Register(c)
	}
}

// Unauthenticated access: full read/write of the store (C:H/I:H) and the
// ability to stop or wipe it (A:H); Redis adds known paths to code execution.
const vectorFullAccess = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"

// ReachableID is the ID of the generic "database port reachable" check. A
// finding that a store answers without authentication supersedes it on
// the same port: the open store is the problem, reachability part of it.
const ReachableID = "exposure.database.reachable"

var supersedesReachable = []string{ReachableID}

var all = []*check{
	{applies: match([]string{"redis"}, 6379), eval: evalRedis, meta: checks.NewMeta(checks.Meta{
		ID: "exposure.redis.unauthenticated", Family: Family,
		Title:       "Redis accessible without authentication",
		Description: "Redis answers commands without AUTH: anyone who reaches the port can read and change all data, and can abuse CONFIG/MODULE commands to write files or run code on the host.",
		Solution:    "Bind Redis to private interfaces, enable protected mode, require passwords/ACLs (requirepass or ACL users) and firewall the port.",
		References:  []string{"https://redis.io/docs/latest/operate/oss_and_stack/management/security/"},
		CVSSVector:  vectorFullAccess,
		// ASV Program Guide: open access to databases is an automatic failure.
		PCIAutoFail: true,
		Confidence:  100,
		// It already says the port is reachable.
		Supersedes: supersedesReachable,
	})},
	{applies: match([]string{"memcached"}, 11211), eval: evalMemcached, meta: checks.NewMeta(checks.Meta{
		ID: "exposure.memcached.unauthenticated", Family: Family,
		Title:       "Memcached accessible without authentication",
		Description: "Memcached answers without authentication: anyone who reaches the port can read cached data (often sessions), overwrite or flush it.",
		Solution:    "Bind Memcached to private interfaces (-l), disable UDP (-U 0), enable SASL where supported, and firewall the port.",
		References:  []string{"https://github.com/memcached/memcached/wiki/SASLHowto", "https://nvd.nist.gov/vuln/detail/CVE-2018-1000115"},
		CVSSVector:  "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:L/A:L",
		// ASV Program Guide: open access to databases (a cache holding
		// application data counts) is an automatic failure.
		PCIAutoFail: true,
		Confidence:  100,
	})},
	{applies: match([]string{"mongodb"}, 27017, 27018), eval: evalMongoDB, meta: checks.NewMeta(checks.Meta{
		ID: "exposure.mongodb.unauthenticated", Family: Family,
		Title:       "MongoDB accessible without authentication",
		Description: "MongoDB lists its databases without credentials: authorization is off, so anyone who reaches the port can read, change and drop all data.",
		Solution:    "Enable authorization (security.authorization: enabled), create users, bind to private interfaces and firewall the port.",
		References:  []string{"https://www.mongodb.com/docs/manual/administration/security-checklist/"},
		CVSSVector:  vectorFullAccess,
		// ASV Program Guide: open access to databases is an automatic failure.
		PCIAutoFail: true,
		Confidence:  100,
		// It already says the port is reachable.
		Supersedes: supersedesReachable,
	})},
	{applies: elasticsearchApplies, eval: evalElasticsearch, meta: checks.NewMeta(checks.Meta{
		ID: "exposure.elasticsearch.unauthenticated", Family: Family,
		Title:       "Elasticsearch accessible without authentication",
		Description: "Elasticsearch answers its REST API without credentials: anyone who reaches the port can search, change and delete every index.",
		Solution:    "Enable Elasticsearch security (xpack.security.enabled: true) with TLS and users, bind to private interfaces and firewall the port.",
		References:  []string{"https://www.elastic.co/guide/en/elasticsearch/reference/current/secure-cluster.html"},
		CVSSVector:  vectorFullAccess,
		// ASV Program Guide: open access to databases is an automatic failure.
		PCIAutoFail: true,
		Confidence:  100,
		// It already says the port is reachable.
		Supersedes: supersedesReachable,
	})},
	{applies: etcdApplies, eval: evalEtcd, meta: checks.NewMeta(checks.Meta{
		ID: "exposure.etcd.unauthenticated", Family: Family,
		Title:       "etcd accessible without authentication",
		Description: "etcd answers its key-value API without credentials: anyone who reaches the client port can read every key (for Kubernetes: all Secrets, service-account tokens and cluster state), change or delete them, and so take over whatever the store configures.",
		Solution:    "Enable client certificate authentication (--client-cert-auth with --trusted-ca-file) and/or role-based auth (etcdctl user add root; etcdctl auth enable), serve clients over TLS only, bind --listen-client-urls to private interfaces and firewall ports 2379-2380.",
		References:  []string{"https://etcd.io/docs/v3.5/op-guide/security/", "https://etcd.io/docs/v3.5/op-guide/authentication/rbac/"},
		CVSSVector:  vectorFullAccess,
		// ASV Program Guide: open access to databases (a key-value store
		// holding application state and secrets) is an automatic failure.
		PCIAutoFail: true,
		Confidence:  100,
		// It already says the port is reachable.
		Supersedes: supersedesReachable,
	})},
	{applies: dockerApplies, eval: evalDocker, meta: checks.NewMeta(checks.Meta{
		ID: "exposure.docker.unauthenticated", Family: Family,
		Title:       "Docker Engine API accessible without authentication",
		Description: "The Docker daemon serves its Engine API without TLS client authentication: anyone who reaches the port can start a privileged container that mounts the host's root file system, which is root on the host, and can read every container's data and secrets.",
		Solution:    "Stop exposing the API over TCP (remove -H tcp://... / \"hosts\" from daemon.json) and use the local socket or SSH (DOCKER_HOST=ssh://...); where remote access is needed, use --tlsverify with a client CA on port 2376 and firewall it to the administrators.",
		References:  []string{"https://docs.docker.com/engine/security/protect-access/", "https://docs.docker.com/engine/security/#docker-daemon-attack-surface"},
		// Control of the daemon is root on the host beyond the API (S:C).
		CVSSVector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H",
		// ASV Program Guide: an administrative interface open without
		// credentials is a default account with no password, an automatic
		// failure (and the score fails anyway).
		PCIAutoFail: true,
		Confidence:  100,
	})},
	{applies: isDatabase, eval: evalReachable, portOnly: 70, meta: checks.NewMeta(checks.Meta{
		ID: ReachableID, Family: Family,
		Title:       "Database port reachable from the scanner",
		Description: "A database or data-store server accepts connections from the scanner's network position. Databases belong in an internal network zone; exposed ones face credential guessing and every pre-authentication vulnerability of the server.",
		Solution:    "Restrict the port with firewall rules to the application servers that need it, or bind the server to a private interface.",
		References:  []string{"https://www.pcisecuritystandards.org/document_library/?category=asv"},
		CVSSVector:  "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:L/I:L/A:L",
		// ASV Program Guide: a database reachable from the Internet violates
		// PCI DSS network segmentation and is an automatic failure, whatever
		// authentication it enforces.
		PCIAutoFail: true,
		Confidence:  100,
	})},
}
