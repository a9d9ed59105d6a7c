#!/bin/sh
# make fuzz: builds the libFuzzer targets with ASan + UBSan and runs each from its seed
# corpus (tests/fuzz-corpus/NAME), JOBS at a time (default: one per CPU), each on its own
# time budget:
#   FUZZ_SECONDS (60) split between the token decoder (fuzz_macaroon.c), the TOML parser
#     (fuzz_toml.c, seeded also with the valid cases of toml-test when TOML_TEST, default
#     ../shared/toml-test, is there), the scan parsers (fuzz_scan.c: Dockerfile, YAML over
#     libyaml, .dockerignore, fly.toml and audit --repo's drift) and the machines decoder
#     (fuzz_machines.c: containers, credentials outside env, wrong types);
#   FUZZ_REGISTRY_SECONDS (30) the registry decoders (fuzz_registry.c);
#   FUZZ_EDGE_SECONDS (20) the edge decisions of --probe (fuzz_edge.c);
#   FUZZ_ACCESS_SECONDS (10) the people-and-access GraphQL decoder (fuzz_access.c);
#   FUZZ_LAYERS_SECONDS (10) the image layer reader over libarchive (fuzz_layers.c);
#   FUZZ_JSON_SECONDS (10) audit/jsoncheck.c (repeated keys, escaped NULs).
# Needs clang and libFuzzer (Debian: clang libclang-rt-14-dev). Each fuzzer's output goes to
# $FUZZ_BUILD/NAME.log; a failing one's tail is printed. Exit status: 1 if any failed.
set -eu
self=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
cd "$(dirname "$self")/.."
out=${FUZZ_BUILD:-build-fuzz}
cc=${FUZZ_CC:-clang}
jobs=${JOBS:-$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)}

# --run NAME SECONDS MAX_LEN [libFuzzer options]: one fuzzer, called back through xargs
if [ "${1:-}" = "--run" ]; then
	name=$2 secs=$3 maxlen=$4
	shift 4
	if "$out/fuzz_$name" -max_total_time="$secs" -max_len="$maxlen" -timeout=10 \
		-rss_limit_mb=2048 -artifact_prefix="$out/$name-" -print_final_stats=1 "$@" \
		"$out/corpus/$name" >"$out/$name.log" 2>&1; then
		runs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$out/$name.log" | tail -n 1)
		echo "fuzz: tests/fuzz_$name.c ok: ${runs:-?} runs in ${secs}s"
		exit 0
	fi
	echo "fuzz: tests/fuzz_$name.c FAILED (crash input under $out/$name-*):"
	tail -n 40 "$out/$name.log"
	exit 1
fi

secs=${FUZZ_SECONDS:-60}
suite=${TOML_TEST:-../shared/toml-test}
flags="-std=c11 -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L -g -O1 -fno-omit-frame-pointer
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -Iinclude"
mac_secs=$((secs / 4))
scan_secs=$((secs / 4))
mach_secs=$((secs / 4))
toml_secs=$((secs - mac_secs - scan_secs - mach_secs))
mkdir -p "$out"

# build NAME SOURCES-AND-LIBS...: compiles tests/fuzz_NAME.c with the rest, in the background
pids=""
build() {
	name=$1
	shift
	# shellcheck disable=SC2086
	$cc $flags "tests/fuzz_$name.c" "$@" -o "$out/fuzz_$name" >"$out/build-$name.log" 2>&1 &
	pids="$pids $!:$name"
}

# shellcheck disable=SC2046
{
	build macaroon $(pkg-config --cflags msgpack) audit/tokens/*.c audit/buf.c \
		$(pkg-config --libs msgpack)
	build toml audit/parse/toml.c audit/buf.c -lm
	build registry $(pkg-config --cflags libcjson openssl) client/fly/registry.c \
		client/fly/decode.c client/scrub.c audit/jsoncheck.c audit/secrets.c audit/model.c \
		audit/model_access.c audit/buf.c $(pkg-config --libs libcjson openssl)
	build scan $(pkg-config --cflags msgpack) audit/parse/*.c audit/checks/*.c audit/results.c \
		audit/model.c audit/model_access.c audit/secrets.c audit/tokens/*.c audit/buf.c \
		$(pkg-config --cflags --libs yaml-0.1) $(pkg-config --libs msgpack libcrypto) -lm
	build machines $(pkg-config --cflags libcjson) client/fly/machines.c client/fly/decode.c \
		client/fly/errors.c client/scrub.c audit/jsoncheck.c audit/secrets.c audit/model.c \
		audit/model_access.c audit/buf.c $(pkg-config --libs libcjson) -lcrypto
	build jsoncheck audit/jsoncheck.c
	build edge $(ls audit/checks/*.c | grep -v '/repo\.c$') audit/results.c audit/model.c \
		audit/model_access.c audit/secrets.c audit/buf.c $(pkg-config --libs libcrypto)
	build access $(pkg-config --cflags libcjson) client/fly/access.c client/fly/decode.c \
		client/fly/errors.c client/scrub.c audit/jsoncheck.c audit/model.c audit/model_access.c \
		audit/buf.c audit/secrets.c $(pkg-config --libs libcjson) -lcrypto
	build layers $(pkg-config --cflags libarchive) client/layers.c audit/secret_files.c \
		audit/secrets.c audit/buf.c $(pkg-config --libs libarchive libcrypto) -lpthread
}
failed=0
for p in $pids; do
	if ! wait "${p%%:*}"; then
		echo "fuzz: tests/fuzz_${p#*:}.c does not build:"
		cat "$out/build-${p#*:}.log"
		failed=1
	fi
done
[ "$failed" -eq 0 ] || exit 1

for c in macaroon toml scan machines registry edge access layers; do
	mkdir -p "$out/corpus/$c"
	cp tests/fuzz-corpus/"$c"/* "$out/corpus/$c/"
done
mkdir -p "$out/corpus/jsoncheck"
printf '{"a":[{"b":"\\u0041"}],"a2":1}' >"$out/corpus/jsoncheck/seed"
if [ -d "$suite/tests/valid" ]; then
	find "$suite/tests/valid" -name '*.toml' | while read -r f; do
		cp "$f" "$out/corpus/toml/tt-$(echo "${f#"$suite"/tests/valid/}" | tr / -)"
	done
fi

echo "fuzz: $jobs at a time, FUZZ_SECONDS=$secs for macaroon, toml, scan and machines," \
	"the others their own budgets"
# NAME SECONDS MAX_LEN [options], the longest first
xargs -L 1 -P "$jobs" sh "$self" --run <<EOF || exit 1
registry ${FUZZ_REGISTRY_SECONDS:-30} 16384
edge ${FUZZ_EDGE_SECONDS:-20} 4096
toml $toml_secs 8192 -dict=tests/fuzz-corpus/toml.dict
macaroon $mac_secs 8192
scan $scan_secs 8192
machines $mach_secs 16384
access ${FUZZ_ACCESS_SECONDS:-10} 65536
layers ${FUZZ_LAYERS_SECONDS:-10} 65536
jsoncheck ${FUZZ_JSON_SECONDS:-10} 4096
EOF
