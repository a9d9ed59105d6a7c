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
# the registry decoders (manifests, configs, challenges, references): FUZZ_REGISTRY_SECONDS
rsecs=${FUZZ_REGISTRY_SECONDS:-30}
mkdir -p "$out/corpus-registry"
# shellcheck disable=SC2046
$cc -std=c11 -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L -g -O1 -fno-omit-frame-pointer \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	-Iinclude $(pkg-config --cflags libcjson openssl) \
	tests/fuzz_registry.c client/fly/registry.c client/fly/decode.c audit/secrets.c audit/model.c audit/buf.c \
	$(pkg-config --libs libcjson openssl) -o "$out/fuzz_registry"
cp tests/fuzz-corpus/registry/* "$out/corpus-registry/"
echo "fuzz: tests/fuzz_registry.c for ${rsecs}s (corpus $out/corpus-registry)"
"$out/fuzz_registry" -max_total_time="$rsecs" -max_len=16384 -timeout=10 -artifact_prefix="$out/" \
	-rss_limit_mb=2048 -print_final_stats=1 "$out/corpus-registry"
echo "fuzz: tests/fuzz_macaroon.c for ${secs}s (corpus $out/corpus)"
exec "$out/fuzz_macaroon" -max_total_time="$secs" -max_len=8192 -timeout=10 -artifact_prefix="$out/" \
	-rss_limit_mb=2048 -print_final_stats=1 "$out/corpus"
