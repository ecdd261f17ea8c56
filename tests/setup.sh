#!/bin/sh
# The setup step behind every make target: checks that the Debian packages a target needs
# are present; installs the missing ones when run as root, otherwise prints the exact
# command and fails.   usage: tests/setup.sh demo|test|bench|cross
set -u
need=""
want() {   # want PACKAGE TEST-COMMAND
    if ! sh -c "$2" >/dev/null 2>&1; then need="$need $1"; fi
}
want libstb-dev   "test -f /usr/include/stb/stb_sprintf.h"
want make         "command -v make"
want gcc          "command -v gcc"
case ${1:-test} in
    test)
        want g++      "command -v g++"
        want clang    "command -v clang"
        want valgrind "command -v valgrind"
        want binutils "command -v nm"
        want clang-tidy "command -v clang-tidy"
        want cppcheck "command -v cppcheck"
        want gcc-arm-none-eabi "command -v arm-none-eabi-gcc"
        want qemu-system-arm "command -v qemu-system-arm"
        want libclang-rt-14-dev "ls /usr/lib/llvm-14/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a" ;;
    firmware)
        want gcc-arm-none-eabi "command -v arm-none-eabi-gcc"
        want qemu-system-arm "command -v qemu-system-arm" ;;
    lcov)
        want lcov     "command -v lcov" ;;
    bench)
        want g++      "command -v g++"
        want valgrind "command -v valgrind" ;;
esac
[ -z "$need" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing$need"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null && apt-get install -y -qq $need >/dev/null && exit 0
    echo "setup: apt-get could not install$need" >&2
    exit 1
fi
echo "setup: missing Debian packages:$need" >&2
echo "setup: install them with:  sudo apt-get install$need" >&2
exit 1
