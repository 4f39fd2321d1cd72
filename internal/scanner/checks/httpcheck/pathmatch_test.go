package httpcheck

import (
	"bytes"
	"compress/gzip"
	"slices"
	"strings"
	"testing"
)

func gzipped(s string) string {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	w.Write([]byte(s))
	w.Close()
	return b.String()
}

const (
	phpinfoPage = `<!DOCTYPE html><html><head><title>PHP 8.2.7 - phpinfo()</title></head><body><div class="center">
<table><tr class="h"><td><h1 class="p">PHP Version 8.2.7</h1></td></tr></table>
<table><tr><td class="e">System </td><td class="v">Linux web 6.1.0 x86_64 </td></tr></table></div></body></html>`
	secret = "s3cr3t-value"
)

// Every exposed path is reported under its check, with the URL and the
// matched snippet, and no secret in the evidence.
func TestPathExposures(t *testing.T) {
	tests := []struct {
		name, path string
		r          resp
		id         string
		evidence   []string
	}{
		{"server-status", "/server-status", resp{ctype: "text/html", body: `<html><body><h1>Apache Server Status for localhost (via 127.0.0.1)</h1><dl><dt>Server Version: Apache/2.4.62 (Debian)</dt></dl></body></html>`},
			idServerStatus, []string{"Apache Server Status for localhost (via 127.0.0.1)"}},
		{"server-info", "/server-info", resp{ctype: "text/html", body: `<html><body><h1 style="text-align: center">Apache Server Information</h1></body></html>`},
			idServerInfo, []string{"Apache Server Information"}},
		{"git HEAD ref", "/.git/HEAD", resp{body: "ref: refs/heads/main\n"}, idGit, []string{`"ref: refs/heads/main"`}},
		{"git HEAD sha", "/.git/HEAD", resp{body: "3f786850e387550fdab836ed7e6dc881de23001b\n"}, idGit, []string{"3f786850e387550fdab836ed7e6dc881de23001b"}},
		{"git config", "/.git/config", resp{body: "[core]\n\trepositoryformatversion = 0\n\tbare = false\n[remote \"origin\"]\n\turl = https://deploy:" + secret + "@git.example.test/site.git\n"},
			idGit, []string{`[core] [remote "origin"]`}},
		{"svn entries", "/.svn/entries", resp{body: "10\n\ndir\n1234\nhttps://svn.example.test/repo/trunk\n"}, idSVN, []string{"format 10"}},
		{"svn wc.db", "/.svn/wc.db", resp{ctype: "application/octet-stream", body: "SQLite format 3\x00\x10\x00\x01\x01CREATE TABLE REPOSITORY (id INTEGER);CREATE TABLE WCROOT (id INTEGER)"}, idSVN, []string{"WCROOT"}},
		{"dotenv", "/.env", resp{body: "# app\nAPP_KEY=base64:" + secret + "\nDB_PASSWORD=" + secret + "\n\nexport MAIL_HOST=smtp.example.test\n"},
			idEnv, []string{"3 KEY=VALUE lines", "APP_KEY=***, DB_PASSWORD=***, MAIL_HOST=***"}},
		{"backup zip", "/backup.zip", resp{ctype: "application/zip", body: "PK\x03\x04\x14\x00\x00\x00\x08\x00" + secret}, idBackup, []string{"ZIP signature 50 4b 03 04"}},
		{"backup tar.gz", "/backup.tar.gz", resp{ctype: "application/gzip", body: gzipped(secret)}, idBackup, []string{"gzip signature"}},
		// Served as a gzip-encoded tar: the bytes on the wire are judged.
		{"tar.gz as encoding", "/backup.tar.gz", resp{ctype: "application/x-tar", hdr: []string{"Content-Encoding", "gzip"}, body: gzipped(secret)}, idBackup, []string{"gzip signature"}},
		{"mysql dump", "/db.sql", resp{body: "-- MySQL dump 10.13  Distrib 8.0.36\n--\nINSERT INTO `users` VALUES ('" + secret + "');\n"}, idBackup, []string{`"-- MySQL dump 10.13  Distrib 8.0.36"`}},
		{"postgres dump", "/dump.sql", resp{body: "--\n-- PostgreSQL database dump\n--\nCOPY users (pw) FROM stdin;\n" + secret + "\n"}, idBackup, []string{"PostgreSQL database dump"}},
		{"gzipped dump", "/dump.sql", resp{body: gzipped("-- MySQL dump")}, idBackup, []string{"gzip signature"}},
		{"php backup", "/index.php.bak", resp{body: "<?php\n$db_pass = '" + secret + "';\n"}, idBackup, []string{"PHP source code"}},
		{"wp-config backup", "/wp-config.php.bak", resp{body: "\xef\xbb\xbf<?php\ndefine( 'DB_PASSWORD', '" + secret + "' );\n"}, idBackup, []string{"/wp-config.php.bak -> 200 OK"}},
		{"DS_Store", "/.DS_Store", resp{body: "\x00\x00\x00\x01Bud1\x00\x00\x10\x00"}, idBackup, []string{".DS_Store file"}},
		{"phpinfo", "/phpinfo.php", resp{ctype: "text/html", body: phpinfoPage}, idPHPInfo, []string{`"PHP Version 8.2.7"`}},
		{"info.php", "/info.php", resp{ctype: "text/html", body: phpinfoPage}, idPHPInfo, []string{"/info.php -> 200 OK"}},
		{"backup.sql", "/backup.sql", resp{ctype: "application/sql", body: "-- MySQL dump 10.13\nDROP TABLE IF EXISTS `users`;\nCREATE TABLE `users` (id int);\nINSERT INTO `users` VALUES (1);\n"}, idBackup, []string{"/backup.sql -> 200 OK"}},
		{"tomcat manager", "/manager/html", resp{ctype: "text/html", body: `<html><head><title>/manager</title></head><body><h1>Tomcat Web Application Manager</h1><a href="/manager/html/list">List Applications</a></body></html>`},
			idAdminConsole, []string{"Tomcat Manager answers without credentials"}},
		{"phpmyadmin open", "/phpmyadmin/", resp{ctype: "text/html", body: `<html><head><title>localhost / phpMyAdmin</title></head><body><div id="pma_navigation"></div></body></html>`},
			idAdminConsole, []string{"phpMyAdmin answers without credentials"}},
		{"adminer open", "/adminer.php", resp{ctype: "text/html", body: `<html><head><title>Select database - Adminer</title></head><body><input type='submit' name='logout' value='Logout' id='logout'></body></html>`},
			idAdminConsole, []string{"Adminer answers"}},
		{"jboss jmx", "/jmx-console/", resp{ctype: "text/html", body: `<html><head><title>JBoss JMX Management Console</title></head><body><h1>JMX Agent View</h1><a href="HtmlAdaptor?action=inspectMBean">x</a></body></html>`},
			idAdminConsole, []string{"JBoss JMX console"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tg := server(t, false, site(map[string]resp{tt.path: tt.r}, nil))
			fs := runPathChecks(t, tg)
			if got := ids(fs); !slices.Equal(got, []string{tt.id}) {
				t.Fatalf("findings %v, want [%s]", got, tt.id)
			}
			ev := fs[tt.id].Evidence
			for _, want := range append([]string{"GET http://127.0.0.1:", tt.path + " -> 200 OK"}, tt.evidence...) {
				if !strings.Contains(ev, want) {
					t.Errorf("evidence lacks %q:\n%s", want, ev)
				}
			}
			if strings.Contains(ev, secret) {
				t.Errorf("evidence leaks a secret:\n%s", ev)
			}
		})
	}
}

// A 200 status alone is never a finding: the content must prove the
// exposure, and a console that asks for credentials is not open.
func TestPathNonExposures(t *testing.T) {
	html := func(body string) resp {
		return resp{ctype: "text/html", body: "<html><body>" + body + "</body></html>"}
	}
	tests := []struct {
		name, path string
		r          resp
	}{
		{".env as HTML", "/.env", html("APP_KEY=x<br>DB_PASSWORD=y")},
		{".env as a page", "/.env", resp{ctype: "text/html", body: "<!DOCTYPE html><title>Not here</title><p>Try the home page.</p>"}},
		{"prose .env", "/.env", resp{body: "This file is intentionally empty.\nSee the docs.\n"}},
		{"git HEAD as HTML", "/.git/HEAD", html("ref: refs/heads/main")},
		{"git config without core", "/.git/config", resp{body: "[user]\n\tname = x\n"}},
		{"svn 1.7 entries stub", "/.svn/entries", resp{body: "12\n"}},
		{"plain sqlite", "/.svn/wc.db", resp{body: "SQLite format 3\x00CREATE TABLE t (x)"}},
		{"zip as HTML", "/backup.zip", html("download our backup.zip")},
		{"sql as HTML", "/db.sql", html("CREATE TABLE tutorial")},
		{"php executed", "/index.php.bak", html("Welcome")},
		{"DS_Store as text", "/.DS_Store", resp{body: "Bud1"}},
		{"php version prose", "/info.php", html("We run PHP Version 8 here.")},
		{"status forbidden", "/server-status", resp{status: 403, ctype: "text/html", body: "<h1>Apache Server Status for localhost</h1>"}},
		{"tomcat 401", "/manager/html", resp{status: 401, ctype: "text/html", body: "<h1>401 Unauthorized</h1> Tomcat Web Application Manager /manager/html/list", hdr: []string{"WWW-Authenticate", `Basic realm="Tomcat Manager Application"`}}},
		{"phpmyadmin login", "/phpmyadmin/", html(`phpMyAdmin <form><input type="text" name="pma_username" id="input_username"></form> pma_navigation`)},
		{"adminer login", "/adminer.php", html(`Login - Adminer <input name="auth[username]"> <input name="auth[password]" type="password">`)},
		{"listing behind 404", "/uploads/", resp{status: 404, ctype: "text/html", body: "<title>Index of /uploads/</title>"}},
		{"product index", "/", html("<title>Our product index</title>")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if fs := runPathChecks(t, server(t, false, site(map[string]resp{tt.path: tt.r}, nil))); len(fs) != 0 {
				t.Fatalf("findings %v", ids(fs))
			}
		})
	}
}
