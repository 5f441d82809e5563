#!/usr/bin/env bash
# PLAIN + ZAP interop: interop_plain_peer (plain_peer.c) as server and as
# client, each side on Rampart or on Debian's libzmq, over tcp on loopback.
#
#   run-plain.sh --peer BIN --rampart-lib DIR --libzmq-dir DIR [--pairs "S:C ..."]
#
# --pairs lists server:client library pairs (rampart or libzmq); default
# "rampart:libzmq libzmq:rampart". Each pair runs three cases:
#   allow ok        good credentials, the handler accepts: hello/world, and
#                   the server sees User-Id and the ZAP metadata
#   allow refused   wrong password: ERROR 400, AUTH 400 on both sides
#   deny refused    a handler that refuses everyone: the same
# Exit 0 when every case passed, 1 otherwise.
set -uo pipefail

peer="" rampart_lib="" libzmq_dir="" pairs="rampart:libzmq libzmq:rampart"
while [ $# -gt 0 ]; do
    case "$1" in
        --peer) peer="$2"; shift 2 ;;
        --rampart-lib) rampart_lib="$2"; shift 2 ;;
        --libzmq-dir) libzmq_dir="$2"; shift 2 ;;
        --pairs) pairs="$2"; shift 2 ;;
        *) echo "unknown argument $1" >&2; exit 2 ;;
    esac
done
[ -x "$peer" ] || { echo "no peer binary: $peer" >&2; exit 2; }

libdir() { if [ "$1" = rampart ]; then echo "$rampart_lib"; else echo "$libzmq_dir"; fi; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0

# run_case SERVER_LIB CLIENT_LIB ZAP WANT PASSWORD
run_case() {
    local slib=$1 clib=$2 zap=$3 want=$4 pass=$5
    local name="server=$slib client=$clib zap=$zap password=$pass want=$want"
    local out="$tmp/server.out" err="$tmp/server.err"
    : >"$out"
    LD_LIBRARY_PATH=$(libdir "$slib") timeout 40 "$peer" server tcp://127.0.0.1:* \
        --zap "$zap" --want "$want" --expect "$slib" >"$out" 2>"$err" &
    local spid=$!
    local ep="" i
    for i in $(seq 1 200); do
        ep=$(sed -n 's/^ENDPOINT //p' "$out")
        [ -n "$ep" ] && break
        kill -0 "$spid" 2>/dev/null || break
        sleep 0.05
    done
    if [ -z "$ep" ]; then
        echo "FAIL $name: the server printed no endpoint"; cat "$err"
        kill "$spid" 2>/dev/null; wait "$spid" 2>/dev/null
        failures=$((failures + 1)); return
    fi
    LD_LIBRARY_PATH=$(libdir "$clib") timeout 40 "$peer" client "$ep" admin "$pass" \
        --want "$want" --expect "$clib" >"$tmp/client.out" 2>"$tmp/client.err"
    local crc=$?
    wait "$spid"
    local src=$?
    if [ $crc -eq 0 ] && [ $src -eq 0 ]; then
        echo "ok   $name"
    else
        echo "FAIL $name (server exit $src, client exit $crc)"
        cat "$err" "$tmp/client.err"
        failures=$((failures + 1))
    fi
}

for pair in $pairs; do
    s=${pair%%:*} c=${pair##*:}
    run_case "$s" "$c" allow ok secret
    run_case "$s" "$c" allow refused wrong
    run_case "$s" "$c" deny refused secret
done
n=$(( $(wc -w <<<"$pairs") * 3 ))
echo "$((n - failures)) passed, $failures failed"
[ $failures -eq 0 ]
