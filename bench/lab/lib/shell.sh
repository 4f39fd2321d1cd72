# shellcheck shell=bash
# vsftpd and OpenSSH, weak and hardened.

start_vsftpd() {
  local w=$LAB/vsftpd-weak h=$LAB/vsftpd-hard
  mkdir -p "$w/pub/incoming" "$w/empty" "$h/empty"
  echo "welcome to the lab ftp" >"$w/pub/README"
  chmod 755 "$w/pub" "$w/empty" "$h/empty"
  # Weak: anonymous login, no TLS at all.
  cat >"$w/vsftpd.conf" <<CONF
listen=YES
listen_ipv6=NO
listen_address=127.0.0.1
listen_port=$FTP_WEAK
background=NO
anonymous_enable=YES
anon_root=$w/pub
no_anon_password=YES
local_enable=NO
write_enable=NO
ssl_enable=NO
secure_chroot_dir=$w/empty
pasv_address=127.0.0.1
pasv_min_port=18500
pasv_max_port=18520
seccomp_sandbox=NO
xferlog_enable=NO
vsftpd_log_file=$LAB/log/vsftpd-weak.log
pam_service_name=vsftpd
CONF
  # Hardened: no anonymous login, TLS 1.2+ required for logins and data.
  cat >"$h/vsftpd.conf" <<CONF
listen=YES
listen_ipv6=NO
listen_address=127.0.0.1
listen_port=$FTP_HARD
background=NO
anonymous_enable=NO
local_enable=YES
write_enable=NO
ssl_enable=YES
rsa_cert_file=$HARD_CERT
rsa_private_key_file=$HARD_KEY
force_local_logins_ssl=YES
force_local_data_ssl=YES
ssl_sslv2=NO
ssl_sslv3=NO
ssl_tlsv1=NO
ssl_ciphers=HIGH
secure_chroot_dir=$h/empty
pasv_address=127.0.0.1
pasv_min_port=18521
pasv_max_port=18540
seccomp_sandbox=NO
xferlog_enable=NO
vsftpd_log_file=$LAB/log/vsftpd-hard.log
pam_service_name=vsftpd
CONF
  run vsftpd-weak vsftpd "$w/vsftpd.conf"
  run vsftpd-hard vsftpd "$h/vsftpd.conf"
}

start_sshd() {
  local d=$LAB/sshd
  mkdir -p "$d" /run/sshd
  chmod 700 "$d"
  ssh-keygen -q -t ed25519 -N '' -f "$d/host_ed25519" </dev/null
  ssh-keygen -q -t rsa -b 3072 -N '' -f "$d/host_rsa" </dev/null
  # Weak: passwords, and CBC ciphers, MD5/SHA-1-96 MACs and SHA-1 key
  # exchanges on top of the defaults (all still built into OpenSSH 9.2).
  cat >"$d/weak.conf" <<CONF
Port $SSH_WEAK
ListenAddress 127.0.0.1
HostKey $d/host_ed25519
HostKey $d/host_rsa
PidFile $d/weak.pid
UsePAM no
PermitRootLogin no
PasswordAuthentication yes
KbdInteractiveAuthentication no
PubkeyAuthentication yes
Ciphers +aes128-cbc,aes256-cbc
MACs +hmac-md5,hmac-sha1-96
KexAlgorithms +diffie-hellman-group1-sha1,diffie-hellman-group14-sha1,diffie-hellman-group-exchange-sha1
LogLevel ERROR
CONF
  # Hardened: public keys only, modern algorithms only.
  cat >"$d/hard.conf" <<CONF
Port $SSH_HARD
ListenAddress 127.0.0.1
HostKey $d/host_ed25519
PidFile $d/hard.pid
UsePAM no
PermitRootLogin no
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
AuthenticationMethods publickey
Ciphers chacha20-poly1305@openssh.com,aes256-gcm@openssh.com,aes128-gcm@openssh.com,aes256-ctr,aes128-ctr
MACs hmac-sha2-512-etm@openssh.com,hmac-sha2-256-etm@openssh.com,umac-128-etm@openssh.com
KexAlgorithms sntrup761x25519-sha512@openssh.com,curve25519-sha256,curve25519-sha256@libssh.org,diffie-hellman-group16-sha512,diffie-hellman-group18-sha512
HostKeyAlgorithms ssh-ed25519
LogLevel ERROR
CONF
  run sshd-weak /usr/sbin/sshd -D -e -f "$d/weak.conf"
  run sshd-hard /usr/sbin/sshd -D -e -f "$d/hard.conf"
}
