#!/bin/sh
# make fuzz: builds the libFuzzer target of the token decoder (tests/fuzz_macaroon.c) with
# ASan + UBSan and runs it for FUZZ_SECONDS (default 60) from the seed corpus; then the
# people-and-access GraphQL decoder (tests/fuzz_access.c) for FUZZ_ACCESS_SECONDS (default
# a third of FUZZ_SECONDS).
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
echo "fuzz: tests/fuzz_macaroon.c for ${secs}s (corpus $out/corpus)"
"$out/fuzz_macaroon" -max_total_time="$secs" -max_len=8192 -timeout=10 -artifact_prefix="$out/" \
	-rss_limit_mb=2048 -print_final_stats=1 "$out/corpus"

asecs=${FUZZ_ACCESS_SECONDS:-$((secs / 3 + 1))}
mkdir -p "$out/corpus-access"
# shellcheck disable=SC2046
$cc -std=c11 -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L -g -O1 -fno-omit-frame-pointer \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	-Iinclude $(pkg-config --cflags libcjson) \
	tests/fuzz_access.c client/fly/access.c client/fly/decode.c client/fly/errors.c \
	audit/model.c audit/model_access.c audit/buf.c audit/secrets.c \
	$(pkg-config --libs libcjson) -o "$out/fuzz_access"
cp tests/fuzz-corpus/access/* "$out/corpus-access/"
echo "fuzz: tests/fuzz_access.c for ${asecs}s (corpus $out/corpus-access)"
exec "$out/fuzz_access" -max_total_time="$asecs" -max_len=65536 -timeout=10 -artifact_prefix="$out/" \
	-rss_limit_mb=2048 -print_final_stats=1 "$out/corpus-access"
