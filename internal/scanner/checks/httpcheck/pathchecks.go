package httpcheck

import "github.com/perimeterhq/perimeter/internal/scanner/checks"

// Vectors shared by the path checks.
const (
	// vectorInfoLeak: anyone can read information that helps an attack but
	// is not itself the data or the credentials (C:L).
	vectorInfoLeak = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N"
	// vectorFileLeak: anyone can download source, history, configuration or
	// data, which routinely hold credentials (C:H). Integrity and
	// availability depend on what those credentials open, so they are not
	// scored.
	vectorFileLeak = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N"
)

// pathChecks are the checks fed by the path phase (paths.go). Unless noted,
// pci_fail follows from the score (>= 4.0) and none is an ASV automatic
// failure: the Program Guide names exposed directories and files as special
// notes, not automatic failures.
var pathChecks = []*check{
	{eval: evalPath(idListing), meta: checks.NewMeta(checks.Meta{
		ID: idListing, Family: Family,
		Title:       "Directory listing enabled",
		Description: "The server generates index pages for directories, revealing every file in them (backups, configuration, uploads) to anyone. Checked at \"/\", at the directories linked from it and at common folder names; the evidence lists every listing found.",
		Solution:    "Disable automatic indexes (Apache: Options -Indexes; nginx: autoindex off; IIS: directoryBrowse enabled=false) and add index files where needed.",
		References:  []string{"https://cwe.mitre.org/data/definitions/548.html"},
		// A list of file names (C:L): reading the files is a further step.
		CVSSVector: vectorInfoLeak,
		// ASV Program Guide lists "browsing of directories" as a special note,
		// not an automatic failure; the score decides.
		Confidence: 95,
	})},
	{eval: evalPath(idServerStatus), meta: checks.NewMeta(checks.Meta{
		ID: idServerStatus, Family: Family,
		Title:       "Apache mod_status page (/server-status) reachable",
		Description: "Apache's server-status page answers the scanner: it shows the server version, uptime, the client addresses and the URLs being requested right now (query strings with session ids or tokens included) and every virtual host.",
		Solution:    "Restrict /server-status to administrators' addresses (<Location \"/server-status\"> Require ip 10.0.0.0/8 </Location>, or Require local) or disable mod_status (a2dismod status).",
		References:  []string{"https://httpd.apache.org/docs/2.4/mod/mod_status.html", "https://cwe.mitre.org/data/definitions/200.html"},
		// Live requests may carry tokens, but seeing them needs timing luck;
		// scored as disclosure (C:L).
		CVSSVector: vectorInfoLeak,
		Confidence: 100,
	})},
	{eval: evalPath(idServerInfo), meta: checks.NewMeta(checks.Meta{
		ID: idServerInfo, Family: Family,
		Title:       "Apache mod_info page (/server-info) reachable",
		Description: "Apache's server-info page answers the scanner: it shows the loaded modules and the whole running configuration (paths, virtual hosts, access rules, proxy back-ends).",
		Solution:    "Restrict /server-info to administrators' addresses (Require ip / Require local in its <Location>) or disable mod_info (a2dismod info).",
		References:  []string{"https://httpd.apache.org/docs/2.4/mod/mod_info.html", "https://cwe.mitre.org/data/definitions/200.html"},
		CVSSVector:  vectorInfoLeak,
		Confidence:  100,
	})},
	{eval: evalPath(idGit), meta: checks.NewMeta(checks.Meta{
		ID: idGit, Family: Family,
		Title:       "Git repository (/.git) downloadable",
		Description: "The site's .git directory is served: the whole repository (source code and its history, often with committed passwords and keys) can be rebuilt object by object.",
		Solution:    "Deploy without the .git directory (git archive, a build artefact) or deny it in the server (nginx: location ~ /\\.git { deny all; }; Apache: RedirectMatch 404 /\\.git), then rotate any secret the history holds.",
		References:  []string{"https://cwe.mitre.org/data/definitions/527.html", "https://owasp.org/www-project-web-security-testing-guide/latest/4-Web_Application_Security_Testing/02-Configuration_and_Deployment_Management_Testing/04-Review_Old_Backup_and_Unreferenced_Files_for_Sensitive_Information"},
		CVSSVector:  vectorFileLeak,
		Confidence:  95,
	})},
	{eval: evalPath(idSVN), meta: checks.NewMeta(checks.Meta{
		ID: idSVN, Family: Family,
		Title:       "Subversion working copy (/.svn) downloadable",
		Description: "The site's .svn directory is served: its entries file or wc.db database names every file and, with the pristine copies, gives away the source code.",
		Solution:    "Deploy with svn export instead of a checkout, or deny /.svn in the server (nginx: location ~ /\\.svn { deny all; }; Apache: RedirectMatch 404 /\\.svn).",
		References:  []string{"https://cwe.mitre.org/data/definitions/527.html"},
		CVSSVector:  vectorFileLeak,
		Confidence:  95,
	})},
	{eval: evalPath(idEnv), meta: checks.NewMeta(checks.Meta{
		ID: idEnv, Family: Family,
		Title:       "Environment file (/.env) downloadable",
		Description: "The application's .env file is served. It holds the settings the application keeps secret: database passwords, API keys, signing keys (a leaked Laravel APP_KEY, for one, allows forging sessions and often running code). The evidence names the keys only.",
		Solution:    "Keep .env outside the document root (serve only the public/ directory) or deny dotfiles in the server (nginx: location ~ /\\. { deny all; }), then rotate every secret it held.",
		References:  []string{"https://cwe.mitre.org/data/definitions/538.html"},
		// Credentials read directly (C:H).
		CVSSVector: vectorFileLeak,
		// Recognised by KEY=VALUE lines, a format other files may share.
		Confidence: 90,
	})},
	{eval: evalPath(idBackup), meta: checks.NewMeta(checks.Meta{
		ID: idBackup, Family: Family,
		Title:       "Backup, archive or database dump downloadable",
		Description: "A backup archive, SQL dump, copy of PHP source (.bak) or .DS_Store file is served under a well-known name, recognised by its content (magic bytes, dump text, PHP source). Such files hold the site's source, its configuration with credentials, or the database itself.",
		Solution:    "Remove backups and dumps from the document root and keep them where the web server cannot read them; deny *.bak, *.sql and .DS_Store in the server configuration; rotate credentials the files held.",
		References:  []string{"https://cwe.mitre.org/data/definitions/530.html", "https://owasp.org/www-project-web-security-testing-guide/latest/4-Web_Application_Security_Testing/02-Configuration_and_Deployment_Management_Testing/04-Review_Old_Backup_and_Unreferenced_Files_for_Sensitive_Information"},
		CVSSVector:  vectorFileLeak,
		// The content is seen, but an archive may be a deliberate download.
		Confidence: 90,
	})},
	{eval: evalPath(idPHPInfo), meta: checks.NewMeta(checks.Meta{
		ID: idPHPInfo, Family: Family,
		Title:       "phpinfo() page reachable",
		Description: "A page calling phpinfo() is served: it shows the PHP and extension versions, the configuration, file system paths, environment variables (sometimes credentials) and the request's cookies, HttpOnly ones included.",
		Solution:    "Delete phpinfo/test scripts from production servers; if needed, protect them with authentication and an address restriction.",
		References:  []string{"https://www.php.net/manual/en/function.phpinfo.php", "https://cwe.mitre.org/data/definitions/200.html"},
		CVSSVector:  vectorInfoLeak,
		Confidence:  100,
	})},
	{eval: evalPath(idAdminConsole), meta: checks.NewMeta(checks.Meta{
		ID: idAdminConsole, Family: Family,
		Title:       "Administration console open without authentication",
		Description: "A well-known administration console (Tomcat Manager, phpMyAdmin, Adminer, JBoss JMX console) answers with its working interface, not a login: anyone who reaches it can deploy code or read and change the databases it manages. Consoles that ask for credentials (a login form, Tomcat's 401) are not reported.",
		Solution:    "Require authentication on the console (Tomcat: users in tomcat-users.xml with the manager-gui role; phpMyAdmin: auth_type cookie), restrict it to administrators' addresses, or remove it from internet-facing servers.",
		References:  []string{"https://cwe.mitre.org/data/definitions/306.html", "https://tomcat.apache.org/tomcat-9.0-doc/manager-howto.html"},
		// Code deployment or full database access without credentials.
		CVSSVector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
		// ASV Program Guide: default or missing credentials on an
		// administrative interface are an automatic failure; a console that
		// needs none at all is that case.
		PCIAutoFail: true,
		Confidence:  90,
	})},
}
