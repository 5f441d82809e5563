#!/usr/bin/env bash
# Rampart's attack suite (HARDENING.md, "The attack suite").
#
# Builds the attack programs in c-tests/attack/ once with gcc (against
# include/zmq.h if the project has it, else the system zmq.h; no rpath), then
# runs every threat against Debian's libzmq and against Rampart with
# RAMPART_PROFILE=compat and =default, the very same binaries, switching
# LD_LIBRARY_PATH. Each threat is a baseline run (victim + well-behaved peer)
# and an attack run (the same plus the attacker), on 127.0.0.1 only:
#
#   T1        PUB, 256 KiB messages at 100/s to 24 live SUBs + 8 raw SUBs
#             that subscribe and never read (victim: the PUB)
#   T2        4 raw PUSH connections flooding 256 KiB frames into a PULL
#             (capacity 5000 msg/s) that a legitimate PUSH also feeds
#   T3        10 000 connections to a REP (1/3 complete the handshake and
#             idle, 1/3 send nothing, 1/3 half a greeting) while a REQ
#             client does a round trip every 10 ms; a second REQ connects
#             3 s into the flood; each connection is tried once. T3-fd256:
#             the same with the victim's RLIMIT_NOFILE at 256. T3-churn
#             (only when listed): the attacker reopens every connection
#             the victim closes 1 s later
#   T4        100 connections declaring a 1 GiB frame and trickling 1 KiB
#             every 100 ms into a PULL a legitimate PUSH also feeds
#   T5        a PUSH sending 1 MiB messages to a raw PULL that never reads
#             and to a healthy PULL (victim: the PUSH)
#
# and prints, per threat and library, the victim's peak RSS (VmHWM) and
# peak VmSize (VmPeak), its CPU seconds in the attack run, whether it
# survived (alive and still serving the well-behaved peer at the end) and
# the well-behaved peer's throughput (thr) or median latency (lat) in the
# attack run as a ratio of its baseline run.
#
# usage: scripts/attack.sh [--rampart-lib DIR] [--libzmq-lib DIR]
#                          [--threats T1,T3,...] [--quick] [--keep]
#   --rampart-lib DIR  directory with Rampart's libzmq.so.5 or libzmq.so
#                      (default: target/release; a libzmq.so.5 symlink is
#                      made in a temporary directory when only libzmq.so is
#                      there)
#   --libzmq-lib DIR   directory with the reference libzmq.so.5
#                      (default: /usr/lib/x86_64-linux-gnu)
#   --threats LIST     only these (default T1,T2,T3,T4,T5; T3 brings
#                      T3-fd256 along; T3-churn runs only when listed)
#   --quick            shorter runs (about half the time)
#   --keep             keep the build and logs and print their path
#
# Needs gcc and python3 only; no root. The T3 attacker raises its own fd
# soft limit to the hard one; if the hard limit is under 10 064 it uses
# fewer connections and says so in the note column (raising the hard limit,
# e.g. `ulimit -Hn 20000`, needs root). A full run takes about 8 minutes,
# --quick about 5. Every process runs under `timeout` and is killed on exit.
set -u

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RAMPART_LIB="$ROOT/target/release"
LIBZMQ_LIB=/usr/lib/x86_64-linux-gnu
THREATS="T1,T2,T3,T4,T5"
QUICK=0
KEEP=0

usage() {
    sed -n '2,/^set -u/{/^set -u/d;s/^# \{0,1\}//;p}' "$0"
    exit "${1:-0}"
}

while [ $# -gt 0 ]; do
    case "$1" in
    --rampart-lib) RAMPART_LIB=${2:?--rampart-lib needs a directory}; shift 2 ;;
    --rampart-lib=*) RAMPART_LIB=${1#*=}; shift ;;
    --libzmq-lib) LIBZMQ_LIB=${2:?--libzmq-lib needs a directory}; shift 2 ;;
    --libzmq-lib=*) LIBZMQ_LIB=${1#*=}; shift ;;
    --threats) THREATS=${2:?--threats needs a list}; shift 2 ;;
    --threats=*) THREATS=${1#*=}; shift ;;
    --quick) QUICK=1; shift ;;
    --keep) KEEP=1; shift ;;
    -h | --help) usage 0 ;;
    *) echo "attack.sh: unknown argument '$1'" >&2; usage 1 >&2 ;;
    esac
done

# The threat list, in table order; T3 brings T3-fd256 along.
SELECTED=()
for t in T1 T2 T3 T3-fd256 T3-churn T4 T5; do
    case ",$THREATS," in
    *",$t,"*) SELECTED+=("$t") ;;
    *",T3,"*) [ "$t" = T3-fd256 ] && SELECTED+=("$t") ;;
    esac
done
for t in ${THREATS//,/ }; do
    case "$t" in
    T1 | T2 | T3 | T3-fd256 | T3-churn | T4 | T5) ;;
    *) echo "attack.sh: unknown threat '$t' (T1 T2 T3 T3-fd256 T3-churn T4 T5)" >&2; exit 1 ;;
    esac
done
[ ${#SELECTED[@]} -gt 0 ] || { echo "attack.sh: no threats selected" >&2; exit 1; }

for tool in gcc python3 timeout; do
    command -v "$tool" >/dev/null 2>&1 || { echo "attack.sh: $tool not found" >&2; exit 1; }
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/rampart-attack.XXXXXX") || exit 1
BIN="$WORK/bin"
LOGS="$WORK/logs"
mkdir -p "$BIN" "$LOGS"
RUNNING="" # pid of the runner now in progress

# shellcheck disable=SC2317 # called through the EXIT trap
cleanup() {
    if [ -n "$RUNNING" ]; then
        # the runner kills its own children (victim, peer, attacker) on TERM
        kill -TERM "$RUNNING" 2>/dev/null
        sleep 1
        kill -KILL "$RUNNING" 2>/dev/null
        wait "$RUNNING" 2>/dev/null
    fi
    if [ "$KEEP" = 1 ]; then
        echo "attack.sh: build and logs kept in $WORK" >&2
    else
        rm -rf "$WORK"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# ---------------------------------------------------------------- build
if [ -f "$ROOT/include/zmq.h" ]; then
    INCLUDE="$ROOT/include"
else
    INCLUDE=/usr/include
fi
# Link against the reference library (symbols resolve at run time anyway);
# give the linker a libzmq.so if the -dev symlink is absent.
LINKDIR=""
for d in "$LIBZMQ_LIB" "$RAMPART_LIB"; do
    if [ -e "$d/libzmq.so" ]; then
        LINKDIR=$d
        break
    elif [ -e "$d/libzmq.so.5" ]; then
        mkdir -p "$WORK/link"
        ln -sf "$(readlink -f "$d/libzmq.so.5")" "$WORK/link/libzmq.so"
        LINKDIR="$WORK/link"
        break
    fi
done
[ -n "$LINKDIR" ] || { echo "attack.sh: no libzmq to link against in $LIBZMQ_LIB or $RAMPART_LIB" >&2; exit 1; }
SRC="$ROOT/c-tests/attack"
CFLAGS=(-std=gnu99 -O2 -Wall -I"$SRC" -I"$ROOT/c-tests")
echo "building the attack programs against $INCLUDE/zmq.h"
if ! { gcc "${CFLAGS[@]}" -I"$INCLUDE" -o "$BIN/attack_victim" "$SRC/attack_victim.c" -L"$LINKDIR" -lzmq -lpthread &&
    gcc "${CFLAGS[@]}" -I"$INCLUDE" -o "$BIN/attack_legit" "$SRC/attack_legit.c" -L"$LINKDIR" -lzmq -lpthread &&
    gcc "${CFLAGS[@]}" -o "$BIN/attack_raw" "$SRC/attack_raw.c"; } >"$LOGS/build.log" 2>&1; then
    cat "$LOGS/build.log" >&2
    echo "attack.sh: build failed" >&2
    exit 1
fi

# ---------------------------------------------------------------- libraries
PROBE="$BIN/attack_victim"
# shellcheck source=scripts/lib-resolve.sh
source "$ROOT/scripts/lib-resolve.sh"

# ---------------------------------------------------------------- runs
# label  library  profile  expected (what zmq_has("rampart") must say)
CONFIGS="
libzmq          libzmq  -        libzmq
rampart/compat  rampart compat   rampart
rampart/default rampart default  rampart
"
echo "cpus: $(nproc 2>/dev/null || echo '?'), load average at start: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)" \
    "(other load skews the ratios); fd limit soft $(ulimit -Sn) hard $(ulimit -Hn)"
env | grep '^RAMPART_' | sed 's/^/note: set in the environment (applies to every Rampart run): /'
[ "$QUICK" = 1 ] && echo "quick mode: shorter measurement windows"
started=$(date +%s)
ROWS=()
RUN_LIMIT=120
for threat in "${SELECTED[@]}"; do
    while read -r label lib profile expect; do
        [ -n "$label" ] || continue
        if [ -n "${MISSING[$lib]:-}" ]; then
            ROWS+=("$(printf 'ROW\t%s\t%s\t-\t-\t-\t-\t-\t%s' "$threat" "$label" "${MISSING[$lib]}")")
            continue
        fi
        args=(--bin "$BIN" --lib "${LIBDIR[$lib]}" --threat "$threat" --label "$label"
            --expect "$expect" --logdir "$LOGS/$threat.${label//\//-}" --row)
        [ "$profile" != - ] && args+=(--profile "$profile")
        [ "$QUICK" = 1 ] && args+=(--quick)
        printf '  %-9s %-16s ' "$threat" "$label"
        t0=$(date +%s)
        out="$LOGS/$threat.${label//\//-}.row"
        timeout -k 5 "$RUN_LIMIT" python3 "$SRC/attack_run.py" "${args[@]}" </dev/null >"$out" 2>"$out.err" &
        RUNNING=$!
        wait "$RUNNING"
        rc=$?
        RUNNING=""
        row=$(grep -m1 '^ROW' "$out")
        if [ -z "$row" ]; then
            why=$(grep -v '^  T' "$out.err" | tail -n 1 | cut -c1-100)
            [ "$rc" = 124 ] && why="runner timed out after ${RUN_LIMIT}s"
            row=$(printf 'ROW\t%s\t%s\t-\t-\t-\t-\t-\tfailed (exit %s): %s' "$threat" "$label" "$rc" "$why")
        fi
        ROWS+=("$row")
        echo "$(($(date +%s) - t0)) s"
    done <<<"$CONFIGS"
done

# ---------------------------------------------------------------- report
echo
printf '%-9s | %-15s | %8s | %10s | %6s | %-8s | %-9s | %s\n' threat library "RSS MiB" "VmSize MiB" "CPU s" survived legit note
printf -- '----------+-----------------+----------+------------+--------+----------+-----------+------\n'
for row in "${ROWS[@]}"; do
    IFS=$'\t' read -r _ threat label rss vsz cpu surv legit note <<<"$row"
    printf '%-9s | %-15s | %8s | %10s | %6s | %-8s | %-9s | %s\n' \
        "$threat" "$label" "$rss" "$vsz" "$cpu" "$surv" "$legit" "$note"
done
echo
echo "legend: RSS = victim's peak resident memory (VmHWM), VmSize = its peak address space (VmPeak)," \
    "CPU = victim's user+sys seconds in the attack run, survived = alive and still serving the" \
    "well-behaved peer in the last second, legit = that peer's throughput (thr, higher is better) or" \
    "median round trip (lat, lower is better) in the attack run / its baseline run with the same library."
echo "total time: $(($(date +%s) - started)) s"
exit 0
