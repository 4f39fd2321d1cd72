#!/usr/bin/env bash
# Installs the lab's daemons from Debian packages (and nmap for compare.sh)
# without letting any of them start on the system ports: a policy-rc.d that
# denies every start is in place for the duration of the install, and the
# services the packages enabled are stopped and disabled afterwards. The lab
# starts its own instances by hand (start.sh). Idempotent: when everything is
# installed it only checks and returns.
set -euo pipefail

pkgs=(nginx apache2 vsftpd openssh-server postfix dovecot-imapd dovecot-pop3d
  memcached redis-server postgresql snmpd mariadb-server etcd-server nmap ssl-cert
  redis-tools)

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "lab packages installed"
  exit 0
fi
[ "$(id -u)" = 0 ] || { echo "install.sh: run as root (apt-get install ${missing[*]})" >&2; exit 1; }

echo "installing ${missing[*]}…"
policy=/usr/sbin/policy-rc.d
had_policy=0
[ -e "$policy" ] && had_policy=1
if [ "$had_policy" = 0 ]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy"
  chmod 755 "$policy"
  trap 'rm -f "$policy"' EXIT
fi

export DEBIAN_FRONTEND=noninteractive
# Postfix asks what kind of mail system this is: none, so it never delivers.
echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
echo "postfix postfix/mailname string lab.invalid" | debconf-set-selections
apt-get update -qq
apt-get install -y -qq --no-install-recommends \
  -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
  "${missing[@]}" >/dev/null

# Packages may have enabled units (they did not start under policy-rc.d, but a
# reboot would start them): the lab never uses the system instances.
if command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
  for u in nginx apache2 vsftpd ssh postfix dovecot memcached redis-server snmpd mariadb etcd; do
    systemctl disable --now "$u" >/dev/null 2>&1 || true
  done
fi
echo "lab packages installed"
