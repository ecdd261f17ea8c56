# make coverage: line and branch coverage of alloc.h (gcov + lcov); see tests/coverage.sh.
.PHONY: coverage
coverage: setup-test
	@command -v lcov >/dev/null 2>&1 || sh tests/setup.sh lcov
	@sh tests/coverage.sh
