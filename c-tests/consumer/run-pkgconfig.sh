#!/usr/bin/env bash
# ctest driver: compiles and runs the consumer programs with flags from
# pkg-config, the way a Makefile user would.
#   run-pkgconfig.sh --build DIR [--pc-path DIR] [--expect-version X.Y.Z]
#                    [--expect-lib-dir DIR] [--no-static] [--no-cpp]
# Without --pc-path the system's libzmq.pc is used. Programs run with
# LD_LIBRARY_PATH set to the package's libdir.
set -uo pipefail

build="" pc_path="" version="" lib_dir="" static=1 cpp=1
while [ $# -gt 0 ]; do
    case "$1" in
        --build) build="$2"; shift 2 ;;
        --pc-path) pc_path="$2"; shift 2 ;;
        --expect-version) version="$2"; shift 2 ;;
        --expect-lib-dir) lib_dir="$2"; shift 2 ;;
        --no-static) static=0; shift ;;
        --no-cpp) cpp=0; shift ;;
        *) echo "run-pkgconfig.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done
[ -n "$build" ] || { echo "run-pkgconfig.sh: --build is required" >&2; exit 2; }
src="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CC="${CC:-cc}"
CXX="${CXX:-c++}"
if [ -n "$pc_path" ]; then
    export PKG_CONFIG_PATH="$pc_path"
else
    unset PKG_CONFIG_PATH
fi
unset LD_LIBRARY_PATH

failures=()
step() {
    local name="$1"
    shift
    echo "--- $name"
    if "$@"; then
        echo "--- $name: ok"
    else
        echo "--- $name: FAILED (exit $?)"
        failures+=("$name")
    fi
}

rm -rf "$build"
mkdir -p "$build"

modversion=$(pkg-config --modversion libzmq) || { echo "FAILED: pkg-config finds no libzmq"; exit 1; }
libdir=$(pkg-config --variable=libdir libzmq)
cflags=$(pkg-config --cflags libzmq)
libs=$(pkg-config --libs libzmq)
echo "libzmq.pc: version $modversion, libdir $libdir"
echo "  cflags: $cflags"
echo "  libs:   $libs"
if [ -n "$version" ]; then
    step "modversion is $version" test "$modversion" = "$version"
    step "Requires.private is empty" test -z "$(pkg-config --print-requires-private libzmq)"
fi
if [ -n "$pc_path" ]; then
    step "libzmq.pc comes from $pc_path" test "$(pkg-config --path libzmq)" -ef "$pc_path/libzmq.pc"
fi

# built PROGRAM ARGS...: runs a program compiled above with LD_LIBRARY_PATH=libdir.
built() {
    [ -x "$1" ] || { echo "not built: $1"; return 1; }
    LD_LIBRARY_PATH="$libdir" "$@"
}

expect=()
[ -n "$version" ] && expect+=(--expect-version "$version")
lib_expect=()
[ -n "$lib_dir" ] && lib_expect+=(--expect-lib-dir "$lib_dir")

# shellcheck disable=SC2086 # pkg-config output is a list of words
step "compile consumer.c" $CC -o "$build/consumer_c" "$src/consumer.c" $cflags $libs
step "run consumer_c" built "$build/consumer_c" "${expect[@]}" "${lib_expect[@]}"

# shellcheck disable=SC2086
step "compile demo.c" $CC -o "$build/demo" "$src/demo.c" $cflags $libs
step "run demo" built "$build/demo"

if [ "$static" -eq 1 ]; then
    # The archive plus Libs.private: proves the private libraries suffice.
    private=$(pkg-config --static --libs-only-l libzmq | tr ' ' '\n' | grep -vx -- '-lzmq' | tr '\n' ' ')
    echo "  static: $libdir/libzmq.a $private"
    # shellcheck disable=SC2086
    step "compile consumer.c statically" $CC -o "$build/consumer_c_static" "$src/consumer.c" \
        $cflags "$libdir/libzmq.a" $private
    step "run consumer_c_static" built "$build/consumer_c_static" "${expect[@]}" --expect-lib-dir static
fi

if [ "$cpp" -eq 1 ]; then
    if pkg-config --exists cppzmq; then
        cppflags=$(pkg-config --cflags --libs cppzmq)
    else
        cppflags="$cflags $libs"
    fi
    # shellcheck disable=SC2086
    step "compile consumer.cpp (cppzmq)" $CXX -std=c++17 -o "$build/consumer_cpp" "$src/consumer.cpp" $cppflags
    step "run consumer_cpp" built "$build/consumer_cpp" "${expect[@]}"
fi

if [ ${#failures[@]} -gt 0 ]; then
    echo "FAILED: ${failures[*]}"
    exit 1
fi
echo "pkg-config consumer: all OK"
