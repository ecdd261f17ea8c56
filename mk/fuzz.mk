# make fuzz: every tests/fuzz/fuzz_*.c as a libFuzzer target (clang
# -fsanitize=fuzzer,address,undefined), each run FUZZ_SECONDS (default 60) from its seed
# corpus in tests/fuzz/corpus/<family>/; new inputs go to build/fuzz/corpus/<family>/.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS  = $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))

.PHONY: fuzz
fuzz: setup-test
	@mkdir -p $(BUILD)/fuzz
	@for t in $(FUZZ_TARGETS); do \
	    clang -std=c11 -O1 -g -fsanitize=fuzzer,address,undefined -I. -Itests/fuzz \
	        tests/fuzz/fuzz_$$t.c -o $(BUILD)/fuzz/fuzz_$$t || exit 1; \
	    mkdir -p $(BUILD)/fuzz/corpus/$$t; \
	    echo "== fuzz $$t for $(FUZZ_SECONDS) s"; \
	    if $(BUILD)/fuzz/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
	        $(BUILD)/fuzz/corpus/$$t tests/fuzz/corpus/$$t > $(BUILD)/fuzz/$$t.log 2>&1; then \
	        grep -E 'stat::number_of_executed_units|^Done' $(BUILD)/fuzz/$$t.log; \
	    else \
	        tail -n 40 $(BUILD)/fuzz/$$t.log; echo "fuzz $$t FAILED (crash input in the current directory)"; exit 1; \
	    fi; \
	done
