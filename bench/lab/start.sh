#!/usr/bin/env bash
# Starts the lab: real Debian daemons started by hand (no systemd), each on
# 127.0.0.1 on the high ports of ports.env with its own configuration in
# $PERIMETER_LAB_DIR (default /tmp/perimeter-lab), most in two instances: a
# WEAK one with planted weaknesses and a HARD(ened) twin without them.
# stop.sh ends them (by the pids this script records). Run as root
# (install.sh first). Nothing listens beyond loopback and Postfix cannot
# deliver anything anywhere (every transport is "error", no DNS).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=ports.env
. "$here/ports.env"
LAB=${PERIMETER_LAB_DIR:-/tmp/perimeter-lab}
[ "$(id -u)" = 0 ] || { echo "start.sh: run as root" >&2; exit 1; }
if [ -d "$LAB/pids" ] && [ -n "$(ls -A "$LAB/pids" 2>/dev/null)" ]; then
  "$here/stop.sh"
fi
rm -rf "$LAB"
mkdir -p "$LAB/pids" "$LAB/log"
chmod 755 "$LAB"

# run NAME CMD...: starts CMD in the background, records its pid.
run() {
  local name=$1; shift
  "$@" >>"$LAB/log/$name.out" 2>&1 </dev/null &
  echo $! >"$LAB/pids/$name"
}
# as USER CMD...: CMD as USER, exec'd in place (the recorded pid is the daemon's).
as() { local u=$1; shift; setpriv --reuid="$u" --regid="$u" --init-groups -- "$@"; } # in the foreground only

. "$here/lib/pki.sh"
. "$here/lib/web.sh"
. "$here/lib/mail.sh"
. "$here/lib/shell.sh"
. "$here/lib/data.sh"

pki_setup
start_nginx
start_apache
start_vsftpd
start_sshd
start_dovecot
start_postfix
start_memcached
start_redis
start_postgres
start_mariadb
start_snmpd
start_etcd

# Wait until every TCP port accepts connections (SNMP is UDP: given a moment).
deadline=$((SECONDS + 30))
for var in $(sed -n 's/^\([A-Z0-9_]*\)=.*/\1/p' "$here/ports.env"); do
  case $var in SNMP_*) continue ;; esac
  port=${!var}
  until (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
    if [ $SECONDS -ge $deadline ]; then
      echo "start.sh: $var (127.0.0.1:$port) not listening; logs in $LAB/log" >&2
      exit 1
    fi
    sleep 0.2
  done
done
post_start
echo "lab up in $LAB"
