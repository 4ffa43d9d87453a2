# remediation-webhook — see README.md.  `make run` and `make test` set everything up themselves.
PREFIX    ?= /usr/local
DESTDIR   ?=
BUILD     ?= build
CC        ?= cc
CFLAGS    ?= -O2 -g
PKGS      := libcjson yaml-0.1
WARN      := -Wall -Wextra -Wshadow -Wformat=2 -Wmissing-prototypes -Wstrict-prototypes \
             -Wpointer-arith -Wvla -Wimplicit-fallthrough -Wundef -Wcast-align -Werror
HARDEN    := -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fPIE
override CPPFLAGS += -D_GNU_SOURCE -Isrc
override CFLAGS   += -std=gnu11 $(WARN) $(HARDEN) $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS    := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
override LDFLAGS  += -pie -Wl,-z,relro,-z,now

LIB_SRC   := src/http.c src/payload.c src/yaml-tree.c src/config.c src/params.c src/vocab.c src/breaker.c src/gates.c src/state.c src/state-json.c src/store.c \
             src/exec.c src/exec-unit.c src/libsystemd.c src/audit.c src/journal.c src/metrics.c src/history.c src/runtime.c src/step.c src/batch.c src/verify.c \
             src/confine.c src/landlock.c src/seccomp-filter.c src/identity.c src/util.c
LIB_OBJ   := $(LIB_SRC:src/%.c=$(BUILD)/%.o)
# remediationctl's own: the handler never links them (the report is only `remediationctl report`).
CTL_OBJ   := $(patsubst src/%.c,$(BUILD)/%.o,src/remediationctl.c src/ctl.c src/ctl-status.c src/ctl-explain.c src/ctl-pause.c src/ctl-approve.c src/ctl-replay.c src/report.c \
             src/ctl-verify.c src/am-client.c)
# libcurl: remediationctl verify's client (am-client.c) only; the handler never links it.
CTL_LIBS  := $(shell pkg-config --libs libcurl 2>/dev/null)
TEST_OBJ  := $(LIB_OBJ) $(BUILD)/report.o       # unit tests may test the report too
UNIT_SRC  := $(wildcard tests/unit/test_*.c)
UNIT_BIN  := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)

FUZZ_BIN  := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_SECONDS ?= 60
SAN_FLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all

.PHONY: all deps run test unit check check-sanitize sanitize-build fuzz fuzz-build bench install uninstall deb clean
all: $(BUILD)/remediation-webhook $(BUILD)/remediationctl $(BUILD)/remediation-run-playbook

$(BUILD)/%.o: src/%.c $(wildcard src/*.h) | $(BUILD)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(BUILD)/remediation-webhook: $(BUILD)/main.o $(LIB_OBJ)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/remediationctl: $(CTL_OBJ) $(LIB_OBJ)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(CTL_LIBS)

# The ExecStart of the playbook units (units/remediation-playbook-*@.service).
$(BUILD)/remediation-run-playbook: $(BUILD)/run-playbook.o $(LIB_OBJ)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/%: tests/unit/%.c $(TEST_OBJ) | $(BUILD)/tests
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(TEST_OBJ) $(LDLIBS) -lcmocka

# Test-only: an LD_PRELOAD shim answering Landlock as an older kernel would (tests/confine.test).
# Built without the sanitizers, as a plain preload; never linked into a shipped binary.
$(BUILD)/tests/landlock-shim.so: tests/bin/landlock-shim.c | $(BUILD)/tests
	$(CC) -D_GNU_SOURCE -std=gnu11 -O2 $(WARN) -shared -fPIC -o $@ $< -ldl

$(BUILD) $(BUILD)/tests:
	mkdir -p $@

deps:
	tests/install-deps

unit: $(UNIT_BIN) $(BUILD)/tests/landlock-shim.so

# The confinement probe (tests/confine-nspawn.test): the handler's confinement, then every
# forbidden thing tried, as the ExecStart of the handler's unit in a test. Never installed.
unit: $(BUILD)/tests/confine-probe
$(BUILD)/tests/confine-probe: tests/probe/confine-probe.c $(LIB_OBJ) $(wildcard src/*.h) | $(BUILD)/tests
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIB_OBJ) $(LDLIBS)

run: deps all
	contrib/demo-run

# Every test, then every test again built with ASan+UBSan; the last line sums both rounds.
test: deps
	$(MAKE) all unit fuzz-build sanitize-build
	tests/run-all $(BUILD) $(BUILD)/sanitize

check: all unit
	tests/run-all $(BUILD)

sanitize-build:
	$(MAKE) BUILD=$(BUILD)/sanitize CFLAGS="$(SAN_FLAGS)" LDFLAGS="-fsanitize=address,undefined" all unit

check-sanitize: sanitize-build
	tests/run-all $(BUILD)/sanitize

# libFuzzer harnesses (clang): `make fuzz` runs each for FUZZ_SECONDS, seeded from the fixtures.
$(BUILD)/fuzz/%: tests/fuzz/%.c $(LIB_SRC) src/report.c $(wildcard src/*.h) | $(BUILD)/fuzz
	clang $(CPPFLAGS) -std=gnu11 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
		$(shell pkg-config --cflags $(PKGS)) -o $@ $< $(LIB_SRC) src/report.c $(LDLIBS)

$(BUILD)/fuzz:
	mkdir -p $@

fuzz-build: $(FUZZ_BIN)

fuzz: deps fuzz-build
	tests/fuzz/run $(FUZZ_SECONDS)

bench: deps all
	tests/bench/run

include contrib/install.mk

# The Debian package from contrib/debian/ (debhelper): built in a copy of the tree under DEB_DIR,
# with contrib/debian as its debian/; the .deb lands in $(BUILD). DEB_VERSION= replaces the
# changelog's version (the upgrade test builds a later one).
DEB_DIR     ?= $(BUILD)/deb
DEB_VERSION ?=
deb:
	rm -rf $(DEB_DIR)/src
	mkdir -p $(DEB_DIR)/src
	cp -a Makefile README.md src units contrib $(DEB_DIR)/src/
	cp -a contrib/debian $(DEB_DIR)/src/debian
	if [ -n "$(DEB_VERSION)" ]; then \
		sed -i '1s/([^)]*)/($(DEB_VERSION))/' $(DEB_DIR)/src/debian/changelog; fi
	cd $(DEB_DIR)/src && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u BUILD -u DEB_DIR -u DEB_VERSION -u PREFIX -u DESTDIR \
		-u CC -u CFLAGS -u CPPFLAGS -u LDFLAGS dpkg-buildpackage -b -us -uc -J2
	mv $(DEB_DIR)/remediation-webhook_*.deb $(BUILD)/
	@ls $(BUILD)/remediation-webhook_*.deb

clean:
	rm -rf $(BUILD)
