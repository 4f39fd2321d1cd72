package exposure

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"syscall"

	"github.com/perimeterhq/perimeter/internal/scanner/checks"
	"github.com/perimeterhq/perimeter/internal/scanner/checks/netprobe"
	"github.com/perimeterhq/perimeter/internal/scanner/result"
)

// databaseServices are service names of database and data-store servers.
// Memcached is not among them: it is a cache without persistent data, and
// exposure.memcached.unauthenticated reports it on its own.
var databaseServices = []string{
	"mysql", "mariadb", "postgresql", "postgres", "ms-sql-s", "mssql", "oracle", "oracle-tns",
	"mongodb", "redis", "elasticsearch", "opensearch", "cassandra", "couchdb",
	"db2", "ibm-db2", "sybase", "influxdb", "neo4j", "clickhouse", "rethinkdb", "riak", "cockroachdb", "etcd",
}

// databasePorts are the default ports of those servers, used when service
// detection named nothing.
var databasePorts = []int{
	3306, 5432, 1433, 1521, 27017, 27018, 6379, 9200, 9042, 5984, 50000, 5000, 8086, 7474, 7687, 8123, 28015, 8087, 26257, 2379,
}

func isDatabase(svc result.Service) bool {
	if svc.Protocol == result.UDP {
		return false
	}
	name := strings.ToLower(svc.Service)
	if slices.Contains(databaseServices, name) {
		return true
	}
	return (name == "" || name == "unknown") && slices.Contains(databasePorts, svc.Port)
}

// evalReachable confirms that the scanner can open a connection to the
// database port. A refused connection is a clean "not reachable".
func evalReachable(ctx context.Context, t checks.Target) (string, bool, error) {
	c, err := netprobe.Dial(ctx, "tcp", t.Addr())
	if errors.Is(err, syscall.ECONNREFUSED) {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	c.Close()
	what := t.Service.Service
	if what == "" {
		what = "the default port of a database server"
	}
	if p := strings.TrimSpace(t.Service.Product + " " + t.Service.Version); p != "" {
		what += " (" + p + ")"
	}
	return fmt.Sprintf("TCP connection to %s accepted from the scanner; service: %s", t.Addr(), what), true, nil
}
