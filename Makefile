# SPDX-License-Identifier: Apache-2.0
# `make` builds bin/; `make deps` installs what is missing from Debian's archive (as root);
# `make test`, `make demo`, `make bench`, `make soak` run `deps` first.

SHELL := /bin/bash
BIN := bin
DOTNET ?= dotnet
CONFIGURATION ?= Release
CLANG ?= clang
BPFTOOL ?= bpftool

# The original's build variables. BASE_FREQ (Hz) becomes app-fw's default TSC frequency;
# the environment variable of the same name still overrides it at run time.
BASE_FREQ ?=
DISABLE_ORDERING ?=

DEB_PACKAGES := clang llvm libbpf-dev libbpf1 bpftool iptables iproute2 curl wget iperf3 python3 gcc make libc6-dev linux-libc-dev

DOTNET_SOURCES := $(shell find src -name '*.cs' -o -name '*.csproj') Directory.Build.props $(wildcard hocon/*.conf)
BPF_SOURCES := $(wildcard bpf/*.c bpf/*.h)

.PHONY: all deps test unit-test e2e-test demo bench soak clean

# Rebuild app-fw when a build variable changes (the stamp is rewritten only when its content differs).
BUILD_VARS := $(BIN)/.build-vars
$(shell mkdir -p $(BIN) && echo "BASE_FREQ=$(BASE_FREQ)" | cmp -s - $(BUILD_VARS) || echo "BASE_FREQ=$(BASE_FREQ)" > $(BUILD_VARS))

all: $(BIN)/app-fw $(BIN)/ctl-fw $(BIN)/syscall_probe.o

deps:
	@bash scripts/deps.sh $(DEB_PACKAGES)

# Both programs in one recipe: publishing ctl-fw rebuilds the Daf.Actors project it references,
# so both must see the same build properties.
DOTNET_PROPS := -p:DafBaseFrequency=$(BASE_FREQ)
$(BIN)/app-fw $(BIN)/ctl-fw &: $(DOTNET_SOURCES) $(BUILD_VARS)
ifneq ($(DISABLE_ORDERING),)
	@echo "note: DISABLE_ORDERING is accepted but unnecessary: DAF's aggregate digests are order-independent by construction."
endif
	@mkdir -p $(BIN)
	$(DOTNET) publish src/Daf.Actors/Daf.Actors.csproj -c $(CONFIGURATION) -o $(BIN) --nologo -v quiet $(DOTNET_PROPS)
	$(DOTNET) publish src/Daf.Ctl/Daf.Ctl.csproj -c $(CONFIGURATION) -o $(BIN) --nologo -v quiet $(DOTNET_PROPS)
	@touch $(BIN)/app-fw $(BIN)/ctl-fw

bpf/vmlinux.h:
	$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $@.tmp && mv $@.tmp $@

$(BIN)/syscall_probe.o: bpf/syscall_probe.bpf.c bpf/vmlinux.h $(BPF_SOURCES)
	@mkdir -p $(BIN)
	$(CLANG) -g -O2 -Wall -target bpf -D__TARGET_ARCH_x86 -I bpf -c $< -o $@

test: deps all
	bash scripts/run-tests.sh

unit-test: all
	bash scripts/run-tests.sh unit

e2e-test: all
	bash scripts/run-tests.sh e2e

demo: deps all
	bash scripts/demo.sh

bench: deps all
	bash bench/run.sh

# 10 minutes (SOAK_SECONDS) of traffic and process churn through app-fw; PASS/FAIL per criterion (bench/README.md).
soak: deps all
	bash bench/soak.sh

clean:
	rm -rf $(BIN) bpf/vmlinux.h
	$(DOTNET) clean Daf.sln --nologo -v quiet || true
