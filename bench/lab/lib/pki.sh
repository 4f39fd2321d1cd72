# shellcheck shell=bash
# The lab's certificates. Weak services use Debian's snake-oil certificate
# (self-signed, from ssl-cert). Hardened ones use a certificate for
# 127.0.0.1/localhost issued by a throwaway lab CA: not self-signed (it is
# still untrusted, the CA being nobody's anchor).
SNAKEOIL_CERT=/etc/ssl/certs/ssl-cert-snakeoil.pem
SNAKEOIL_KEY=/etc/ssl/private/ssl-cert-snakeoil.key

pki_setup() {
  local d=$LAB/pki
  mkdir -p "$d"
  if [ ! -f "$SNAKEOIL_CERT" ]; then make-ssl-cert generate-default-snakeoil; fi
  openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 30 -subj "/CN=Perimeter lab CA" \
    -keyout "$d/ca.key" -out "$d/ca.pem" -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -sha256 -subj "/CN=localhost" \
    -keyout "$d/server.key" -out "$d/server.csr" 2>/dev/null
  printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' >"$d/ext"
  openssl x509 -req -in "$d/server.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" -CAcreateserial \
    -days 30 -sha256 -extfile "$d/ext" -out "$d/server.pem" 2>/dev/null
  cat "$d/server.pem" "$d/ca.pem" >"$d/chain.pem"
  chmod 644 "$d"/*.pem
  chmod 640 "$d"/*.key
  HARD_CERT=$d/chain.pem
  HARD_KEY=$d/server.key
}
