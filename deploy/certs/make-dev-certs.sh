#!/usr/bin/env bash
# Makes DEVELOPMENT certificates for mutual TLS: a CA, a server certificate
# for localhost/127.0.0.1, one client certificate per role, and an access
# file mapping each client to its role. Never use them in production: the CA
# key sits next to the certificates.
#   deploy/certs/make-dev-certs.sh DIR [EXTRA_CLIENT_NAME...]
# Extra client names get a certificate signed by the CA but no access entry
# (to try what an unknown caller gets).
set -euo pipefail
DIR="${1:?usage: make-dev-certs.sh DIR [EXTRA_CLIENT_NAME...]}"
shift
EXTRA_CLIENTS=("$@")
mkdir -p "$DIR"
cd "$DIR"
DAYS=30

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout ca.key -out ca.pem -days "$DAYS" \
  -subj "/CN=proactive development CA" 2>/dev/null

sign() {  # name subject-alt-names extended-key-usage
  local name=$1 san=$2 usage=$3
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$name.key" -out "$name.csr" -subj "/CN=$name" 2>/dev/null
  printf 'subjectAltName=%s\nextendedKeyUsage=%s\n' "$san" "$usage" > "$name.ext"
  openssl x509 -req -in "$name.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -out "$name.pem" \
    -days "$DAYS" -extfile "$name.ext" 2>/dev/null
  rm -f "$name.csr" "$name.ext"
}

sign server "DNS:localhost,IP:127.0.0.1" serverAuth
{
  echo "# Development access file made by make-dev-certs.sh: one principal per role."
  echo "principals:"
  for role in back-office feed gateway caseworker rules-admin auditor; do
    sign "$role.dev.proactive" "DNS:$role.dev.proactive" clientAuth
    # The development back office and feed speak for every source; the back
    # office may forget, and act for citizens.
    sources=""
    [ "$role" = back-office ] && sources=', sources: ["*"], erasure: true, citizen_desk: true'
    [ "$role" = feed ] && sources=', sources: ["*"]'
    echo "  - {name: dev-$role, certificate_names: [$role.dev.proactive], roles: [$role]$sources}"
  done
} > access.yaml
for name in "${EXTRA_CLIENTS[@]}"; do sign "$name" "DNS:$name" clientAuth; done
rm -f ca.srl
echo "development certificates in $DIR: ca.pem, server.pem/.key, <role>.dev.proactive.pem/.key, access.yaml"
