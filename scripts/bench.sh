#!/usr/bin/env bash
# Rampart vs libzmq benchmark matrix.
#
# Builds the C programs in bench/ once (against include/zmq.h if the project
# has it, else the system zmq.h; no rpath), then runs the very same binaries
# against Rampart and against Debian's libzmq by switching LD_LIBRARY_PATH,
# interleaving the two libraries run by run, and prints the median of N runs:
#
#   case | libzmq | rampart | ratio      (ratio = rampart / libzmq)
#
# Throughput cases are in msg/s (higher is better), latency cases in us
# (lower is better). A cell says "fail" if the library is missing or any of
# its runs for that case failed or timed out (each process is bounded by
# `timeout 60`); failures are summarised under the table.
#
# usage: scripts/bench.sh [--rampart-lib DIR] [--libzmq-lib DIR] [--runs N]
#                         [--scale F] [--cases a,b,...] [--keep]
#   --rampart-lib DIR  directory with Rampart's libzmq.so.5 or libzmq.so
#                      (default: target/release; a libzmq.so.5 symlink is
#                      made in a temporary directory when only libzmq.so is
#                      there)
#   --libzmq-lib DIR   directory with the reference libzmq.so.5
#                      (default: /usr/lib/x86_64-linux-gnu)
#   --runs N           runs per case and library (default 5), median shown
#   --scale F          multiply every message/round-trip count by F (e.g.
#                      0.1 for a smoke test)
#   --cases LIST       only these cases (names as in the table)
#   --keep             keep the build and log directory and print its path
set -u

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RAMPART_LIB="$ROOT/target/release"
LIBZMQ_LIB=/usr/lib/x86_64-linux-gnu
RUNS=5
SCALE=1
CASES=""
KEEP=0
RUN_TIMEOUT=60

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
    --runs) RUNS=${2:?--runs needs a number}; shift 2 ;;
    --runs=*) RUNS=${1#*=}; shift ;;
    --scale) SCALE=${2:?--scale needs a number}; shift 2 ;;
    --scale=*) SCALE=${1#*=}; shift ;;
    --cases) CASES=${2:?--cases needs a list}; shift 2 ;;
    --cases=*) CASES=${1#*=}; shift ;;
    --keep) KEEP=1; shift ;;
    -h | --help) usage 0 ;;
    *) echo "bench.sh: unknown argument '$1'" >&2; usage 1 >&2 ;;
    esac
done
case "$RUNS" in '' | *[!0-9]* | 0) echo "bench.sh: --runs must be a positive integer" >&2; exit 1 ;; esac
if ! awk -v s="$SCALE" 'BEGIN { exit !(s + 0 > 0) }'; then
    echo "bench.sh: --scale must be a positive number" >&2
    exit 1
fi

# The matrix: name kind transport size count. Counts are chosen so that one
# run takes about 1 s with libzmq 4.3 on a 2-core machine.
MATRIX="
tcp_thr_1B       thr tcp    1     5000000
tcp_thr_64B      thr tcp    64    3000000
tcp_thr_1KiB     thr tcp    1024  600000
tcp_thr_64KiB    thr tcp    65536 15000
ipc_thr_64B      thr ipc    64    3000000
tcp_lat_1B       lat tcp    1     10000
inproc_thr_64B   thr inproc 64    5000000
inproc_lat_1B    lat inproc 1     10000
"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/rampart-bench.XXXXXX") || exit 1
BIN="$WORK/bin"
LOGS="$WORK/logs"
mkdir -p "$BIN" "$LOGS"
declare -A LIVE # pids of our running children

cleanup() {
    local pid
    for pid in "${!LIVE[@]}"; do
        kill "$pid" 2>/dev/null
    done
    if [ "$KEEP" = 1 ]; then
        echo "bench.sh: build and logs kept in $WORK" >&2
    else
        rm -rf "$WORK"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- build
if [ -f "$ROOT/include/zmq.h" ]; then
    INCLUDE="$ROOT/include"
else
    INCLUDE=/usr/include
fi
# Link against the reference library (symbols resolve at run time anyway);
# give the linker a libzmq.so if the -dev symlink is absent.
LINK_ARGS=()
if [ ! -e "$LIBZMQ_LIB/libzmq.so" ] && [ -e "$LIBZMQ_LIB/libzmq.so.5" ]; then
    mkdir -p "$WORK/link"
    ln -s "$LIBZMQ_LIB/libzmq.so.5" "$WORK/link/libzmq.so"
    LINK_ARGS=(ZMQ_LIBDIR="$WORK/link")
elif [ -e "$LIBZMQ_LIB/libzmq.so" ]; then
    LINK_ARGS=(ZMQ_LIBDIR="$LIBZMQ_LIB")
fi
echo "building bench programs against $INCLUDE/zmq.h"
if ! make -s -C "$ROOT/bench" OUT="$BIN" ZMQ_INCLUDE="$INCLUDE" "${LINK_ARGS[@]}" >"$LOGS/build.log" 2>&1; then
    cat "$LOGS/build.log" >&2
    echo "bench.sh: build failed" >&2
    exit 1
fi

# ---------------------------------------------------------------- libraries
PROBE="$BIN/local_thr"
# shellcheck source=scripts/lib-resolve.sh
source "$ROOT/scripts/lib-resolve.sh"
LIBS="libzmq rampart"

# ---------------------------------------------------------------- running
free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null ||
        echo $((20000 + RANDOM % 40000))
}

# Start a program under timeout with the given library; sets STARTED_PID.
start() {
    local lib=$1 out=$2 err=$3
    shift 3
    LD_LIBRARY_PATH=${LIBDIR[$lib]} timeout "$RUN_TIMEOUT" "$@" >"$out" 2>"$err" &
    STARTED_PID=$!
    LIVE[$STARTED_PID]=1
}

# Wait for one child; sets REAPED_RC.
reap() {
    wait "$1"
    REAPED_RC=$?
    unset "LIVE[$1]"
}

# Stop a child that is no longer useful and reap it.
stop() {
    kill "$1" 2>/dev/null
    wait "$1" 2>/dev/null
    unset "LIVE[$1]"
}

# Field NAME=value from the RESULT line of a file.
result_field() {
    awk -v key="$2" '$1 == "RESULT" {
        for (i = 2; i <= NF; i++) if (index($i, key "=") == 1) { print substr($i, length(key) + 2); exit }
    }' "$1"
}

# One line explaining a failed run: program, exit status, first stderr line.
why() {
    local prog=$1 rc=$2 err=$3 text
    text=$(grep -m1 -v '^$' "$err" 2>/dev/null | cut -c1-160)
    case "$rc" in
    124) echo "$prog: timed out after ${RUN_TIMEOUT}s${text:+: $text}" ;;
    *) echo "$prog: exit $rc${text:+: $text}" ;;
    esac
}

# run_once LIB NAME KIND TRANSPORT SIZE COUNT RUN
# Sets RESULT_VALUE and returns 0, or sets FAIL_REASON and returns 1.
run_once() {
    local lib=$1 name=$2 kind=$3 transport=$4 size=$5 count=$6 run=$7
    local base="$LOGS/$name.$lib.$run" key attempt ep server client which rc other
    if [ "$kind" = thr ]; then key=msg_per_s; else key=latency_us; fi
    RESULT_VALUE=""
    if [ "$transport" = inproc ]; then
        start "$lib" "$base.out" "$base.err" "$BIN/inproc_$kind" "$size" "$count"
        reap "$STARTED_PID"
        if [ "$REAPED_RC" != 0 ]; then
            FAIL_REASON=$(why "inproc_$kind" "$REAPED_RC" "$base.err")
            return 1
        fi
        RESULT_VALUE=$(result_field "$base.out" "$key")
        [ -n "$RESULT_VALUE" ] || { FAIL_REASON="inproc_$kind printed no RESULT line"; return 1; }
        return 0
    fi
    for attempt in 1 2 3; do
        if [ "$transport" = tcp ]; then
            ep="tcp://127.0.0.1:$(free_port)"
        else
            ep="ipc://$WORK/$name.$lib.$run.$attempt.sock"
        fi
        start "$lib" "$base.local.out" "$base.local.err" "$BIN/local_$kind" "$ep" "$size" "$count"
        server=$STARTED_PID
        start "$lib" "$base.remote.out" "$base.remote.err" "$BIN/remote_$kind" "$ep" "$size" "$count"
        client=$STARTED_PID
        # Whichever ends first: if it failed, stop the other one at once
        # rather than letting it wait for its timeout.
        which=""
        wait -n -p which "$server" "$client"
        rc=$?
        unset "LIVE[$which]"
        if [ "$which" = "$server" ]; then other=$client; else other=$server; fi
        if [ "$rc" = 0 ]; then
            reap "$other"
            rc=$REAPED_RC
            which=$other
        else
            stop "$other"
        fi
        if [ "$rc" != 0 ]; then
            if [ "$which" = "$server" ] && [ "$rc" = 3 ]; then
                continue # the port was taken meanwhile: try another one
            fi
            if [ "$which" = "$server" ]; then
                FAIL_REASON=$(why "local_$kind" "$rc" "$base.local.err")
            else
                FAIL_REASON=$(why "remote_$kind" "$rc" "$base.remote.err")
            fi
            return 1
        fi
        rm -f "${ep#ipc://}" 2>/dev/null
        if [ "$kind" = thr ]; then
            RESULT_VALUE=$(result_field "$base.local.out" "$key")
        else
            RESULT_VALUE=$(result_field "$base.remote.out" "$key")
        fi
        [ -n "$RESULT_VALUE" ] || { FAIL_REASON="no RESULT line"; return 1; }
        return 0
    done
    FAIL_REASON="no free port after 3 attempts"
    return 1
}

median() {
    tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ v[NR] = $1 }
        END { if (NR == 0) exit 1
              if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

declare -A VALUES REASON
ROWS=()
echo "cpus: $(nproc 2>/dev/null || echo '?'), load average at start: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null) (other load skews results)"
echo "runs per cell: $RUNS (median shown; . = run ok, x = run failed)"
while read -r name kind transport size count; do
    [ -n "$name" ] || continue
    if [ -n "$CASES" ] && [[ ",$CASES," != *",$name,"* ]]; then
        continue
    fi
    count=$(awk -v c="$count" -v s="$SCALE" 'BEGIN { n = int(c * s); if (n < 2) n = 2; print n }')
    ROWS+=("$name $kind $size $count")
    printf '  %-16s n=%-9s ' "$name" "$count"
    for lib in $LIBS; do
        VALUES[$name.$lib]=""
        if [ -n "${MISSING[$lib]:-}" ]; then
            REASON[$name.$lib]=${MISSING[$lib]}
        fi
    done
    for ((run = 1; run <= RUNS; run++)); do
        for lib in $LIBS; do
            [ -z "${REASON[$name.$lib]:-}" ] || continue
            if run_once "$lib" "$name" "$kind" "$transport" "$size" "$count" "$run"; then
                VALUES[$name.$lib]+=" $RESULT_VALUE"
                printf '.'
            else
                REASON[$name.$lib]="run $run: $FAIL_REASON"
                printf 'x'
            fi
        done
    done
    printf '\n'
done <<<"$MATRIX"

# ---------------------------------------------------------------- report
cell() {
    if [ -n "${REASON[$1]:-}" ]; then
        echo fail
    else
        echo "${VALUES[$1]}" | median
    fi
}

echo
printf '%-16s | %-6s | %12s | %12s | %7s\n' case unit libzmq rampart ratio
printf -- '-----------------+--------+--------------+--------------+--------\n'
for row in "${ROWS[@]}"; do
    read -r name kind size count <<<"$row"
    if [ "$kind" = thr ]; then unit=msg/s; fmt='%.0f'; else unit=us; fmt='%.2f'; fi
    a=$(cell "$name.libzmq")
    b=$(cell "$name.rampart")
    ratio=-
    if [ "$a" != fail ] && [ "$b" != fail ]; then
        ratio=$(awk -v a="$a" -v b="$b" 'BEGIN { if (a > 0) printf "%.2f", b / a; else print "-" }')
    fi
    [ "$a" = fail ] || a=$(awk -v v="$a" -v f="$fmt" 'BEGIN { printf f, v }')
    [ "$b" = fail ] || b=$(awk -v v="$b" -v f="$fmt" 'BEGIN { printf f, v }')
    printf '%-16s | %-6s | %12s | %12s | %7s\n' "$name" "$unit" "$a" "$b" "$ratio"
done
echo
echo "ratio = rampart / libzmq: above 1 is better for msg/s, worse for us."

failures=0
for lib in $LIBS; do
    if [ -n "${MISSING[$lib]:-}" ]; then
        if [ "$failures" = 0 ]; then echo; echo "failures:"; fi
        failures=$((failures + 1))
        echo "  [$lib] every case: ${MISSING[$lib]}"
    fi
done
for row in "${ROWS[@]}"; do
    read -r name _ <<<"$row"
    for lib in $LIBS; do
        if [ -n "${REASON[$name.$lib]:-}" ] && [ -z "${MISSING[$lib]:-}" ]; then
            if [ "$failures" = 0 ]; then echo; echo "failures:"; fi
            failures=$((failures + 1))
            echo "  $name [$lib] ${REASON[$name.$lib]}"
        fi
    done
done
exit 0
