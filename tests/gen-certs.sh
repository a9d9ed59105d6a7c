#!/bin/sh
# gen-certs.sh OUTDIR: throwaway TLS material for flymock tests and the demo.
# Makes a test CA (ca.pem, ca.key), a server certificate for 127.0.0.1 / localhost / ::1
# signed by it (server.pem, server.key), and an unrelated CA (wrong-ca.pem, wrong-ca.key)
# for "a wrong CA must fail" tests. Idempotent: does nothing when every file is there
# and the server certificate still verifies against ca.pem. Quiet unless it fails.
# Never commit the outputs.
set -eu
out=${1:?usage: gen-certs.sh OUTDIR}
mkdir -p "$out"
cd "$out"
if [ -s ca.pem ] && [ -s ca.key ] && [ -s server.pem ] && [ -s server.key ] && [ -s wrong-ca.pem ] &&
	openssl verify -CAfile ca.pem server.pem >/dev/null 2>&1 &&
	openssl x509 -checkend 86400 -noout -in server.pem >/dev/null 2>&1; then
	exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
umask 077
log="$tmp/log"
{
	openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 3650 \
		-subj "/CN=flyaudit test CA" -keyout "$tmp/ca.key" -out "$tmp/ca.pem" \
		-addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
	openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 3650 \
		-subj "/CN=flyaudit wrong CA" -keyout "$tmp/wrong-ca.key" -out "$tmp/wrong-ca.pem" \
		-addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
	openssl req -new -newkey rsa:2048 -nodes -sha256 -subj "/CN=localhost" \
		-keyout "$tmp/server.key" -out "$tmp/server.csr"
	printf '%s\n' "basicConstraints=CA:FALSE" "keyUsage=critical,digitalSignature,keyEncipherment" \
		"extendedKeyUsage=serverAuth" "subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost" >"$tmp/ext"
	openssl x509 -req -in "$tmp/server.csr" -CA "$tmp/ca.pem" -CAkey "$tmp/ca.key" \
		-CAcreateserial -CAserial "$tmp/ca.srl" -days 825 -sha256 -extfile "$tmp/ext" -out "$tmp/server.pem"
} >"$log" 2>&1 || { cat "$log" >&2; echo "gen-certs.sh: openssl failed" >&2; exit 1; }
umask 022
for f in ca.pem wrong-ca.pem server.pem; do cp "$tmp/$f" "$f"; done
for f in ca.key wrong-ca.key server.key; do cp "$tmp/$f" "$f"; chmod 600 "$f"; done
chmod 644 ca.pem wrong-ca.pem server.pem
