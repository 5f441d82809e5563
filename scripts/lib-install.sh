# shellcheck shell=bash
# Shared helpers for scripts/install.sh and scripts/test.sh. Source it; it
# defines functions and constants and runs nothing by itself.
#
#   rampart_ensure_apt PKG...        install missing Debian packages
#   rampart_build_release            cargo build --release
#   rampart_install_prefix PREFIX    install the built library into PREFIX
#   rampart_demo PREFIX WORKDIR      build and run the demo against PREFIX
#
# The install layout is the contract in DESIGN.md section 1.

RAMPART_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# libzmq 4.3.5's library file name (autotools LTVER 7:5:2) and SONAME.
RAMPART_SONAME="libzmq.so.5"
RAMPART_SOFILE="libzmq.so.5.2.5"

# System libraries the Rust staticlib needs when libzmq.a is linked into a C
# program (Libs.private in libzmq.pc, INTERFACE_LINK_LIBRARIES of
# libzmq-static). Refresh with: bash scripts/native-static-libs.sh
# (the consumer tests link libzmq.a and fail if this list is short).
RAMPART_NATIVE_STATIC_LIBS="-lgcc_s -lutil -lrt -lpthread -lm -ldl"

rampart_log() { printf '==> %s\n' "$*"; }
rampart_warn() { printf 'WARNING: %s\n' "$*" >&2; }
rampart_die() {
    printf 'ERROR: %s\n' "$*" >&2
    return 1
}

# Installs the Debian packages among "$@" that are not installed yet. Runs
# `apt-get update` at most once per process tree, and only when something is
# missing.
rampart_ensure_apt() {
    local missing=() pkg
    for pkg in "$@"; do
        if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
            missing+=("$pkg")
        fi
    done
    [ "${#missing[@]}" -eq 0 ] && return 0

    if ! command -v apt-get >/dev/null 2>&1; then
        rampart_die "missing packages (${missing[*]}) and no apt-get to install them"
        return 1
    fi
    local sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        if command -v sudo >/dev/null 2>&1; then
            sudo=(sudo)
        else
            rampart_die "missing packages (${missing[*]}); run as root or install them"
            return 1
        fi
    fi
    rampart_log "installing Debian packages: ${missing[*]}"
    if [ -z "${RAMPART_APT_UPDATED:-}" ]; then
        "${sudo[@]}" apt-get update -q || return 1
        export RAMPART_APT_UPDATED=1
    fi
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" \
        apt-get install -y -q --no-install-recommends "${missing[@]}"
}

# Cargo's target directory (honours CARGO_TARGET_DIR and .cargo/config).
rampart_target_dir() {
    local dir
    dir=$(cd "$RAMPART_ROOT" && cargo metadata --format-version 1 --no-deps 2>/dev/null |
        grep -o '"target_directory":"[^"]*"' | head -n 1 | sed 's/.*:"\(.*\)"/\1/')
    [ -n "$dir" ] || dir="${CARGO_TARGET_DIR:-$RAMPART_ROOT/target}"
    printf '%s\n' "$dir"
}

rampart_build_release() {
    (cd "$RAMPART_ROOT" && cargo build --release)
}

# Prints "MAJOR.MINOR.PATCH" from include/zmq.h's ZMQ_VERSION_* macros.
rampart_header_version() {
    local hdr="$RAMPART_ROOT/include/zmq.h" part v=()
    for part in MAJOR MINOR PATCH; do
        v+=("$(sed -n "s/^#define[[:space:]]\{1,\}ZMQ_VERSION_${part}[[:space:]]\{1,\}\([0-9]\{1,\}\).*/\1/p" "$hdr" | head -n 1)")
    done
    [ -n "${v[0]}" ] && [ -n "${v[1]}" ] && [ -n "${v[2]}" ] || return 1
    printf '%s.%s.%s\n' "${v[0]}" "${v[1]}" "${v[2]}"
}

# Replaces @NAME@ placeholders: rampart_subst IN OUT NAME=VALUE...
rampart_subst() {
    local in="$1" out="$2" kv key val text
    shift 2
    text=$(cat "$in") || return 1
    for kv in "$@"; do
        key="${kv%%=*}"
        val="${kv#*=}"
        text="${text//"@$key@"/"$val"}"
    done
    if printf '%s\n' "$text" | grep -q '@[A-Z_]*@'; then
        rampart_die "unreplaced placeholder in $in"
        return 1
    fi
    printf '%s\n' "$text" >"$out.tmp.$$" && chmod 644 "$out.tmp.$$" && mv -f "$out.tmp.$$" "$out"
}

# Installs the already-built release artifacts into PREFIX:
#   lib/libzmq.so.5.2.5, lib/libzmq.so.5 -> libzmq.so.5.2.5, lib/libzmq.so -> libzmq.so.5,
#   lib/libzmq.a, include/{zmq.h,zmq_utils.h[,rampart.h]},
#   lib/pkgconfig/libzmq.pc, lib/cmake/ZeroMQ/ZeroMQ{Config,ConfigVersion,Targets}.cmake
rampart_install_prefix() {
    local prefix="${1:?usage: rampart_install_prefix PREFIX}"
    local target so a version cargo_version h
    target="$(rampart_target_dir)/release"
    so="$target/libzmq.so"
    a="$target/libzmq.a"

    [ -f "$so" ] || { rampart_die "$so not found: run cargo build --release first"; return 1; }
    [ -f "$a" ] || { rampart_die "$a not found: run cargo build --release first"; return 1; }
    for h in zmq.h zmq_utils.h; do
        [ -f "$RAMPART_ROOT/include/$h" ] || { rampart_die "include/$h is missing"; return 1; }
    done
    if ! readelf -d "$so" | grep -q "Library soname: \[$RAMPART_SONAME\]"; then
        rampart_die "$so has no SONAME $RAMPART_SONAME (see build.rs)"
        return 1
    fi
    version="$(rampart_header_version)" ||
        { rampart_die "cannot read ZMQ_VERSION_* from include/zmq.h"; return 1; }
    cargo_version=$(sed -n 's/^version[[:space:]]*=[[:space:]]*"\([^"]*\)".*/\1/p' "$RAMPART_ROOT/Cargo.toml" | head -n 1)
    if [ "$cargo_version" != "$version" ]; then
        rampart_die "zmq.h says $version but Cargo.toml says $cargo_version"
        return 1
    fi

    mkdir -p "$prefix" || return 1
    prefix="$(cd "$prefix" && pwd)"
    rampart_log "installing Rampart $version into $prefix"
    local lib="$prefix/lib" inc="$prefix/include"
    mkdir -p "$lib/pkgconfig" "$lib/cmake/ZeroMQ" "$inc" || return 1

    # `install` unlinks the old file first, so running programs keep their mapping.
    install -m 755 "$so" "$lib/$RAMPART_SOFILE" || return 1
    ln -sfn "$RAMPART_SOFILE" "$lib/$RAMPART_SONAME" || return 1
    ln -sfn "$RAMPART_SONAME" "$lib/libzmq.so" || return 1
    install -m 644 "$a" "$lib/libzmq.a" || return 1

    install -m 644 "$RAMPART_ROOT/include/zmq.h" "$RAMPART_ROOT/include/zmq_utils.h" "$inc/" || return 1
    if [ -f "$RAMPART_ROOT/include/rampart.h" ]; then
        install -m 644 "$RAMPART_ROOT/include/rampart.h" "$inc/" || return 1
    else
        rm -f "$inc/rampart.h"
    fi

    local cmake_libs
    # shellcheck disable=SC2086 # one library per word
    cmake_libs=$(printf '%s\n' $RAMPART_NATIVE_STATIC_LIBS | sed 's/^-l//' | paste -sd ';' -)
    rampart_subst "$RAMPART_ROOT/cmake/libzmq.pc.in" "$lib/pkgconfig/libzmq.pc" \
        "VERSION=$version" "LIBS_PRIVATE=$RAMPART_NATIVE_STATIC_LIBS" || return 1
    rampart_subst "$RAMPART_ROOT/cmake/ZeroMQConfig.cmake.in" "$lib/cmake/ZeroMQ/ZeroMQConfig.cmake" || return 1
    rampart_subst "$RAMPART_ROOT/cmake/ZeroMQConfigVersion.cmake.in" \
        "$lib/cmake/ZeroMQ/ZeroMQConfigVersion.cmake" \
        "VERSION=$version" "SIZEOF_VOID_P=$(getconf LONG_BIT | awk '{print $1 / 8}')" || return 1
    rampart_subst "$RAMPART_ROOT/cmake/ZeroMQTargets.cmake.in" "$lib/cmake/ZeroMQ/ZeroMQTargets.cmake" \
        "SOFILE=$RAMPART_SOFILE" "SONAME=$RAMPART_SONAME" "STATIC_LINK_LIBRARIES=$cmake_libs" || return 1

    rampart_log "installed: $lib/{$RAMPART_SOFILE,$RAMPART_SONAME,libzmq.so,libzmq.a}," \
        "$inc/{zmq.h,zmq_utils.h$([ -f "$inc/rampart.h" ] && echo ,rampart.h)}," \
        "$lib/pkgconfig/libzmq.pc, $lib/cmake/ZeroMQ/"
}

# Builds c-tests/consumer/demo.c against PREFIX through pkg-config and runs it.
# Returns 0 on success; on failure says which stage failed and returns 1.
rampart_demo() {
    local prefix="${1:?usage: rampart_demo PREFIX WORKDIR}" work="${2:?}"
    local cflags libs rc
    mkdir -p "$work" || return 1
    rampart_log "demo: compiling c-tests/consumer/demo.c against $prefix (pkg-config)"
    if ! cflags=$(PKG_CONFIG_PATH="$prefix/lib/pkgconfig" pkg-config --cflags libzmq) ||
        ! libs=$(PKG_CONFIG_PATH="$prefix/lib/pkgconfig" pkg-config --libs libzmq); then
        rampart_warn "demo FAILED at pkg-config: libzmq.pc under $prefix/lib/pkgconfig not usable"
        return 1
    fi
    # shellcheck disable=SC2086 # pkg-config output is a list of words
    if ! cc -std=c11 -Wall -o "$work/rampart-demo" "$RAMPART_ROOT/c-tests/consumer/demo.c" \
        $cflags $libs >"$work/demo-build.log" 2>&1; then
        cat "$work/demo-build.log" >&2
        rampart_warn "demo FAILED at compile/link (see above). Undefined zmq_* symbols mean" \
            "the library does not export them yet."
        return 1
    fi
    rampart_log "demo: running with LD_LIBRARY_PATH=$prefix/lib"
    LD_LIBRARY_PATH="$prefix/lib" timeout 30 "$work/rampart-demo"
    rc=$?
    if [ "$rc" -ne 0 ]; then
        rampart_warn "demo FAILED at run time (exit code $rc$([ "$rc" -eq 124 ] && echo ', timed out after 30 s'))"
        return 1
    fi
    rampart_log "demo: OK"
}
