package httpcheck

// Check IDs of the path probes.
const (
	idListing      = "http.directory-listing"
	idServerStatus = "http.apache.server-status"
	idServerInfo   = "http.apache.server-info"
	idGit          = "http.exposed.git"
	idSVN          = "http.exposed.svn"
	idEnv          = "http.exposed.env"
	idBackup       = "http.exposed.backup"
	idPHPInfo      = "http.exposed.phpinfo"
	idAdminConsole = "http.exposed.admin-console"
)

// pathProbe is one well-known path, the check it belongs to and the matcher
// its 200 answer must satisfy: the status alone proves nothing, since many
// servers answer 200 for every path.
type pathProbe struct {
	path  string
	check string
	match matcher
}

// pathProbes is the curated list, probed in order after the soft-404
// baselines. Its length is part of the request budget (see pathBudget).
var pathProbes = []pathProbe{
	{"/server-status", idServerStatus, containsRe(serverStatusRe)},
	{"/server-info", idServerInfo, containsRe(serverInfoRe)},
	{"/.git/HEAD", idGit, gitHEAD},
	{"/.git/config", idGit, gitConfig},
	{"/.svn/entries", idSVN, svnEntries},
	{"/.svn/wc.db", idSVN, svnWCDB},
	{"/.env", idEnv, dotEnv},
	{"/backup.zip", idBackup, archive},
	{"/backup.tar.gz", idBackup, archive},
	{"/db.sql", idBackup, sqlDump},
	{"/dump.sql", idBackup, sqlDump},
	{"/backup.sql", idBackup, sqlDump},
	{"/index.php.bak", idBackup, phpSource},
	{"/wp-config.php.bak", idBackup, phpSource},
	{"/.DS_Store", idBackup, dsStore},
	{"/phpinfo.php", idPHPInfo, phpinfo},
	{"/info.php", idPHPInfo, phpinfo},
	// Consoles count only when they work without credentials: a login form,
	// or Tomcat's 401 with its realm, means present but protected.
	{"/manager/html", idAdminConsole, console("Tomcat Manager", "Tomcat Web Application Manager",
		[]string{"/manager/html/list", "/manager/html/undeploy", "Deploy"}, nil)},
	{"/phpmyadmin/", idAdminConsole, console("phpMyAdmin", "phpMyAdmin",
		[]string{"pma_navigation", "server_databases"}, []string{`name="pma_username"`, `id="input_username"`, `name="pma_password"`})},
	{"/adminer.php", idAdminConsole, console("Adminer", "Adminer",
		[]string{`name='logout'`, `name="logout"`}, []string{"auth[username]", "auth[password]"})},
	{"/jmx-console/", idAdminConsole, console("JBoss JMX console", "JMX Agent View",
		[]string{"HtmlAdaptor"}, nil)},
}

// commonDirs are folders web sites commonly serve as static trees, probed for
// listings after the directories linked from "/".
var commonDirs = []string{"/uploads/", "/files/", "/backup/", "/backups/", "/downloads/", "/pub/",
	"/images/", "/static/", "/assets/", "/data/", "/icons/", "/css/", "/js/"}
