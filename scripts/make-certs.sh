#!/usr/bin/env bash
# Makes a private CA, a server certificate for imaged's TLS listener and one client certificate, with openssl,
# as docs/security.md explains step by step. Usage:
#
#   scripts/make-certs.sh [--server-key-readable] DIR [SERVER_NAME_OR_IP ...]
#
# DIR gets:
#   ca.pem, ca-key.pem                  the CA (keep ca-key.pem secret: it can make client certificates)
#   server-cert.pem, server-key.pem     for imaged: imaged.tls.cert, imaged.tls.key (imaged.tls.ca-cert=ca.pem)
#   cert.pem, key.pem                   a client certificate: DOCKER_CERT_PATH=DIR (with ca.pem) for the docker CLI
# The server certificate is valid for localhost, 127.0.0.1, ::1 and every SERVER_NAME_OR_IP given (the names
# clients use to reach imaged). Keys are 0600. --server-key-readable makes server-key.pem 0644 so that imaged in
# a container (docker-compose.yml, an unprivileged user) can read it through a bind mount.
# Run again on the same DIR, it keeps the CA and makes a new server and client certificate.
set -euo pipefail

readable=0
if [[ "${1:-}" == "--server-key-readable" ]]; then readable=1; shift; fi
if [[ $# -lt 1 ]]; then
  sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
fi
dir=$1; shift
days=${DAYS:-365}
mkdir -p "$dir"
cd "$dir"
umask 077

san="DNS:localhost,IP:127.0.0.1,IP:::1"
for name in "$@"; do
  if [[ "$name" =~ ^[0-9.]+$ || "$name" == *:* ]]; then san="$san,IP:$name"; else san="$san,DNS:$name"; fi
done

if [[ ! -f ca.pem || ! -f ca-key.pem ]]; then
  openssl req -x509 -new -newkey rsa:4096 -nodes -keyout ca-key.pem -out ca.pem -days "$days" \
    -subj "/CN=imaged CA" 2>/dev/null
fi

# the server: imaged.tls.cert / imaged.tls.key
openssl req -new -newkey rsa:4096 -nodes -keyout server-key.pem -out server.csr -subj "/CN=imaged" 2>/dev/null
printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n' "$san" > server-ext.cnf
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -out server-cert.pem \
  -days "$days" -extfile server-ext.cnf 2>/dev/null

# a client: cert.pem / key.pem, the names DOCKER_CERT_PATH expects
openssl req -new -newkey rsa:4096 -nodes -keyout key.pem -out client.csr -subj "/CN=client" 2>/dev/null
printf 'extendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n' > client-ext.cnf
openssl x509 -req -in client.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -out cert.pem \
  -days "$days" -extfile client-ext.cnf 2>/dev/null

rm -f server.csr client.csr server-ext.cnf client-ext.cnf
chmod 0644 ca.pem server-cert.pem cert.pem
chmod 0600 ca-key.pem server-key.pem key.pem
if [[ $readable == 1 ]]; then chmod 0644 server-key.pem; fi
echo "made in $PWD: ca.pem ca-key.pem server-cert.pem server-key.pem cert.pem key.pem (server names: $san)"
