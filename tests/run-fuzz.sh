#!/bin/sh
# make fuzz: builds the libFuzzer target of the token decoder (tests/fuzz_macaroon.c) with
# ASan + UBSan and runs it for FUZZ_SECONDS (default 60) from the seed corpus.
# Needs clang and libFuzzer (Debian: clang libclang-rt-14-dev). Exit status: the fuzzer's.
set -eu
cd "$(dirname "$0")/.."
secs=${FUZZ_SECONDS:-60}
out=${FUZZ_BUILD:-build-fuzz}
cc=${FUZZ_CC:-clang}
mkdir -p "$out/corpus"
# shellcheck disable=SC2046
$cc -std=c11 -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L -g -O1 -fno-omit-frame-pointer \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	-Iinclude $(pkg-config --cflags msgpack) \
	tests/fuzz_macaroon.c audit/tokens/*.c audit/buf.c \
	$(pkg-config --libs msgpack) -o "$out/fuzz_macaroon"
cp tests/fuzz-corpus/macaroon/* "$out/corpus/"
# audit/jsoncheck.c (repeated keys, escaped NULs in any bytes): a short run first
$cc -std=c11 -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L -g -O1 -fno-omit-frame-pointer \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	-Iinclude tests/fuzz_jsoncheck.c audit/jsoncheck.c -o "$out/fuzz_jsoncheck"
mkdir -p "$out/corpus-json"
printf '{"a":[{"b":"\\u0041"}],"a2":1}' >"$out/corpus-json/seed"
echo "fuzz: tests/fuzz_jsoncheck.c for ${FUZZ_JSON_SECONDS:-10}s"
"$out/fuzz_jsoncheck" -max_total_time="${FUZZ_JSON_SECONDS:-10}" -max_len=4096 -timeout=10 \
	-artifact_prefix="$out/" -print_final_stats=0 "$out/corpus-json" >"$out/fuzz_jsoncheck.log" 2>&1 ||
	{ tail -n 30 "$out/fuzz_jsoncheck.log"; exit 1; }
echo "fuzz: tests/fuzz_macaroon.c for ${secs}s (corpus $out/corpus)"
exec "$out/fuzz_macaroon" -max_total_time="$secs" -max_len=8192 -timeout=10 -artifact_prefix="$out/" \
	-rss_limit_mb=2048 -print_final_stats=1 "$out/corpus"
