# make test-cross: the portability matrix (tests/cross/run.sh) — the test suite run on
# i386, armhf, powerpc and s390x (qemu-user), with tcc and clang; freestanding builds for
# Cortex-M0/M4, rv32/rv64 and AVR; each family's smoke test under simavr. The setup step
# installs the Debian toolchains when run as root, otherwise prints the apt-get command.
.PHONY: test-cross setup-cross

setup-cross:
	@sh tests/cross/setup.sh cross

test-cross: setup-cross
	@sh tests/cross/run.sh
