package tlscheck

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"sync"
)

// SystemRoots says where the system trust store is read from when
// Options.RootCAs is nil. The zero value means the platform's defaults:
// $SSL_CERT_FILE or the first distribution CA bundle that exists, and
// $SSL_CERT_DIR (colon-separated) or /etc/ssl/certs and /etc/pki/tls/certs.
type SystemRoots struct {
	Files []string // PEM bundles; all that exist are read
	Dirs  []string // directories whose PEM files are read (not recursively)
}

// Bundle files of the common distributions (Debian/Ubuntu, Fedora/RHEL,
// openSUSE, Alpine), the same list crypto/x509 tries; only the first that
// exists is read, as every one of them holds the whole store.
var defaultBundles = []string{
	"/etc/ssl/certs/ca-certificates.crt",
	"/etc/pki/tls/certs/ca-bundle.crt",
	"/etc/ssl/ca-bundle.pem",
	"/etc/pki/tls/cacert.pem",
	"/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
	"/etc/ssl/cert.pem",
}

var defaultCertDirs = []string{"/etc/ssl/certs", "/etc/pki/tls/certs"}

func (s SystemRoots) resolve() SystemRoots {
	if len(s.Files) > 0 || len(s.Dirs) > 0 {
		return s
	}
	var out SystemRoots
	if f := os.Getenv("SSL_CERT_FILE"); f != "" {
		out.Files = []string{f}
	} else {
		for _, f := range defaultBundles {
			if _, err := os.Stat(f); err == nil {
				out.Files = []string{f}
				break
			}
		}
	}
	if d := os.Getenv("SSL_CERT_DIR"); d != "" {
		out.Dirs = filepath.SplitList(d)
	} else {
		out.Dirs = defaultCertDirs
	}
	return out
}

// trustStore holds the roots a chain must verify to. With explicit roots
// (Options.RootCAs) it trusts exactly them, self-signed leaves included: the
// operator said so. Otherwise it loads the system store once, on first use.
//
// The system store is not taken from x509.SystemCertPool: on Linux that also
// loads every file in /etc/ssl/certs, and on Debian that directory holds
// ssl-cert-snakeoil.pem, the self-signed certificate the ssl-cert package
// generates for every daemon that wants "some" certificate. A service on the
// scanner's own host (or a clone of its image) using it would verify as
// trusted and tls.cert.self-signed / tls.cert.untrusted would stay silent.
// So two rules apply to the system store:
//   - an anchor must be a CA certificate (basic constraints valid, CA=true);
//     snake-oil certificates carry CA:FALSE, and a leaf dropped into the
//     directory is not an authority anyone delegated trust to;
//   - a self-signed leaf is never its own trust anchor, even a CA:TRUE one
//     (openssl req -x509 marks its output CA:TRUE by default): the scanner's
//     store having a copy says nothing about the service's clients.
type trustStore struct {
	explicit *x509.CertPool
	system   SystemRoots

	once sync.Once
	pool *x509.CertPool
	err  error
}

func newTrustStore(o Options) *trustStore {
	return &trustStore{explicit: o.RootCAs, system: o.SystemRoots}
}

// errSelfAnchor is the verdict on a self-signed leaf checked against the
// system store.
var errSelfAnchor = errors.New("a self-signed certificate is not its own trust anchor")

// roots returns the pool to verify leaf against, or an error when no pool
// can be built or leaf may not be trusted by it.
func (s *trustStore) roots(leaf *x509.Certificate) (*x509.CertPool, error) {
	if s.explicit != nil {
		return s.explicit, nil
	}
	if selfSigned(leaf) {
		return nil, errSelfAnchor
	}
	s.once.Do(func() {
		configured := len(s.system.Files) > 0 || len(s.system.Dirs) > 0
		s.pool, s.err = loadSystemRoots(s.system.resolve(), !configured)
	})
	return s.pool, s.err
}

// loadSystemRoots reads the CA certificates of the given files and
// directories. Unreadable paths are skipped, as crypto/x509 does. When the
// platform defaults yield no CA (fallback) it returns x509.SystemCertPool,
// for platforms whose store is not a set of files; the self-signed rule of
// roots still applies there. A configured store that yields no CA is an
// empty pool: nothing verifies.
func loadSystemRoots(s SystemRoots, fallback bool) (*x509.CertPool, error) {
	pool := x509.NewCertPool()
	n := 0
	read := map[string]bool{} // by resolved path: the bundle often sits in the directory too
	add := func(path string) {
		if real, err := filepath.EvalSymlinks(path); err == nil {
			if read[real] {
				return
			}
			read[real] = true
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return
		}
		for _, c := range parsePEMCerts(data) {
			if c.BasicConstraintsValid && c.IsCA {
				pool.AddCert(c)
				n++
			}
		}
	}
	for _, f := range s.Files {
		add(f)
	}
	for _, d := range s.Dirs {
		entries, err := os.ReadDir(d)
		if err != nil {
			continue
		}
		for _, e := range entries {
			if !e.IsDir() {
				add(filepath.Join(d, e.Name()))
			}
		}
	}
	if n == 0 && fallback {
		return x509.SystemCertPool()
	}
	return pool, nil
}

// parsePEMCerts returns the certificates of a PEM file, skipping blocks that
// are not certificates or do not parse.
func parsePEMCerts(data []byte) []*x509.Certificate {
	var out []*x509.Certificate
	for len(data) > 0 {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			break
		}
		if b.Type != "CERTIFICATE" || len(b.Headers) != 0 {
			continue
		}
		if c, err := x509.ParseCertificate(b.Bytes); err == nil {
			out = append(out, c)
		}
	}
	return out
}
