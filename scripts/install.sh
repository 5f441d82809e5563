#!/usr/bin/env bash
# Builds Rampart and installs it under a prefix, then builds and runs a small
# demo program against the installed copy.
#
#   bash scripts/install.sh [PREFIX] [--no-demo]
#
# PREFIX defaults to build/install inside the repository (no root needed).
# Exit codes: 0 installed and demo passed; 1 install failed; 3 installed but
# the demo failed (the install itself is usable).
set -euo pipefail

# shellcheck source=scripts/lib-install.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib-install.sh"

prefix=""
demo=1
for arg in "$@"; do
    case "$arg" in
        --no-demo) demo=0 ;;
        -h | --help)
            sed -n '2,9s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"
            exit 0
            ;;
        -*)
            echo "unknown option: $arg" >&2
            exit 1
            ;;
        *)
            [ -z "$prefix" ] || { echo "only one PREFIX allowed" >&2; exit 1; }
            prefix="$arg"
            ;;
    esac
done
prefix="${prefix:-$RAMPART_ROOT/build/install}"

cd "$RAMPART_ROOT"
command -v cargo >/dev/null 2>&1 || rampart_die "cargo not found: install a Rust toolchain (rustup)"

rampart_ensure_apt cmake pkg-config make gcc binutils
rampart_log "cargo build --release"
rampart_build_release
rampart_install_prefix "$prefix"
prefix="$(cd "$prefix" && pwd)"

cat <<EOF

Rampart is installed in $prefix
  pkg-config: PKG_CONFIG_PATH=$prefix/lib/pkgconfig pkg-config --cflags --libs libzmq
  CMake:      cmake -DCMAKE_PREFIX_PATH=$prefix ...   then find_package(ZeroMQ) and link libzmq
  run:        LD_LIBRARY_PATH=$prefix/lib ./your-program

EOF

if [ "$demo" -eq 1 ]; then
    if ! rampart_demo "$prefix" "$RAMPART_ROOT/build/demo"; then
        echo
        echo "The library is installed, but the demo failed (see above)."
        exit 3
    fi
fi
