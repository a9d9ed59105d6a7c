#!/bin/sh
# gen-edge-certs.sh OUTDIR CADIR: certificates for `flymock --edge` (the demo org's public
# hostnames), signed by the test CA of gen-certs.sh in CADIR, made at test time:
#   edge.pem/edge.key          *.fly.dev and the demo's custom hostnames, valid 90 days
#   expiring.pem/expiring.key  always-on.example, valid 5 days (edge.certificate_expiring)
# Never commit the outputs.
set -eu
out=${1:?usage: gen-edge-certs.sh OUTDIR CADIR}
ca=${2:?usage: gen-edge-certs.sh OUTDIR CADIR}
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
umask 077
log="$tmp/log"
sans="DNS:*.fly.dev,DNS:*.cert-pending.example,DNS:always-on.example,DNS:api.api-clean.example"
sans="$sans,DNS:drifted.example,DNS:http-only.example,DNS:leaky-env.example,DNS:no-health.example"
sans="$sans,DNS:root-runner.example,DNS:sick-app.example,DNS:www.web-clean.example"
mk() { # name days san
	openssl req -new -newkey rsa:2048 -nodes -sha256 -subj "/CN=$1 (flymock edge)" \
		-keyout "$tmp/$1.key" -out "$tmp/$1.csr"
	printf '%s\n' "basicConstraints=CA:FALSE" "keyUsage=critical,digitalSignature,keyEncipherment" \
		"extendedKeyUsage=serverAuth" "subjectAltName=$3" >"$tmp/$1.ext"
	openssl x509 -req -in "$tmp/$1.csr" -CA "$ca/ca.pem" -CAkey "$ca/ca.key" \
		-CAcreateserial -CAserial "$tmp/ca.srl" -days "$2" -sha256 -extfile "$tmp/$1.ext" \
		-out "$tmp/$1.pem"
}
{
	mk edge 90 "$sans"
	mk expiring 5 "DNS:always-on.example"
} >"$log" 2>&1 || { cat "$log" >&2; echo "gen-edge-certs.sh: openssl failed" >&2; exit 1; }
for f in edge expiring; do
	cp "$tmp/$f.pem" "$out/$f.pem"
	cp "$tmp/$f.key" "$out/$f.key"
	chmod 644 "$out/$f.pem"
	chmod 600 "$out/$f.key"
done
