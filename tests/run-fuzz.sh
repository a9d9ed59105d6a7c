#!/bin/sh
# make fuzz: builds the libFuzzer targets with ASan + UBSan and runs each from its seed
# corpus, splitting FUZZ_SECONDS (default 60) between them: the token decoder
# (tests/fuzz_macaroon.c), the TOML parser (tests/fuzz_toml.c, seeded also with the
# valid cases of toml-test when TOML_TEST, default ../shared/toml-test, is there), the
# scan parsers (tests/fuzz_scan.c: Dockerfile, YAML over libyaml, .dockerignore, fly.toml
# through the scan's checks and audit --repo's reader and drift) and the
# machines decoder (tests/fuzz_machines.c: containers, credentials outside env, wrong types);
# the edge decisions of --probe (tests/fuzz_edge.c) run FUZZ_EDGE_SECONDS (20) on their own.
# The people-and-access GraphQL decoder (tests/fuzz_access.c) runs FUZZ_ACCESS_SECONDS (10).
# Then the registry decoders (tests/fuzz_registry.c) run FUZZ_REGISTRY_SECONDS (default 30),
# and the layer reader of --image-layers (tests/fuzz_layers.c) FUZZ_LAYERS_SECONDS (10).
# Needs clang and libFuzzer (Debian: clang libclang-rt-14-dev). Exit status: the first
# failing fuzzer's, else 0.
set -eu
cd "$(dirname "$0")/.."
secs=${FUZZ_SECONDS:-60}
out=${FUZZ_BUILD:-build-fuzz}
cc=${FUZZ_CC:-clang}
suite=${TOML_TEST:-../shared/toml-test}
flags="-std=c11 -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L -g -O1 -fno-omit-frame-pointer
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -Iinclude"
mac_secs=$((secs / 4))
scan_secs=$((secs / 4))
mach_secs=$((secs / 4))
toml_secs=$((secs - mac_secs - scan_secs - mach_secs))
mkdir -p "$out/corpus/macaroon" "$out/corpus/toml" "$out/corpus/scan" "$out/corpus/machines"
# shellcheck disable=SC2046,SC2086
$cc $flags $(pkg-config --cflags msgpack) \
	tests/fuzz_macaroon.c audit/tokens/*.c audit/buf.c \
	$(pkg-config --libs msgpack) -o "$out/fuzz_macaroon"
# shellcheck disable=SC2086
$cc $flags tests/fuzz_toml.c audit/parse/toml.c audit/buf.c -lm -o "$out/fuzz_toml"
# the registry decoders (manifests, configs, challenges, references): FUZZ_REGISTRY_SECONDS
rsecs=${FUZZ_REGISTRY_SECONDS:-30}
mkdir -p "$out/corpus/registry"
# shellcheck disable=SC2046,SC2086
$cc $flags $(pkg-config --cflags libcjson openssl) \
	tests/fuzz_registry.c client/fly/registry.c client/fly/decode.c client/scrub.c audit/jsoncheck.c \
	audit/secrets.c audit/model.c audit/model_access.c audit/buf.c \
	$(pkg-config --libs libcjson openssl) -o "$out/fuzz_registry"
# shellcheck disable=SC2046
# (the fly.toml checks and audit --repo's reader: audit/checks, results, the token decoder)
$cc $flags $(pkg-config --cflags msgpack) tests/fuzz_scan.c audit/parse/*.c audit/checks/*.c \
	audit/results.c audit/model.c audit/model_access.c audit/secrets.c audit/tokens/*.c audit/buf.c \
	$(pkg-config --cflags --libs yaml-0.1) $(pkg-config --libs msgpack libcrypto) -lm -o "$out/fuzz_scan"
# shellcheck disable=SC2046,SC2086
$cc $flags $(pkg-config --cflags libcjson) \
	tests/fuzz_machines.c client/fly/machines.c client/fly/decode.c client/fly/errors.c client/scrub.c audit/jsoncheck.c \
	audit/secrets.c audit/model.c audit/model_access.c audit/buf.c \
	$(pkg-config --libs libcjson) -lcrypto -o "$out/fuzz_machines"
cp tests/fuzz-corpus/macaroon/* "$out/corpus/macaroon/"
cp tests/fuzz-corpus/scan/* "$out/corpus/scan/"
cp tests/fuzz-corpus/machines/* "$out/corpus/machines/"
cp tests/fuzz-corpus/toml/* "$out/corpus/toml/"
cp tests/fuzz-corpus/registry/* "$out/corpus/registry/"
if [ -d "$suite/tests/valid" ]; then
	find "$suite/tests/valid" -name '*.toml' | while read -r f; do
		cp "$f" "$out/corpus/toml/tt-$(echo "${f#"$suite"/tests/valid/}" | tr / -)"
	done
fi
# audit/jsoncheck.c (repeated keys, escaped NULs in any bytes): a short run first
# shellcheck disable=SC2086
$cc $flags tests/fuzz_jsoncheck.c audit/jsoncheck.c -o "$out/fuzz_jsoncheck"
mkdir -p "$out/corpus/json"
printf '{"a":[{"b":"\\u0041"}],"a2":1}' >"$out/corpus/json/seed"
echo "fuzz: tests/fuzz_jsoncheck.c for ${FUZZ_JSON_SECONDS:-10}s"
"$out/fuzz_jsoncheck" -max_total_time="${FUZZ_JSON_SECONDS:-10}" -max_len=4096 -timeout=10 \
	-artifact_prefix="$out/" -print_final_stats=0 "$out/corpus/json" >"$out/fuzz_jsoncheck.log" 2>&1 ||
	{ tail -n 30 "$out/fuzz_jsoncheck.log"; exit 1; }
rc=0
trc=0
rrc=0
src=0
mrc=0
echo "fuzz: tests/fuzz_macaroon.c for ${mac_secs}s (corpus $out/corpus/macaroon)"
"$out/fuzz_macaroon" -max_total_time="$mac_secs" -max_len=8192 -timeout=10 -artifact_prefix="$out/" \
	-rss_limit_mb=2048 -print_final_stats=1 "$out/corpus/macaroon" || rc=$?
echo "fuzz: tests/fuzz_toml.c for ${toml_secs}s (corpus $out/corpus/toml)"
"$out/fuzz_toml" -max_total_time="$toml_secs" -max_len=8192 -timeout=10 -artifact_prefix="$out/" \
	-rss_limit_mb=2048 -print_final_stats=1 -dict=tests/fuzz-corpus/toml.dict "$out/corpus/toml" || trc=$?
echo "fuzz: tests/fuzz_registry.c for ${rsecs}s (corpus $out/corpus/registry)"
"$out/fuzz_registry" -max_total_time="$rsecs" -max_len=16384 -timeout=10 -artifact_prefix="$out/" \
	-rss_limit_mb=2048 -print_final_stats=1 "$out/corpus/registry" || rrc=$?
echo "fuzz: tests/fuzz_scan.c for ${scan_secs}s (corpus $out/corpus/scan)"
"$out/fuzz_scan" -max_total_time="$scan_secs" -max_len=8192 -timeout=10 -artifact_prefix="$out/" \
	-rss_limit_mb=2048 -print_final_stats=1 "$out/corpus/scan" || src=$?
echo "fuzz: tests/fuzz_machines.c for ${mach_secs}s (corpus $out/corpus/machines)"
"$out/fuzz_machines" -max_total_time="$mach_secs" -max_len=16384 -timeout=10 \
	-artifact_prefix="$out/" -rss_limit_mb=2048 -print_final_stats=1 "$out/corpus/machines" || mrc=$?
# the edge decisions of --probe (tests/fuzz_edge.c): their own FUZZ_EDGE_SECONDS
esecs=${FUZZ_EDGE_SECONDS:-20}
erc=0
mkdir -p "$out/corpus/edge"
# shellcheck disable=SC2046,SC2086
$cc $flags tests/fuzz_edge.c $(ls audit/checks/*.c | grep -v '/repo\.c$') audit/results.c audit/model.c audit/model_access.c audit/secrets.c \
	audit/buf.c $(pkg-config --libs libcrypto) -o "$out/fuzz_edge"
cp tests/fuzz-corpus/edge/* "$out/corpus/edge/"
echo "fuzz: tests/fuzz_edge.c for ${esecs}s (corpus $out/corpus/edge)"
"$out/fuzz_edge" -max_total_time="$esecs" -max_len=4096 -timeout=10 -artifact_prefix="$out/edge-" \
	-rss_limit_mb=2048 -print_final_stats=1 "$out/corpus/edge" || erc=$?
# the people-and-access GraphQL decoder (tests/fuzz_access.c): its own FUZZ_ACCESS_SECONDS
asecs=${FUZZ_ACCESS_SECONDS:-10}
arc=0
mkdir -p "$out/corpus/access"
# shellcheck disable=SC2046,SC2086
$cc $flags $(pkg-config --cflags libcjson) \
	tests/fuzz_access.c client/fly/access.c client/fly/decode.c client/fly/errors.c client/scrub.c audit/jsoncheck.c \
	audit/model.c audit/model_access.c audit/buf.c audit/secrets.c \
	$(pkg-config --libs libcjson) -lcrypto -o "$out/fuzz_access"
cp tests/fuzz-corpus/access/* "$out/corpus/access/"
echo "fuzz: tests/fuzz_access.c for ${asecs}s (corpus $out/corpus/access)"
"$out/fuzz_access" -max_total_time="$asecs" -max_len=65536 -timeout=10 -artifact_prefix="$out/access-" \
	-rss_limit_mb=2048 -print_final_stats=1 "$out/corpus/access" || arc=$?
# the layer reader of --image-layers (tests/fuzz_layers.c, libarchive): FUZZ_LAYERS_SECONDS (10)
lsecs=${FUZZ_LAYERS_SECONDS:-10}
lrc=0
mkdir -p "$out/corpus/layers"
# shellcheck disable=SC2046,SC2086
$cc $flags $(pkg-config --cflags libarchive) \
	tests/fuzz_layers.c client/layers.c audit/secret_files.c audit/secrets.c \
	$(pkg-config --libs libarchive) -lpthread -o "$out/fuzz_layers"
cp tests/fuzz-corpus/layers/* "$out/corpus/layers/"
echo "fuzz: tests/fuzz_layers.c for ${lsecs}s (corpus $out/corpus/layers)"
"$out/fuzz_layers" -max_total_time="$lsecs" -max_len=65536 -timeout=10 -artifact_prefix="$out/layers-" \
	-rss_limit_mb=2048 -print_final_stats=1 "$out/corpus/layers" || lrc=$?
[ "$rc" -ne 0 ] || rc=${trc:-0}
[ "$rc" -ne 0 ] || rc=${src:-0}
[ "$rc" -ne 0 ] || rc=${rrc:-0}
[ "$rc" -ne 0 ] || rc=${mrc:-0}
[ "$rc" -ne 0 ] || rc=${erc:-0}
[ "$rc" -ne 0 ] || rc=${arc:-0}
[ "$rc" -ne 0 ] || rc=${lrc:-0}
exit "$rc"
