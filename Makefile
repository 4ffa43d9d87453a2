# remediation-webhook — see README.md.  `make run` and `make test` set everything up themselves.
PREFIX    ?= /usr/local
DESTDIR   ?=
BUILD     ?= build
CC        ?= cc
CFLAGS    ?= -O2 -g
PKGS      := libsystemd libcjson yaml-0.1
WARN      := -Wall -Wextra -Wshadow -Wformat=2 -Wmissing-prototypes -Wstrict-prototypes \
             -Wpointer-arith -Wvla -Wimplicit-fallthrough -Wundef -Wcast-align -Werror
HARDEN    := -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fPIE
override CPPFLAGS += -D_GNU_SOURCE -Isrc
override CFLAGS   += -std=gnu11 $(WARN) $(HARDEN) $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS    := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
override LDFLAGS  += -pie -Wl,-z,relro,-z,now

LIB_SRC   := src/http.c src/payload.c src/config.c src/params.c src/gates.c src/state.c src/store.c \
             src/exec.c src/audit.c src/metrics.c src/history.c src/util.c
LIB_OBJ   := $(LIB_SRC:src/%.c=$(BUILD)/%.o)
UNIT_SRC  := $(wildcard tests/unit/test_*.c)
UNIT_BIN  := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)

.PHONY: all deps run test unit install uninstall clean
all: $(BUILD)/remediation-webhook

$(BUILD)/%.o: src/%.c $(wildcard src/*.h) | $(BUILD)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(BUILD)/remediation-webhook: $(BUILD)/main.o $(LIB_OBJ)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/%: tests/unit/%.c $(LIB_OBJ) | $(BUILD)/tests
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIB_OBJ) $(LDLIBS) -lcmocka

$(BUILD) $(BUILD)/tests:
	mkdir -p $@

deps:
	tests/install-deps

unit: $(UNIT_BIN)

run: deps all
	contrib/demo-run

test: deps
	$(MAKE) all unit
	tests/run-all

include contrib/install.mk

clean:
	rm -rf $(BUILD)
