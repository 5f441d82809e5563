#!/usr/bin/env bash
# ctest driver: configures, builds and runs c-tests/consumer/cmake against an
# installed prefix through find_package(ZeroMQ).
#   run-cmake.sh --prefix P --build DIR [--expect-version X.Y.Z] [--no-cpp]
# The shared-library programs run without LD_LIBRARY_PATH (CMake's build RPATH
# must find the prefix); the static one must not need libzmq.so at all.
set -uo pipefail

prefix="" build="" version="" cpp=ON
while [ $# -gt 0 ]; do
    case "$1" in
        --prefix) prefix="$2"; shift 2 ;;
        --build) build="$2"; shift 2 ;;
        --expect-version) version="$2"; shift 2 ;;
        --no-cpp) cpp=OFF; shift ;;
        *) echo "run-cmake.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done
if [ -z "$prefix" ] || [ -z "$build" ]; then echo "run-cmake.sh: --prefix and --build are required" >&2; exit 2; fi
src="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
unset LD_LIBRARY_PATH

failures=()
step() {
    local name="$1"
    shift
    echo "--- $name: $*"
    if "$@"; then
        echo "--- $name: ok"
    else
        echo "--- $name: FAILED (exit $?)"
        failures+=("$name")
    fi
}

rm -rf "$build"
if ! cmake -S "$src/cmake" -B "$build" -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_PREFIX_PATH="$prefix" -DEXPECT_PREFIX="$prefix" \
    -DEXPECT_VERSION="$version" -DWITH_CPP="$cpp"; then
    echo "FAILED: configuring the find_package(ZeroMQ) consumer"
    exit 1
fi
# Keep going so every program that can be built is run.
cmake --build "$build" -- -k || failures+=("build")

run() {
    local prog="$build/$1"
    shift
    [ -x "$prog" ] || { echo "not built: $prog"; return 1; }
    "$prog" "$@"
}
expect=()
[ -n "$version" ] && expect=(--expect-version "$version")
step consumer_c run consumer_c "${expect[@]}" --expect-lib-dir "$prefix/lib"
step consumer_c_static run consumer_c_static "${expect[@]}" --expect-lib-dir static
# shellcheck disable=SC2016 # $1 belongs to the inner shell
step "consumer_c_static has no libzmq.so NEEDED" \
    bash -c 'test -f "$1" && ! readelf -d "$1" | grep -q "NEEDED.*libzmq"' _ "$build/consumer_c_static"
step demo run demo
[ "$cpp" = ON ] && step consumer_cpp run consumer_cpp "${expect[@]}"

if [ ${#failures[@]} -gt 0 ]; then
    echo "FAILED: ${failures[*]}"
    exit 1
fi
echo "find_package(ZeroMQ) consumer: all OK"
