package fingerprint

import "strings"

// sshLine returns the "SSH-..." identification line of a greeting; RFC 4253
// lets a server send other lines first, so the first ten are searched.
func sshLine(s string) string {
	for i := 0; i < 10 && s != ""; i++ {
		line, rest, _ := strings.Cut(s, "\n")
		line = strings.TrimRight(line, "\r")
		if strings.HasPrefix(line, "SSH-") {
			return line
		}
		s = rest
	}
	return ""
}

// sshProducts maps the software name of an SSH identification (lower case,
// as it appears before the version) to our product name.
var sshProducts = map[string]string{
	"openssh":   "OpenSSH",
	"dropbear":  "Dropbear SSH",
	"libssh":    "libssh",
	"cisco":     "Cisco SSH",
	"asyncssh":  "AsyncSSH",
	"paramiko":  "Paramiko",
	"go":        "Go x/crypto/ssh",
	"mod_sftp":  "ProFTPD mod_sftp",
	"wingftp":   "Wing FTP Server SSH",
	"romsshell": "RomSShell",
	"erlang":    "Erlang/OTP SSH",
}

// parseSSHBanner reads an SSH identification string such as
// "SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.6": protocol 2.0, product OpenSSH,
// version 8.9p1, and the comment as the distribution tag.
func parseSSHBanner(s string) (Match, bool) {
	line := sshLine(s)
	rest, ok := strings.CutPrefix(line, "SSH-")
	if !ok {
		return Match{}, false
	}
	proto, software, ok := strings.Cut(rest, "-")
	if !ok || proto == "" {
		return Match{}, false
	}
	m := Match{Service: "ssh", Banner: Printable([]byte(line))}
	m.set("ssh_protocol", proto)
	software, comment, _ := strings.Cut(software, " ")
	name, version := splitSoftwareVersion(software)
	if strings.EqualFold(name, "OpenSSH_for_Windows") {
		name = "OpenSSH"
		m.set("os", "Windows")
	}
	if p, ok := sshProducts[strings.ToLower(name)]; ok {
		m.Product = p
	} else if name != "" {
		m.Product = name
	}
	m.setVersion(version)
	comment = strings.TrimSpace(comment)
	if comment != "" {
		if m.Product == "OpenSSH" || m.Product == "Dropbear SSH" || distroRe.MatchString(comment) {
			m.set("distro", comment)
		} else {
			m.set("ssh_comment", comment)
		}
	}
	return m, true
}

// splitSoftwareVersion splits "OpenSSH_8.9p1", "dropbear_2022.83",
// "libssh-0.9.6" or "Cisco-1.25" at the separator before the first digit
// run that starts a version; the version keeps any tail ("8.9p1-hpn14").
// Software without a version is returned whole.
func splitSoftwareVersion(s string) (name, version string) {
	for i := 1; i < len(s); i++ {
		if (s[i-1] == '_' || s[i-1] == '-' || s[i-1] == '/') && s[i] >= '0' && s[i] <= '9' {
			if v, _ := leadingVersion(s[i:]); v != "" {
				return s[:i-1], s[i:]
			}
		}
	}
	return s, ""
}
