# make size: flash bytes per family on Cortex-M0 and Cortex-M4 (bench/size/run.sh), the
# table printed and written to bench/size/results.md. SIZE_STRICT=1 fails over a target.
.PHONY: size setup-size

setup-size:
	@sh tests/cross/setup.sh size

size: setup-size
	@sh bench/size/run.sh
