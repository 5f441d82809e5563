#!/usr/bin/env bash
# Prints the system libraries that rustc says a C program needs when it links
# libzmq.a, and compares them with RAMPART_NATIVE_STATIC_LIBS in
# scripts/lib-install.sh (which feeds libzmq.pc's Libs.private and the
# libzmq-static CMake target). Exit 1 if they differ.
#
#   bash scripts/native-static-libs.sh
#
# Uses its own target dir (build/native-libs) so the normal build is untouched.
set -euo pipefail

# shellcheck source=scripts/lib-install.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib-install.sh"
cd "$RAMPART_ROOT"

if ! out=$(CARGO_TARGET_DIR="$RAMPART_ROOT/build/native-libs" \
    cargo rustc --lib --crate-type staticlib -- --print native-static-libs 2>&1); then
    printf '%s\n' "$out" | tail -n 40 >&2
    rampart_die "cargo rustc failed"
fi
libs=$(printf '%s\n' "$out" | sed -n 's/.*native-static-libs: //p' | tail -n 1)
[ -n "$libs" ] || { printf '%s\n' "$out" >&2; rampart_die "rustc printed no native-static-libs"; }

# libc is always linked by the C compiler driver; leave it out.
# shellcheck disable=SC2086 # one library per word
want=$(printf '%s\n' $libs | grep -vx -- '-lc' | paste -sd ' ' -)
echo "rustc:          $want"
echo "lib-install.sh: $RAMPART_NATIVE_STATIC_LIBS"
if [ "$want" != "$RAMPART_NATIVE_STATIC_LIBS" ]; then
    echo "They differ: update RAMPART_NATIVE_STATIC_LIBS in scripts/lib-install.sh." >&2
    exit 1
fi
echo "OK"
