#!/bin/sh
# The setup step behind `make test-cross` and `make size`: the cross compilers, qemu-user,
# tcc, the bare-metal toolchains and simavr, all from Debian. Installs the missing ones when
# run as root (apt-get update first), otherwise prints the exact command and fails.
#   usage: tests/cross/setup.sh [cross|size]
#
# i386 is built with `gcc -m32` from libc6-dev-i386 + lib32gcc-N-dev rather than the
# gcc-multilib meta-package: Debian's cross compilers (gcc-N-arm-linux-gnueabihf, ...)
# declare `Conflicts: gcc-multilib`, while the two libraries it pulls in do not conflict.
set -u
need=""
want() {   # want PACKAGE TEST-COMMAND
    if ! sh -c "$2" >/dev/null 2>&1; then need="$need $1"; fi
}
gccv=$(gcc -dumpversion 2>/dev/null | cut -d. -f1)
gccv=${gccv:-12}
want make "command -v make"
want gcc "command -v gcc"
want binutils "command -v nm"
want gcc-arm-none-eabi "command -v arm-none-eabi-gcc"
want libnewlib-arm-none-eabi "test -f /usr/lib/arm-none-eabi/newlib/thumb/v7e-m/nofp/libc_nano.a || test -f /usr/lib/arm-none-eabi/lib/thumb/v7e-m/nofp/libc_nano.a"
case ${1:-cross} in
    cross)
        want libstb-dev "test -f /usr/include/stb/stb_sprintf.h"
        want clang "command -v clang"
        want tcc "command -v tcc"
        want libc6-dev-i386 "test -f /usr/lib32/libc.a"
        want lib32gcc-$gccv-dev "test -f /usr/lib/gcc/x86_64-linux-gnu/$gccv/32/libgcc.a"
        want gcc-arm-linux-gnueabihf "command -v arm-linux-gnueabihf-gcc"
        want libc6-dev-armhf-cross "test -f /usr/arm-linux-gnueabihf/lib/libc.a"
        want gcc-powerpc-linux-gnu "command -v powerpc-linux-gnu-gcc"
        want libc6-dev-powerpc-cross "test -f /usr/powerpc-linux-gnu/lib/libc.a"
        want gcc-s390x-linux-gnu "command -v s390x-linux-gnu-gcc"
        want libc6-dev-s390x-cross "test -f /usr/s390x-linux-gnu/lib/libc.a"
        want qemu-user "command -v qemu-arm && command -v qemu-ppc && command -v qemu-s390x"
        want gcc-riscv64-unknown-elf "command -v riscv64-unknown-elf-gcc"
        want gcc-avr "command -v avr-gcc"
        want avr-libc "test -f /usr/lib/avr/include/avr/io.h"
        want simavr "command -v simavr" ;;
esac
[ -z "$need" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing$need"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null &&
        apt-get install -y -qq --no-install-recommends $need >/dev/null && exit 0
    echo "setup: apt-get could not install$need" >&2
    exit 1
fi
echo "setup: missing Debian packages:$need" >&2
echo "setup: install them with:  sudo apt-get install --no-install-recommends$need" >&2
exit 1
