# Sourced by bench.sh and attack.sh: finds the two libzmq.so.5 files to
# compare. Needs WORK (a scratch directory), LIBZMQ_LIB, RAMPART_LIB and
# PROBE (a program linked with -lzmq, to ask the loader which file it picks).
# Fills the associative arrays LIBDIR[lib] (a directory for LD_LIBRARY_PATH)
# and MISSING[lib] (why a library can't be used), for lib in libzmq rampart.

# Resolve a library directory to one holding libzmq.so.5, or "" if missing.
lib_dir() {
    local dir=$1 label=$2
    if [ -e "$dir/libzmq.so.5" ]; then
        (cd "$dir" && pwd)
    elif [ -e "$dir/libzmq.so" ]; then
        mkdir -p "$WORK/lib-$label"
        ln -sf "$(readlink -f "$dir/libzmq.so")" "$WORK/lib-$label/libzmq.so.5"
        echo "$WORK/lib-$label"
    fi
}

# Which file the dynamic loader picks for libzmq.so.5 with this directory.
loaded_lib() {
    LD_LIBRARY_PATH=$1 ldd "$PROBE" 2>/dev/null |
        awk '$1 == "libzmq.so.5" { print $3 }' | xargs -r readlink -f
}

declare -A LIBDIR MISSING
for lib in libzmq rampart; do
    if [ "$lib" = libzmq ]; then src=$LIBZMQ_LIB; else src=$RAMPART_LIB; fi
    dir=$(lib_dir "$src" "$lib")
    if [ -z "$dir" ]; then
        MISSING[$lib]="no libzmq.so.5 or libzmq.so in $src"
        echo "$lib: missing (${MISSING[$lib]})"
        continue
    fi
    want=$(readlink -f "$dir/libzmq.so.5")
    got=$(loaded_lib "$dir")
    if [ "$got" != "$want" ]; then
        MISSING[$lib]="loader picks '${got:-nothing}' instead of $want"
        echo "$lib: unusable (${MISSING[$lib]})"
        continue
    fi
    LIBDIR[$lib]=$dir
    echo "$lib: $want"
done
if [ -n "${LIBDIR[libzmq]:-}" ] && [ -n "${LIBDIR[rampart]:-}" ] &&
    [ "$(readlink -f "${LIBDIR[libzmq]}/libzmq.so.5")" = "$(readlink -f "${LIBDIR[rampart]}/libzmq.so.5")" ]; then
    echo "warning: both columns use the same library file" >&2
fi
