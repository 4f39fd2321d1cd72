# shellcheck shell=bash
# Data stores: memcached, Redis, PostgreSQL, MariaDB, etcd; and Net-SNMP.
LAB_PASSWORD=lab-Hardened-0nly

start_memcached() {
  local h=$LAB/memcached-hard
  mkdir -p "$h"
  # Hardened: ASCII-protocol authentication (-Y): nothing before a login.
  echo "lab:$LAB_PASSWORD" >"$h/auth"
  chown memcache "$h/auth"
  chmod 600 "$h/auth"
  run memcached-weak memcached -u memcache -l 127.0.0.1 -p "$MEMCACHED_WEAK" -U 0 -m 16
  run memcached-hard memcached -u memcache -l 127.0.0.1 -p "$MEMCACHED_HARD" -U 0 -m 16 -Y "$h/auth"
}

start_redis() {
  mkdir -p "$LAB/redis-weak" "$LAB/redis-hard"
  run redis-weak redis-server --bind 127.0.0.1 --port "$REDIS_WEAK" --daemonize no \
    --save '' --appendonly no --dir "$LAB/redis-weak" --logfile "$LAB/log/redis-weak.log"
  run redis-hard redis-server --bind 127.0.0.1 --port "$REDIS_HARD" --daemonize no \
    --save '' --appendonly no --dir "$LAB/redis-hard" --logfile "$LAB/log/redis-hard.log" \
    --requirepass "$LAB_PASSWORD"
}

start_postgres() {
  local bin=/usr/lib/postgresql/15/bin w=$LAB/postgres-weak h=$LAB/postgres-hard
  mkdir -p "$w" "$h"
  echo "$LAB_PASSWORD" >"$h.pw"
  chown postgres:postgres "$w" "$h" "$h.pw"
  chmod 700 "$w" "$h"
  # Weak: trust for everyone. Hardened: SCRAM passwords.
  as postgres "$bin/initdb" -D "$w/data" -U postgres -A trust -E UTF8 --no-sync >"$LAB/log/initdb-weak.log"
  as postgres "$bin/initdb" -D "$h/data" -U postgres -A scram-sha-256 --pwfile="$h.pw" -E UTF8 --no-sync >"$LAB/log/initdb-hard.log"
  rm -f "$h.pw"
  run postgres-weak setpriv --reuid=postgres --regid=postgres --init-groups -- "$bin/postgres" -D "$w/data" -c listen_addresses=127.0.0.1 \
    -c port="$POSTGRES_WEAK" -c unix_socket_directories="$w" -c fsync=off -c ssl=off
  run postgres-hard setpriv --reuid=postgres --regid=postgres --init-groups -- "$bin/postgres" -D "$h/data" -c listen_addresses=127.0.0.1 \
    -c port="$POSTGRES_HARD" -c unix_socket_directories="$h" -c fsync=off -c ssl=off
}

start_mariadb() {
  local w=$LAB/mariadb-weak h=$LAB/mariadb-hard
  for d in "$w" "$h"; do
    mkdir -p "$d"
    chown mysql:mysql "$d"
    mariadb-install-db --no-defaults --user=mysql --datadir="$d/data" --auth-root-authentication-method=normal \
      --skip-test-db --skip-name-resolve >"$LAB/log/mariadb-install-$(basename "$d").log" 2>&1
  done
  # Weak: root with an empty password, over TCP from anywhere.
  cat >"$w/init.sql" <<'SQL'
CREATE USER IF NOT EXISTS 'root'@'%' IDENTIFIED BY '';
GRANT ALL PRIVILEGES ON *.* TO 'root'@'%' WITH GRANT OPTION;
SQL
  # Hardened: root has a password (and a TCP account that needs it). The
  # install also creates root@127.0.0.1, root@::1 and root@<hostname> with
  # no password: a real hardening step is to drop them (the scanner finds
  # root@127.0.0.1 otherwise, rightly).
  cat >"$h/init.sql" <<SQL
DELETE FROM mysql.global_priv WHERE User = 'root' AND Host NOT IN ('localhost', '%');
DELETE FROM mysql.global_priv WHERE User = '';
FLUSH PRIVILEGES;
ALTER USER 'root'@'localhost' IDENTIFIED BY '$LAB_PASSWORD';
CREATE USER IF NOT EXISTS 'root'@'%' IDENTIFIED BY '$LAB_PASSWORD';
GRANT ALL PRIVILEGES ON *.* TO 'root'@'%' WITH GRANT OPTION;
SQL
  chown mysql "$w/init.sql" "$h/init.sql"
  local port
  for d in "$w" "$h"; do
    if [ "$d" = "$w" ]; then port=$MYSQL_WEAK; else port=$MYSQL_HARD; fi
    run "$(basename "$d")" mariadbd --no-defaults --user=mysql --datadir="$d/data" --port="$port" \
      --bind-address=127.0.0.1 --socket="$d/mysqld.sock" --pid-file="$d/mysqld.pid" \
      --skip-name-resolve --skip-log-bin --innodb-buffer-pool-size=16M --log-error="$LAB/log/$(basename "$d").err" \
      --init-file="$d/init.sql"
  done
}

start_snmpd() {
  local d
  for d in weak hard; do mkdir -p "$LAB/snmpd-$d"; done
  # Weak: the default read community "public". Hardened: SNMPv3 user only.
  cat >"$LAB/snmpd-weak/snmpd.conf" <<CONF
agentaddress udp:127.0.0.1:$SNMP_WEAK
rocommunity public 127.0.0.1
sysLocation Perimeter lab
sysContact lab@lab.invalid
CONF
  cat >"$LAB/snmpd-hard/snmpd.conf" <<CONF
agentaddress udp:127.0.0.1:$SNMP_HARD
createUser labuser SHA-256 "$LAB_PASSWORD" AES "$LAB_PASSWORD"
rouser labuser priv
CONF
  for d in weak hard; do
    run "snmpd-$d" env SNMP_PERSISTENT_DIR="$LAB/snmpd-$d" snmpd -f -C -c "$LAB/snmpd-$d/snmpd.conf" \
      -Lf "$LAB/log/snmpd-$d.log" -p "$LAB/snmpd-$d/snmpd.pid"
  done
}

start_etcd() {
  local d port
  for d in weak hard; do
    if [ $d = weak ]; then port=$ETCD_WEAK; else port=$ETCD_HARD; fi
    run "etcd-$d" etcd --name "lab-$d" --data-dir "$LAB/etcd-$d" \
      --listen-client-urls "http://127.0.0.1:$port" --advertise-client-urls "http://127.0.0.1:$port" \
      --listen-peer-urls "http://127.0.0.1:$((port + 1))" --initial-advertise-peer-urls "http://127.0.0.1:$((port + 1))" \
      --initial-cluster "lab-$d=http://127.0.0.1:$((port + 1))" --log-outputs stderr
  done
}

# post_start runs once everything listens: etcd's authentication can only
# be turned on through its API (the hardened instance: root with a password).
post_start() {
  local u=http://127.0.0.1:$ETCD_HARD/v3
  curl -fsS -X POST "$u/auth/user/add" -d '{"name":"root","password":"'"$LAB_PASSWORD"'"}' >/dev/null
  curl -fsS -X POST "$u/auth/role/add" -d '{"name":"root"}' >/dev/null
  curl -fsS -X POST "$u/auth/user/grant" -d '{"user":"root","role":"root"}' >/dev/null
  curl -fsS -X POST "$u/auth/enable" -d '{}' >/dev/null
  # The weak one gets a key, so there is something to read without a password.
  curl -fsS -X POST "http://127.0.0.1:$ETCD_WEAK/v3/kv/put" -d '{"key":"'"$(printf config/db_password | base64)"'","value":"'"$(printf lab-not-a-secret | base64)"'"}' >/dev/null
}
