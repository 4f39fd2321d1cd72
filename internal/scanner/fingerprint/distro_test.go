package fingerprint

import (
	"maps"
	"testing"

	"github.com/perimeterhq/perimeter/internal/scanner/result"
)

// distroKeys are the facts distro.go derives.
var distroKeys = []string{"distro_id", "distro_release", "package", "package_version"}

func TestDistroFacts(t *testing.T) {
	tests := []struct {
		name string
		in   string // a greeting, or an HTTP response
		want map[string]string
	}{
		{"OpenSSH Debian bookworm security update", "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10\r\n",
			map[string]string{"distro_id": "debian", "distro_release": "bookworm", "package": "openssh", "package_version": "1:9.2p1-2+deb12u10"}},
		{"OpenSSH Debian bullseye", "SSH-2.0-OpenSSH_8.4p1 Debian-5+deb11u3\r\n",
			map[string]string{"distro_id": "debian", "distro_release": "bullseye", "package": "openssh", "package_version": "1:8.4p1-5+deb11u3"}},
		{"OpenSSH Debian trixie announces upstream's p2", "SSH-2.0-OpenSSH_10.0p2 Debian-7+deb13u1\r\n",
			map[string]string{"distro_id": "debian", "distro_release": "trixie", "package": "openssh", "package_version": "1:10.0p1-7+deb13u1"}},
		{"OpenSSH Debian point release: the revision, no release", "SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n",
			map[string]string{"distro_id": "debian", "package": "openssh", "package_version": "1:9.2p1-2"}},
		{"OpenSSH from bookworm-backports", "SSH-2.0-OpenSSH_9.6p1 Debian-4~bpo12+1\r\n",
			map[string]string{"distro_id": "debian", "distro_release": "bookworm-backports", "package": "openssh", "package_version": "1:9.6p1-4~bpo12+1"}},
		{"OpenSSH Ubuntu jammy (named by the upstream version)", "SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.10\r\n",
			map[string]string{"distro_id": "ubuntu", "distro_release": "jammy", "package": "openssh", "package_version": "1:8.9p1-3ubuntu0.10"}},
		{"OpenSSH Ubuntu noble", "SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13.5\r\n",
			map[string]string{"distro_id": "ubuntu", "distro_release": "noble", "package": "openssh", "package_version": "1:9.6p1-3ubuntu13.5"}},
		{"OpenSSH Ubuntu trusty announces 6.6.1p1 for 6.6p1", "SSH-2.0-OpenSSH_6.6.1p1 Ubuntu-2ubuntu2.13\r\n",
			map[string]string{"distro_id": "ubuntu", "distro_release": "trusty", "package": "openssh", "package_version": "1:6.6p1-2ubuntu2.13"}},
		{"OpenSSH Ubuntu interim with an ambiguous version", "SSH-2.0-OpenSSH_9.0p1 Ubuntu-1ubuntu8.7\r\n",
			map[string]string{"distro_id": "ubuntu", "package": "openssh", "package_version": "1:9.0p1-1ubuntu8.7"}},
		{"OpenSSH Raspbian", "SSH-2.0-OpenSSH_7.9p1 Raspbian-10+deb10u2\r\n",
			map[string]string{"distro_id": "raspbian", "distro_release": "buster", "package": "openssh", "package_version": "1:7.9p1-10+deb10u2"}},
		{"plain OpenSSH: nothing", "SSH-2.0-OpenSSH_9.2\r\n", nil},
		{"OpenSSH with a build tag: nothing", "SSH-2.0-OpenSSH_8.9p1-hpn14v15\r\n", nil},
		{"OpenSSH FreeBSD: not a Debian package", "SSH-2.0-OpenSSH_9.7 FreeBSD-20240318\r\n", nil},
		{"Dropbear with a Debian comment: no known epoch", "SSH-2.0-dropbear_2022.83 Debian-1\r\n",
			map[string]string{"distro_id": "debian"}},
		{"Postfix on Debian", "220 mx.example.test ESMTP Postfix (Debian/GNU)\r\n", map[string]string{"distro_id": "debian"}},
		{"Postfix on Ubuntu", "220 mail.example.test ESMTP Postfix (Ubuntu)\r\n", map[string]string{"distro_id": "ubuntu"}},
		{"Dovecot on Ubuntu", "+OK Dovecot (Ubuntu) ready.\r\n", map[string]string{"distro_id": "ubuntu"}},
		{"Dovecot on Debian", "* OK [CAPABILITY IMAP4rev1 STARTTLS] Dovecot (Debian) ready.\r\n", map[string]string{"distro_id": "debian"}},
		{"ProFTPD on Debian", "220 ProFTPD 1.3.8 Server (Debian) [::ffff:10.0.0.1]\r\n", map[string]string{"distro_id": "debian"}},
		{"Apache on Debian", "HTTP/1.1 200 OK\r\nServer: Apache/2.4.62 (Debian)\r\n\r\n", map[string]string{"distro_id": "debian"}},
		{"Apache on Ubuntu", "HTTP/1.1 200 OK\r\nServer: Apache/2.4.52 (Ubuntu)\r\n\r\n", map[string]string{"distro_id": "ubuntu"}},
		{"nginx on Ubuntu", "HTTP/1.1 400 Bad Request\r\nServer: nginx/1.18.0 (Ubuntu)\r\n\r\n", map[string]string{"distro_id": "ubuntu"}},
		{"Apache on CentOS: not told apart", "HTTP/1.1 200 OK\r\nServer: Apache/2.4.6 (CentOS)\r\n\r\n", nil},
		{"plain nginx", "HTTP/1.1 200 OK\r\nServer: nginx/1.25.3\r\n\r\n", nil},
		{"MySQL Ubuntu security update names its release", string(mysqlGreeting("8.0.36-0ubuntu0.22.04.1")),
			map[string]string{"distro_id": "ubuntu", "distro_release": "jammy"}},
		{"MariaDB from the vendor's repository: no distribution", string(mysqlGreeting("5.5.5-11.2.2-MariaDB-1:11.2.2+maria~ubu2204")), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, ok := ParseBanner([]byte(tt.in))
			if !ok {
				t.Fatalf("ParseBanner(%q) not recognised", tt.in)
			}
			// Through apply, as Detect stores a match: what CVE matching reads.
			var svc result.Service
			m.apply(&svc)
			got := map[string]string{}
			for _, k := range distroKeys {
				if v, ok := svc.Extra[k]; ok {
					got[k] = v
				}
			}
			want := tt.want
			if want == nil {
				want = map[string]string{}
			}
			if !maps.Equal(got, want) {
				t.Errorf("%q: distro facts %v, want %v (distro tag %q)", tt.in, got, want, svc.Extra["distro"])
			}
		})
	}
}

func TestDistroFactsServerHeader(t *testing.T) {
	m := ParseServerHeader("Apache/2.4.62 (Debian) OpenSSL/3.0.15")
	var svc result.Service
	m.apply(&svc)
	if svc.Extra["distro_id"] != "debian" || svc.Extra["package_version"] != "" {
		t.Errorf("Server header facts %v, want distro_id debian and no package version", svc.Extra)
	}
}
