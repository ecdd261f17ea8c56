# alloc.h — the README's two commands are `make demo` and `make test`; `make bench` runs
# the benchmarks. Each first runs the setup step (tests/setup.sh), which installs missing
# Debian packages when run as root and otherwise prints the exact command to type.

CC      ?= cc
STB_INC ?= /usr/include/stb
CFLAGS  ?= -O2
WARN     = -std=c99 -Wall -Wextra -Wpedantic -Wconversion -Wsign-conversion -Wshadow -Werror
INC      = -I. -I$(STB_INC)
BUILD    = build

EXAMPLES  = $(patsubst examples/%.c,$(BUILD)/examples/%,$(wildcard examples/*.c))
BENCHES   = $(patsubst bench/%.c,$(BUILD)/bench/%,$(wildcard bench/*.c))

.PHONY: all demo test bench examples clean setup setup-test setup-bench

all: examples

setup:
	@sh tests/setup.sh demo
setup-test:
	@sh tests/setup.sh test
setup-bench:
	@sh tests/setup.sh bench

# The main job: every example runs, each family at work with its memory map drawn.
demo: setup
	@$(MAKE) --no-print-directory examples
	@for e in $(filter-out $(BUILD)/examples/allocsim,$(EXAMPLES)); do echo "=== $$e"; $$e < /dev/null || exit 1; done
	@for l in examples/lessons/*.txt; do echo "=== allocsim < $$l"; $(BUILD)/examples/allocsim --check < $$l || exit 1; done

examples: setup
	@$(MAKE) --no-print-directory $(EXAMPLES)

test: setup-test
	@sh tests/run.sh

bench: setup-bench
	@$(MAKE) --no-print-directory $(BENCHES)
	@sh bench/run.sh

$(BUILD)/stb_sprintf.o: tests/stb_sprintf_impl.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -w $(INC) -c $< -o $@

$(BUILD)/examples/%: examples/%.c alloc.h $(BUILD)/stb_sprintf.o
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(WARN) $(INC) $< $(BUILD)/stb_sprintf.o -o $@

$(BUILD)/bench/%: bench/%.c alloc.h $(BUILD)/stb_sprintf.o
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -g $(WARN) $(INC) $< $(BUILD)/stb_sprintf.o -o $@

clean:
	rm -rf $(BUILD)

# More targets (cross builds, sizes, fuzzing, coverage) live in mk/*.mk.
-include $(wildcard mk/*.mk)
