#!/usr/bin/env bash
# Builds libzmq 4.3.5's own test programs (from the zeromq-src crate, fetched
# by cargo through conformance/Cargo.toml) against an installed Rampart and runs
# each one three times: Rampart under RAMPART_PROFILE=compat, Rampart under its
# default profile, and Debian's libzmq. Prints the three pass counts and fails
# if a Rampart count is below the floor recorded in conformance/expected-counts.
#
#   bash scripts/conformance.sh [--prefix DIR] [--only 'REGEX'] [--no-floor]
#
#   --prefix DIR   the installed Rampart (default build/prefix)
#   --only REGEX   run only the tests whose name matches (ctest -R); implies --no-floor
#   --no-floor     report the counts without comparing them to the recorded floor
#
# Which upstream programs run, and why the others do not: conformance/upstream-tests.txt.
# Logs: build/logs/conformance-*.log; per-test results: build/logs/conformance-results.txt.
set -uo pipefail

# shellcheck source=scripts/lib-install.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib-install.sh"
cd "$RAMPART_ROOT" || exit 1

PREFIX="$RAMPART_ROOT/build/prefix"
ONLY=""
FLOOR=1
while [ $# -gt 0 ]; do
    case "$1" in
        --prefix) PREFIX="$2"; shift 2 ;;
        --only) ONLY="$2"; FLOOR=0; shift 2 ;;
        --no-floor) FLOOR=0; shift ;;
        *) rampart_die "unknown argument: $1"; exit 2 ;;
    esac
done
PREFIX="$(cd "$PREFIX" 2>/dev/null && pwd)" || { rampart_die "no installed Rampart at $PREFIX"; exit 1; }

CONF="$RAMPART_ROOT/conformance"
WORK="$RAMPART_ROOT/build/conformance"
TREE="$WORK/tree"
LOGS="$RAMPART_ROOT/build/logs"
JOBS="${RAMPART_JOBS:-2}"
mkdir -p "$LOGS"

rampart_ensure_apt cmake make g++ libzmq5 libzmq3-dev libsodium-dev || exit 1

# --- the upstream tree ---------------------------------------------------------
manifest=$(cargo metadata --manifest-path "$CONF/Cargo.toml" --format-version 1 2>"$LOGS/conformance-fetch.log" |
    grep -o '"manifest_path":"[^"]*zeromq-src-[^"]*/Cargo.toml"' | head -n 1 | sed 's/.*:"\(.*\)"/\1/')
if [ -z "$manifest" ]; then
    cat "$LOGS/conformance-fetch.log" >&2
    rampart_die "cargo could not fetch zeromq-src (see above)"
    exit 1
fi
VENDOR="$(dirname "$manifest")/vendor"
[ -f "$VENDOR/tests/testutil.cpp" ] || { rampart_die "$VENDOR has no tests/"; exit 1; }
echo "upstream tree: $VENDOR"

# Every upstream program must be classified (run or exclude, with a reason).
unlisted=0
for src in "$VENDOR"/tests/test_*.cpp; do
    name=$(basename "$src" .cpp)
    if ! grep -qE "^$name[[:space:]]" "$CONF/upstream-tests.txt"; then
        echo "conformance/upstream-tests.txt does not list $name" >&2
        unlisted=1
    fi
done
[ "$unlisted" -eq 0 ] || exit 1

# Stage: upstream's tests, unity and sources (test_security_curve compiles a
# few of them), Rampart's installed headers as include/, our platform.hpp.
rm -rf "$TREE"
mkdir -p "$TREE/include" "$TREE/external"
cp -r "$VENDOR/tests" "$VENDOR/src" "$TREE/" &&
    cp -r "$VENDOR/external/unity" "$TREE/external/" &&
    cp "$PREFIX/include/zmq.h" "$PREFIX/include/zmq_utils.h" "$TREE/include/" &&
    cp "$CONF/platform.hpp" "$TREE/src/platform.hpp" || exit 1

# --- build ---------------------------------------------------------------------
cmake -S "$CONF" -B "$WORK/build" -G "Unix Makefiles" -DUPSTREAM_TREE="$TREE" \
    -DRAMPART_PREFIX="$PREFIX" >"$LOGS/conformance-configure.log" 2>&1 ||
    { cat "$LOGS/conformance-configure.log"; exit 1; }
echo "building $(grep -cE '^test_[a-z0-9_]+[[:space:]]+run' "$CONF/upstream-tests.txt") upstream programs..."
# -k: one program that does not compile must not stop the others (it fails).
cmake --build "$WORK/build" -j"$JOBS" -- -k >"$LOGS/conformance-build.log" 2>&1 ||
    echo "some programs did not build; see $LOGS/conformance-build.log"
# Every built program must load libzmq.so.5 from LD_LIBRARY_PATH, not an RPATH.
for exe in "$WORK"/build/test_*; do
    [ -x "$exe" ] || continue
    if readelf -d "$exe" | grep -qE 'R(UN)?PATH'; then
        rampart_die "$exe carries an RPATH"
        exit 1
    fi
done

# --- run -------------------------------------------------------------------------
declare -A passed
status=0
for label in compat default libzmq; do
    log="$LOGS/conformance-$label.log"
    only=()
    [ -n "$ONLY" ] && only=(-R "$ONLY")
    # A test that fails is run up to twice more: upstream's programs lean on
    # timing (sleeps, TCP buffer sizes), and this is a loaded 2-core machine.
    (cd "$WORK/build" && ctest -L "^$label\$" "${only[@]}" -j"$JOBS" --repeat until-pass:3 \
        --output-on-failure) >"$log" 2>&1
    total=$(sed -n 's/.*tests failed out of \([0-9]*\).*/\1/p' "$log" | tail -n 1)
    failed=$(sed -n 's/.* \([0-9]*\) tests failed out of.*/\1/p' "$log" | tail -n 1)
    total=${total:-0} failed=${failed:-0}
    passed[$label]=$((total - failed))
    printf '%-8s %3d of %d upstream programs pass\n' "$label" "${passed[$label]}" "$total"
    sed -n '/The following tests FAILED:/,$p' "$log" | grep -E '^[[:space:]]+[0-9]+ - ' |
        sed 's/^[[:space:]]*[0-9]* - /    failed: /'
done

# One line per test and run, for the README and the issue notes.
{
    for label in compat default libzmq; do
        sed -n 's/^ *[0-9]*\/[0-9]* Test *#[0-9]*: \([a-z]*\/test_[a-z0-9_]*\) \.*\** *\([A-Za-z]*\).*/\1 \2/p' \
            "$LOGS/conformance-$label.log"
    done
} | sort -u >"$LOGS/conformance-results.txt"

if [ "$FLOOR" -eq 1 ]; then
    while read -r label floor; do
        case "$label" in '' | '#'*) continue ;; esac
        if [ "${passed[$label]:-0}" -lt "$floor" ]; then
            echo "FAIL: $label passes ${passed[$label]:-0}, below the recorded $floor (conformance/expected-counts)"
            status=1
        fi
    done <"$CONF/expected-counts"
fi
echo "Conformance: ${passed[compat]:-0} passed (compat), ${passed[default]:-0} passed (default), ${passed[libzmq]:-0} passed (Debian libzmq)"
exit "$status"
