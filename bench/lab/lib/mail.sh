# shellcheck shell=bash
# Dovecot (IMAP, POP3, and the SASL service Postfix authenticates against)
# and Postfix, weak and hardened. Postfix can deliver nothing: mail for
# other domains is discarded, local mail bounces through error(8), there are
# no DNS lookups, and master.cf has no smtp/lmtp/local/pipe delivery agents.

# dovecot_conf NAME IMAP_PORT POP3_PORT: the part both instances share.
dovecot_conf() {
  local d=$LAB/dovecot-$1
  cat <<CONF
instance_name = lab-$1
base_dir = $d/run
state_dir = $d/state
log_path = $LAB/log/dovecot-$1.log
protocols = imap pop3
listen = 127.0.0.1
auth_mechanisms = plain login
mail_location = maildir:$d/mail/%u
passdb {
  driver = static
  args = password=lab-password
}
userdb {
  driver = static
  args = uid=nobody gid=nogroup home=$d/mail/%u
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $2
  }
  inet_listener imaps {
    port = 0
  }
}
service pop3-login {
  inet_listener pop3 {
    address = 127.0.0.1
    port = $3
  }
  inet_listener pop3s {
    port = 0
  }
}
service auth {
  unix_listener $d/auth-postfix {
    mode = 0666
  }
}
CONF
}

start_dovecot() {
  local w=$LAB/dovecot-weak h=$LAB/dovecot-hard
  mkdir -p "$w/run" "$w/state" "$w/mail" "$h/run" "$h/state" "$h/mail"
  chmod 1777 "$w/mail" "$h/mail"
  {
    dovecot_conf weak "$IMAP_WEAK" "$POP3_WEAK"
    # Weak: no TLS, plain-text logins welcome.
    printf 'ssl = no\ndisable_plaintext_auth = no\n'
  } >"$w/dovecot.conf"
  {
    dovecot_conf hard "$IMAP_HARD" "$POP3_HARD"
    # Hardened: STARTTLS/STLS with TLS 1.2+, no login before it.
    printf 'ssl = required\nssl_cert = <%s\nssl_key = <%s\nssl_min_protocol = TLSv1.2\ndisable_plaintext_auth = yes\n' "$HARD_CERT" "$HARD_KEY"
  } >"$h/dovecot.conf"
  run dovecot-weak dovecot -F -c "$w/dovecot.conf"
  run dovecot-hard dovecot -F -c "$h/dovecot.conf"
}

# postfix_instance NAME PORT: queue and data directories, master.cf.
postfix_instance() {
  local d=$LAB/postfix-$1 port=$2 q
  mkdir -p "$d/conf" "$d/data"
  q=$d/queue
  for sub in active bounce corrupt defer deferred flush hold incoming saved trace private; do
    mkdir -p "$q/$sub"
    chown postfix:root "$q/$sub"
    chmod 700 "$q/$sub"
  done
  mkdir -p "$q/public" "$q/maildrop" "$q/pid"
  chown postfix:postdrop "$q/public" "$q/maildrop"
  chmod 710 "$q/public"
  chmod 1730 "$q/maildrop"
  chown root:root "$q" "$q/pid"
  chmod 755 "$q" "$q/pid"
  chown postfix:postfix "$d/data"
  chmod 700 "$d/data"
  cat >"$d/conf/master.cf" <<CONF
127.0.0.1:$port inet n - n - - smtpd
cleanup   unix n - n - 0 cleanup
qmgr      unix n - n 300 1 qmgr
tlsmgr    unix - - n 1000? 1 tlsmgr
rewrite   unix - - n - - trivial-rewrite
bounce    unix - - n - 0 bounce
defer     unix - - n - 0 bounce
trace     unix - - n - 0 bounce
verify    unix - - n - 1 verify
flush     unix n - n 1000? 0 flush
proxymap  unix - - n - - proxymap
error     unix - - n - - error
retry     unix - - n - - error
discard   unix - - n - - discard
anvil     unix - - n - 1 anvil
scache    unix - - n - 1 scache
postlog   unix-dgram n - n - 1 postlogd
CONF
  cat >"$d/conf/main.cf" <<CONF
compatibility_level = 3.6
queue_directory = $q
data_directory = $d/data
command_directory = /usr/sbin
daemon_directory = /usr/lib/postfix/sbin
meta_directory = /etc/postfix
shlib_directory = no
mail_owner = postfix
setgid_group = postdrop
maillog_file = /dev/stdout
myhostname = $1.lab.invalid
mydomain = lab.invalid
myorigin = \$myhostname
mydestination = \$myhostname, localhost
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
alias_maps =
alias_database =
local_recipient_maps = proxy:unix:passwd.byname
# Nothing leaves: mail for other domains goes to discard(8) (smtpd refuses
# recipients that resolve to error(8) at RCPT time, which would hide the open
# relay), local mail to error(8); master.cf has no smtp client, no DNS at all.
default_transport = discard:lab instance, no delivery
relay_transport = discard:lab instance, no delivery
local_transport = error:lab instance, no delivery
virtual_transport = error:lab instance, no delivery
disable_dns_lookups = yes
smtp_host_lookup = native
smtp_dns_support_level = disabled
notify_classes =
smtpd_banner = \$myhostname ESMTP \$mail_name (Debian/GNU)
smtpd_sasl_auth_enable = yes
smtpd_sasl_type = dovecot
smtpd_sasl_path = $LAB/dovecot-$1/auth-postfix
CONF
}

start_postfix() {
  postfix_instance weak "$SMTP_WEAK"
  postfix_instance hard "$SMTP_HARD"
  # Weak: open relay for every loopback client (the scanner among them), VRFY, AUTH in clear text.
  cat >>"$LAB/postfix-weak/conf/main.cf" <<CONF
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
disable_vrfy_command = no
smtpd_tls_security_level = none
CONF
  # Hardened: loopback is not trusted, relaying refused, no VRFY, AUTH only
  # after STARTTLS (TLS 1.2+).
  cat >>"$LAB/postfix-hard/conf/main.cf" <<CONF
mynetworks = 192.0.2.1/32
smtpd_relay_restrictions = permit_sasl_authenticated, reject_unauth_destination
disable_vrfy_command = yes
smtpd_tls_security_level = may
smtpd_tls_auth_only = yes
smtpd_tls_cert_file = $HARD_CERT
smtpd_tls_key_file = $HARD_KEY
smtpd_tls_protocols = >=TLSv1.2
smtpd_tls_mandatory_protocols = >=TLSv1.2
smtpd_tls_exclude_ciphers = aNULL, eNULL, EXPORT, DES, RC4, MD5, 3DES
CONF
  run postfix-weak /usr/lib/postfix/sbin/master -d -c "$LAB/postfix-weak/conf"
  run postfix-hard /usr/lib/postfix/sbin/master -d -c "$LAB/postfix-hard/conf"
}
