# flyaudit: build, test, demo. `make help` lists the targets.
# Everything builds into $(BUILD)/ (build/ by default; build-asan/ for `make asan`).

CC       ?= cc
BUILD    ?= build
PREFIX   ?= /usr/local
VERSION  := 0.1.0
PKGS     := libcurl libcjson openssl msgpack yaml-0.1 libgit2 libarchive
TEST_PKGS := cmocka
MOCK_PKGS := libmicrohttpd libcjson openssl zlib
DEBS     := libcurl4-openssl-dev libcjson-dev libssl-dev libcmocka-dev libmicrohttpd-dev libmsgpack-dev libyaml-dev libgit2-dev libarchive-dev pkg-config \
            openssl python3-jsonschema python3-graphql-core man-db zlib1g-dev curl

WARN     := -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
            -Wwrite-strings -Wformat=2 -Wvla -Wno-missing-field-initializers
ifeq ($(DEVELOPER),1)
WARN     += -Werror
endif
ifeq ($(SANITIZE),1)
SAN      := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
endif

PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) $(TEST_PKGS) libmicrohttpd 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lpthread
TEST_LIBS  = $(shell pkg-config --libs $(PKGS) $(TEST_PKGS) libmicrohttpd 2>/dev/null) -lpthread
MOCK_LIBS  = $(shell pkg-config --libs $(MOCK_PKGS) 2>/dev/null) -lpthread

CFLAGS   ?= -O2 -g
ALL_CFLAGS = -std=c11 -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L -DFLYAUDIT_VERSION='"$(VERSION)"' \
             -Iinclude $(WARN) $(SAN) $(PKG_CFLAGS) $(CFLAGS)
ALL_LDFLAGS = $(SAN) $(LDFLAGS)

# Sources are found by folder: every .c under audit/ and client/ (one level of family folders
# such as audit/checks/ or client/fly/), so a new file needs no line here.
SRC_DIRS := audit $(sort $(dir $(wildcard audit/*/*.c))) client $(sort $(dir $(wildcard client/*/*.c)))
LIB_SRC  := $(filter-out client/main.c,$(foreach d,$(SRC_DIRS),$(wildcard $(d:%/=%)/*.c)))
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
MOCK_SRC := $(wildcard mocks/*.c) audit/buf.c
MOCK_OBJ := $(MOCK_SRC:%.c=$(BUILD)/obj/%.o)
TEST_SRC := $(wildcard tests/test_*.c)
TESTS    := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
LIB      := $(BUILD)/libflyaudit.a

.SECONDARY:
.PHONY: all test asan valgrind demo deps install clean help fuzz check-deps certs bench check-h2 bench-cpu headers check-toml
.DEFAULT_GOAL := all

EXAMPLES := $(patsubst examples/%.c,$(BUILD)/examples/%,$(wildcard examples/*.c))

all: check-deps $(LIB) $(BUILD)/flyaudit $(BUILD)/flymock $(EXAMPLES)

help:
	@echo "make            build $(BUILD)/flyaudit, $(BUILD)/flymock and the library"
	@echo "make test       install missing packages, build, run every test"
	@echo "make demo       install missing packages, build, start flymock with the demo org, audit it"
	@echo "make asan       the tests under AddressSanitizer + UBSan (build-asan/)"
	@echo "make valgrind   the tests under valgrind"
	@echo "make fuzz       libFuzzer on the token decoder, the TOML parser and the scan parsers (FUZZ_SECONDS, default 60, split), the edge decisions (FUZZ_EDGE_SECONDS, 20) the registry decoders (FUZZ_REGISTRY_SECONDS, 30) and the layer reader (FUZZ_LAYERS_SECONDS, 10)"
	@echo "make check-toml the TOML parser against the toml-test suite (TOML_TEST=$(TOML_TEST))"
	@echo "make install PREFIX=/usr/local"
	@echo "make DEVELOPER=1  adds -Werror"

deps:
	@sh .ci/install-deps $(DEBS)

check-deps:
	@pkg-config --exists $(PKGS) $(TEST_PKGS) libmicrohttpd || \
	  { echo "missing build dependencies: run 'make deps' (Debian: $(DEBS))" >&2; exit 2; }

HEADERS  := $(wildcard include/flyaudit/*.h audit/*.h audit/*/*.h client/*.h client/*/*.h mocks/*.h tests/*.h)

$(BUILD)/obj/%.o: %.c $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/flyaudit: $(BUILD)/obj/client/main.o $(LIB)
	$(CC) $(ALL_LDFLAGS) -o $@ $< $(LIB) $(PKG_LIBS) -lm

# Small programs on the public API: only include/flyaudit/ and the library.
$(BUILD)/examples/%: $(BUILD)/obj/examples/%.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $< $(LIB) $(PKG_LIBS) -lm

$(BUILD)/flymock: $(MOCK_OBJ)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(MOCK_LIBS) -lm

$(BUILD)/tests/%: $(BUILD)/obj/tests/%.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) $(TEST_LDFLAGS) -o $@ $< $(LIB) $(TEST_LIBS) -lm

# The allocation-failure test swaps the allocator of the library at link time.
$(BUILD)/tests/test_torture: TEST_LDFLAGS = -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=strdup,--wrap=strndup

certs: $(BUILD)/test-certs/ca.pem
$(BUILD)/test-certs/ca.pem: tests/gen-certs.sh
	sh tests/gen-certs.sh $(BUILD)/test-certs

# Runs every test binary; the last line is "tests: N passed, N failed".
test: deps all $(TESTS) certs
	@BUILD=$(BUILD) sh tests/run-tests.sh $(TESTS)

asan:
	@$(MAKE) --no-print-directory BUILD=build-asan SANITIZE=1 CFLAGS="-O1 -g" test

# The test binaries and, through tests/harness.h, every flyaudit run of the end-to-end tests.
VALGRIND := valgrind --quiet --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite --show-leak-kinds=definite
valgrind: deps all $(TESTS) certs
	@BUILD=$(BUILD) WRAP="$(VALGRIND)" FLYAUDIT_WRAP="$(VALGRIND)" sh tests/run-tests.sh $(TESTS)

demo: deps all certs
	@sh examples/demo.sh $(BUILD)

headers:
	@for h in include/flyaudit/*.h; do \
	  echo "#include \"$${h#include/}\"" | $(CC) -std=c11 -Wall -Wextra -Wpedantic -Werror -Iinclude -x c -fsyntax-only - || exit 1; done
	@echo "headers: every public header compiles alone"

fuzz:
	@sh tests/run-fuzz.sh

# The official TOML conformance suite: every 1.0 valid case decodes to its JSON, every
# invalid one is refused with a line. Last line: "toml-test: V/V valid, I/I invalid".
TOML_TEST ?= ../shared/toml-test
check-toml: $(BUILD)/tests/toml_decoder
	@python3 tests/toml-test.py $(BUILD)/tests/toml_decoder $(TOML_TEST) 1.0.0

# Benchmarks, not tests (README "Performance"): figures on stdout and in $(BUILD)/bench-results.json.
BENCH_DEBS := jq time nghttp2-proxy valgrind
bench: deps all certs
	@sh .ci/install-deps $(BENCH_DEBS)
	@sh tests/bench/bench.sh $(BUILD)

$(BUILD)/bench/%: $(BUILD)/obj/tests/bench/%.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $< $(LIB) $(PKG_LIBS) -lm

# HTTP/2 through nghttpx (TLS) in front of flymock: one connection, many streams. Skips without nghttpx.
check-h2: deps all certs $(BUILD)/bench/h2check
	@sh tests/bench/check-h2.sh $(BUILD)

# Instructions per app (callgrind) auditing a fixed snapshot offline: a repeatable CPU figure.
bench-cpu: deps all
	@sh .ci/install-deps valgrind
	@sh tests/bench/bench-cpu.sh $(BUILD)

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/include/flyaudit $(DESTDIR)$(PREFIX)/lib
	install -m 0755 $(BUILD)/flyaudit $(DESTDIR)$(PREFIX)/bin/flyaudit
	install -m 0644 $(LIB) $(DESTDIR)$(PREFIX)/lib/libflyaudit.a
	install -m 0644 include/flyaudit/*.h $(DESTDIR)$(PREFIX)/include/flyaudit/
	install -d $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/bash-completion/completions \
	  $(DESTDIR)$(PREFIX)/share/zsh/site-functions
	install -m 0644 examples/man/flyaudit.1 $(DESTDIR)$(PREFIX)/share/man/man1/flyaudit.1
	install -m 0644 examples/completions/flyaudit.bash $(DESTDIR)$(PREFIX)/share/bash-completion/completions/flyaudit
	install -m 0644 examples/completions/_flyaudit $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_flyaudit

clean:
	rm -rf build build-asan build-fuzz
