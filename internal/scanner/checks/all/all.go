// Package all registers every check family. Import it for its side effect:
//
//	import _ "github.com/perimeterhq/perimeter/internal/scanner/checks/all"
package all

import (
	// Each family registers its checks from init.
	_ "github.com/perimeterhq/perimeter/internal/scanner/checks/cleartext"
	_ "github.com/perimeterhq/perimeter/internal/scanner/checks/dnscheck"
	_ "github.com/perimeterhq/perimeter/internal/scanner/checks/exposure"
	_ "github.com/perimeterhq/perimeter/internal/scanner/checks/ftpcheck"
	_ "github.com/perimeterhq/perimeter/internal/scanner/checks/httpcheck"
	_ "github.com/perimeterhq/perimeter/internal/scanner/checks/mysqlcheck"
	_ "github.com/perimeterhq/perimeter/internal/scanner/checks/pgcheck"
	_ "github.com/perimeterhq/perimeter/internal/scanner/checks/smtpcheck"
	_ "github.com/perimeterhq/perimeter/internal/scanner/checks/snmpcheck"
	_ "github.com/perimeterhq/perimeter/internal/scanner/checks/sshcheck"
	_ "github.com/perimeterhq/perimeter/internal/scanner/checks/tlscheck"
)
