#!/usr/bin/env bash
# shellcheck disable=SC2317 # the modes are called through "$mode"
# The long fuzz run of the ZMTP core: frame decoder, greeting, NULL and PLAIN handshakes
# (bodies in src/zmtp/fuzzing/). CI runs a short one from scripts/test.sh.
#
#   bash scripts/fuzz.sh [--seconds N] [--nightly | --stable]
#
# Default: the stable fuzzer (zmtp::fuzzing::tests::soak) built in release
# mode, N seconds per target (default 300). With --nightly, or when
# --seconds is given and `cargo +nightly fuzz` works (unless --stable), the
# cargo-fuzz targets under fuzz/ run instead (libFuzzer, fuzz/zmtp.dict).
#
# Findings: target/fuzz-findings/*.hex for the stable fuzzer (or
# $RAMPART_FUZZ_FINDINGS; replay with RAMPART_FUZZ_REPLAY=FILE, see its
# output), fuzz/artifacts/TARGET/ for cargo-fuzz. Exits non-zero on any
# finding. RAMPART_FUZZ_SEED=S repeats a stable run's input sequence.
set -uo pipefail

# shellcheck source=scripts/lib-install.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib-install.sh"
cd "$RAMPART_ROOT" || exit 1

TARGETS=(zmtp_decoder zmtp_greeting zmtp_null_handshake zmtp_plain_handshake zmtp_curve_handshake socks5_client)
LOGS="$RAMPART_ROOT/build/logs"
secs=300 secs_given=0 mode=auto

usage() { sed -n '3,17s/^# \{0,1\}//p' "$0"; }
while [ $# -gt 0 ]; do
    case "$1" in
        --seconds) secs="${2:-}"; secs_given=1; shift 2 ;;
        --seconds=*) secs="${1#*=}"; secs_given=1; shift ;;
        --nightly) mode=nightly; shift ;;
        --stable) mode=stable; shift ;;
        -h | --help) usage; exit 0 ;;
        *) usage >&2; exit 2 ;;
    esac
done
case "$secs" in
    '' | *[!0-9]*) rampart_die "--seconds needs a whole number"; exit 2 ;;
esac
have_cargo_fuzz() { cargo +nightly fuzz --version >/dev/null 2>&1; }
if [ "$mode" = auto ]; then
    mode=stable
    [ "$secs_given" -eq 1 ] && have_cargo_fuzz && mode=nightly
fi
mkdir -p "$LOGS"

stable() {
    rampart_log "stable fuzzer: $secs s per target (release build)"
    RAMPART_FUZZ_SECS="$secs" cargo test --release --lib zmtp::fuzzing::tests::soak \
        -- --ignored --nocapture 2>&1 | tee "$LOGS/fuzz-stable.log"
    local rc="${PIPESTATUS[0]}"
    printf '\n======== Fuzz summary (stable, %s s per target) ========\n' "$secs"
    grep -E '^fuzz' "$LOGS/fuzz-stable.log"
    grep -E -A4 '^FUZZ FINDING' "$LOGS/fuzz-stable.log"
    return "$rc"
}

nightly() {
    have_cargo_fuzz || { rampart_die "cargo +nightly fuzz not available (rustup toolchain install nightly; cargo install cargo-fuzz)"; return 1; }
    local t rc status=0 log summary=()
    for t in "${TARGETS[@]}"; do
        log="$LOGS/fuzz-$t.log"
        rampart_log "cargo-fuzz $t: $secs s"
        (cd fuzz && cargo +nightly fuzz run "$t" -- -dict=zmtp.dict -max_len=65536 \
            -max_total_time="$secs" -print_final_stats=1) >"$log" 2>&1
        rc=$?
        tail -n 3 "$log"
        if [ "$rc" -eq 0 ]; then
            summary+=("$(printf '%-20s ok    %s' "$t" "$(grep -E '^#[0-9]+.*DONE' "$log" | tail -n 1)")")
        else
            status=1
            summary+=("$(printf '%-20s FAIL  (exit %d) %s' "$t" "$rc" \
                "$(grep -Eo 'Test unit written to [^ ]+' "$log" | tail -n 1)")")
        fi
    done
    printf '\n======== Fuzz summary (cargo-fuzz, %s s per target; logs in %s) ========\n' "$secs" "$LOGS"
    printf '  %s\n' "${summary[@]}"
    return "$status"
}

"$mode"
status=$?
if [ "$status" -eq 0 ]; then
    echo "RESULT: no findings"
else
    echo "RESULT: FAILED (finding or build error, see above)"
fi
exit "$status"
