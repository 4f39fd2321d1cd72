# shellcheck shell=bash
# nginx and Apache, weak and hardened.

start_nginx() {
  local w=$LAB/nginx-weak h=$LAB/nginx-hard
  mkdir -p "$w/www/downloads" "$w/www/.git" "$h/www/downloads" "$w/tmp" "$h/tmp"
  # Weak: the listing is in a sub-directory linked from / (not at the root,
  # and not under a name a fixed list of folders would guess).
  cat >"$w/www/index.html" <<'HTML'
<!doctype html><html><head><title>Lab shop</title></head>
<body><h1>Lab shop</h1><p><a href="/downloads/">Downloads</a></p></body></html>
HTML
  echo "price list" >"$w/www/downloads/prices.txt"
  echo "manual" >"$w/www/downloads/manual.txt"
  echo "ref: refs/heads/main" >"$w/www/.git/HEAD"
  printf '[core]\n\trepositoryformatversion = 0\n\tbare = false\n' >"$w/www/.git/config"
  printf 'APP_ENV=production\nDB_HOST=127.0.0.1\nDB_PASSWORD=lab-not-a-secret\nAPP_KEY=base64:bGFiLWtleS1ub3QtcmVhbA==\n' >"$w/www/.env"
  cp "$w/www/index.html" "$h/www/index.html"
  echo "price list" >"$h/www/downloads/prices.txt"
  chmod -R a+rX "$w/www" "$h/www"

  cat >"$w/nginx.conf" <<CONF
daemon off;
master_process on;
worker_processes 1;
user www-data;
pid $w/nginx.pid;
error_log $LAB/log/nginx-weak.error.log;
events { worker_connections 256; }
http {
  include /etc/nginx/mime.types;
  access_log $LAB/log/nginx-weak.access.log;
  client_body_temp_path $w/tmp/body; proxy_temp_path $w/tmp/proxy;
  fastcgi_temp_path $w/tmp/fastcgi; uwsgi_temp_path $w/tmp/uwsgi; scgi_temp_path $w/tmp/scgi;
  server_tokens on;
  server {
    listen 127.0.0.1:$NGINX_WEAK_HTTP;
    root $w/www;
    location /downloads/ { autoindex on; }
  }
  server {
    listen 127.0.0.1:$NGINX_WEAK_HTTPS ssl;
    root $w/www;
    ssl_certificate $SNAKEOIL_CERT;
    ssl_certificate_key $SNAKEOIL_KEY;
    # TLS 1.0 and 1.1 need security level 0 with OpenSSL 3.
    ssl_protocols TLSv1 TLSv1.1 TLSv1.2 TLSv1.3;
    ssl_ciphers DEFAULT:@SECLEVEL=0;
    location /downloads/ { autoindex on; }
  }
}
CONF
  cat >"$h/nginx.conf" <<CONF
daemon off;
master_process on;
worker_processes 1;
user www-data;
pid $h/nginx.pid;
error_log $LAB/log/nginx-hard.error.log;
events { worker_connections 256; }
http {
  include /etc/nginx/mime.types;
  access_log $LAB/log/nginx-hard.access.log;
  client_body_temp_path $h/tmp/body; proxy_temp_path $h/tmp/proxy;
  fastcgi_temp_path $h/tmp/fastcgi; uwsgi_temp_path $h/tmp/uwsgi; scgi_temp_path $h/tmp/scgi;
  server_tokens off;
  autoindex off;
  server {
    listen 127.0.0.1:$NGINX_HARD_HTTP;
    root $h/www;
    add_header X-Frame-Options DENY always;
    add_header X-Content-Type-Options nosniff always;
    add_header Content-Security-Policy "frame-ancestors 'none'" always;
    location ~ /\. { return 404; }
  }
  server {
    listen 127.0.0.1:$NGINX_HARD_HTTPS ssl;
    root $h/www;
    ssl_certificate $HARD_CERT;
    ssl_certificate_key $HARD_KEY;
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_ciphers ECDHE+AESGCM:ECDHE+CHACHA20;
    add_header Strict-Transport-Security "max-age=31536000" always;
    add_header X-Frame-Options DENY always;
    add_header X-Content-Type-Options nosniff always;
    add_header Content-Security-Policy "frame-ancestors 'none'" always;
    location ~ /\. { return 404; }
  }
}
CONF
  run nginx-weak nginx -c "$w/nginx.conf" -p "$w" -e "$LAB/log/nginx-weak.error.log"
  run nginx-hard nginx -c "$h/nginx.conf" -p "$h" -e "$LAB/log/nginx-hard.error.log"
}

# apache_conf DIR PORT: the part both Apache instances share.
apache_conf() {
  local d=$1 port=$2
  cat <<CONF
ServerRoot $d
ServerName localhost
Listen 127.0.0.1:$port
PidFile $d/httpd.pid
DefaultRuntimeDir $d/run
Mutex file:$d/run default
ErrorLog $d/error.log
LogLevel warn
User www-data
Group www-data
LoadModule mpm_event_module /usr/lib/apache2/modules/mod_mpm_event.so
LoadModule authz_core_module /usr/lib/apache2/modules/mod_authz_core.so
LoadModule authz_host_module /usr/lib/apache2/modules/mod_authz_host.so
LoadModule dir_module /usr/lib/apache2/modules/mod_dir.so
LoadModule mime_module /usr/lib/apache2/modules/mod_mime.so
LoadModule autoindex_module /usr/lib/apache2/modules/mod_autoindex.so
LoadModule alias_module /usr/lib/apache2/modules/mod_alias.so
LoadModule headers_module /usr/lib/apache2/modules/mod_headers.so
LoadModule status_module /usr/lib/apache2/modules/mod_status.so
LoadModule info_module /usr/lib/apache2/modules/mod_info.so
TypesConfig /etc/mime.types
StartServers 1
ServerLimit 2
ThreadsPerChild 25
MaxRequestWorkers 50
DirectoryIndex index.html
DocumentRoot $d/www
CONF
}

start_apache() {
  local w=$LAB/apache-weak h=$LAB/apache-hard
  mkdir -p "$w/www/pub" "$w/run" "$h/www/pub" "$h/run"
  # Weak: no index page, so / is a listing (as is /pub/); a database dump.
  echo "release notes" >"$w/www/pub/notes.txt"
  cat >"$w/www/backup.sql" <<'SQL'
-- MySQL dump 10.13  Distrib 8.0.36, for Linux (x86_64)
--
-- Host: localhost    Database: shop
-- ------------------------------------------------------
DROP TABLE IF EXISTS `users`;
CREATE TABLE `users` (
  `id` int NOT NULL AUTO_INCREMENT,
  `email` varchar(255) NOT NULL,
  `password_hash` varchar(255) NOT NULL,
  PRIMARY KEY (`id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
INSERT INTO `users` VALUES (1,'admin@lab.invalid','$2y$10$labnotarealhashlabnotarealhash');
SQL
  cat >"$h/www/index.html" <<'HTML'
<!doctype html><html><head><title>Lab intranet</title></head>
<body><h1>Lab intranet</h1><p><a href="/pub/">Public files</a></p></body></html>
HTML
  echo "release notes" >"$h/www/pub/notes.txt"
  chmod -R a+rX "$w/www" "$h/www"
  {
    apache_conf "$w" "$APACHE_WEAK"
    cat <<CONF
ServerTokens Full
ServerSignature On
TraceEnable on
ExtendedStatus On
<Directory $w/www>
  Options +Indexes
  Require all granted
</Directory>
<Location /server-status>
  SetHandler server-status
  Require all granted
</Location>
<Location /server-info>
  SetHandler server-info
  Require all granted
</Location>
CONF
  } >"$w/httpd.conf"
  {
    apache_conf "$h" "$APACHE_HARD"
    cat <<CONF
ServerTokens Prod
ServerSignature Off
TraceEnable off
Header always set X-Frame-Options DENY
Header always set X-Content-Type-Options nosniff
Header always set Content-Security-Policy "frame-ancestors 'none'"
<Directory />
  Options None
  AllowOverride None
  Require all denied
</Directory>
<Directory $h/www>
  Options -Indexes
  Require all granted
</Directory>
CONF
  } >"$h/httpd.conf"
  run apache-weak apache2 -f "$w/httpd.conf" -DFOREGROUND
  run apache-hard apache2 -f "$h/httpd.conf" -DFOREGROUND
}
