#!/bin/sh
# make fuzz: builds the libFuzzer targets of the token decoder (tests/fuzz_macaroon.c, for
# FUZZ_SECONDS, default 60) and of the machines decoder (tests/fuzz_machines.c, for
# FUZZ_MACHINES_SECONDS, default 30) with ASan + UBSan and runs them from the seed corpora.
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
	-rss_limit_mb=2048 -print_final_stats=1 "$out/corpus" || exit $?

# the machines decoder (containers, credentials outside env, wrong types): FUZZ_MACHINES_SECONDS
msecs=${FUZZ_MACHINES_SECONDS:-30}
mkdir -p "$out/corpus-machines"
# shellcheck disable=SC2046
$cc -std=c11 -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L -g -O1 -fno-omit-frame-pointer \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	-Iinclude $(pkg-config --cflags libcjson) \
	tests/fuzz_machines.c client/fly/machines.c client/fly/decode.c client/fly/errors.c \
	audit/secrets.c audit/model.c audit/buf.c \
	$(pkg-config --libs libcjson) -lcrypto -o "$out/fuzz_machines"
cp tests/fuzz-corpus/machines/* "$out/corpus-machines/"
echo "fuzz: tests/fuzz_machines.c for ${msecs}s (corpus $out/corpus-machines)"
exec "$out/fuzz_machines" -max_total_time="$msecs" -max_len=16384 -timeout=10 \
	-artifact_prefix="$out/" -rss_limit_mb=2048 -print_final_stats=1 "$out/corpus-machines"
