#!/bin/sh
# Writes the files the self-signed overlay turns into the serving Secret and the APIServices'
# caBundle: certs/ca.crt (+ ca.key, kept here to sign renewals; not deployed), certs/tls.crt and
# certs/tls.key for the Service name kube-apiserver dials, foresight.foresight.svc.
#   ./generate-certs.sh            # new serving cert; the CA is made once and then reused
#   NEW_CA=1 ./generate-certs.sh   # also a new CA
#   DAYS=365 ./generate-certs.sh   # serving-cert lifetime (default 365)
# Needs openssl 1.1.1 or newer.
set -eu
cd "$(dirname "$0")"
mkdir -p certs
umask 077
DAYS="${DAYS:-365}"
SERVICE="foresight"
NAMESPACE="foresight"

if [ "${NEW_CA:-0}" = "1" ] || [ ! -s certs/ca.key ] || [ ! -s certs/ca.crt ]; then
  openssl req -x509 -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
    -keyout certs/ca.key -out certs/ca.crt -days 3650 -subj "/CN=foresight-ca" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
fi

openssl req -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
  -keyout certs/tls.key -out certs/tls.csr -subj "/CN=${SERVICE}.${NAMESPACE}.svc"
cat > certs/tls.ext <<EXT
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=DNS:${SERVICE}.${NAMESPACE}.svc,DNS:${SERVICE}.${NAMESPACE}.svc.cluster.local
EXT
openssl x509 -req -in certs/tls.csr -CA certs/ca.crt -CAkey certs/ca.key -CAcreateserial \
  -out certs/tls.crt -days "$DAYS" -extfile certs/tls.ext
rm -f certs/tls.csr certs/tls.ext certs/ca.srl
chmod 644 certs/ca.crt certs/tls.crt
echo "wrote $(pwd)/certs: ca.crt tls.crt tls.key (ca.key stays here; keep it out of git)"
