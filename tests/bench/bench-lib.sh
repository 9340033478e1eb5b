# shellcheck shell=bash
# bench-lib.sh: what run-bench.sh and run-scale.sh share. Sourced, with $W (the run's work
# folder) and $BUILD set, under set -euo pipefail.

die() {
    echo "bench: error: $*" >&2
    exit 1
}

# step TEXT: one progress line on a terminal (stderr), since a run takes minutes; nothing in a
# log, where the results alone belong.
step() {
    if [ -t 2 ]; then printf '  [%s] %s\n' "$(date +%T)" "$*" >&2; fi
}

# calc EXPR: EXPR in bc with six decimals.
calc() { echo "scale=6; $*" | bc -l; }

# less A B: true if A < B (decimals).
less() { [ "$(echo "$1 < $2" | bc -l)" = 1 ]; }

# timed LABEL CMD...: runs CMD (output kept in $W), sets SECS to its wall time and KB to its
# peak RSS in KiB (GNU time's %M: for a shell, the largest of it and every process it waited
# for, so a pipeline's peak is its largest process). Any failure ends the bench.
timed() {
    local label=$1 t0 t1
    shift
    t0=$(date +%s%N)
    if ! /usr/bin/time -f '%M' -o "$W/rss.txt" "$@" > "$W/cmd.out" 2> "$W/cmd.err"; then
        die "$label failed: $(tail -3 "$W/cmd.err" | tr '\n' ' ')"
    fi
    t1=$(date +%s%N)
    SECS=$(calc "($t1 - $t0) / 1000000000")
    KB=$(tail -1 "$W/rss.txt")
    case $KB in '' | *[!0-9]*) die "$label: no peak RSS from /usr/bin/time" ;; esac
}

# gen_evidence DIR BYTES: BYTES of random (incompressible, not sparse) data in 64 files, made
# at memory speed by primlimit's ChaCha20 generator (/dev/urandom would take minutes).
gen_evidence() {
    local dir=$1 bytes=$2 per i n
    per=$((bytes / 64))
    mkdir -p "$dir"
    for i in $(seq -w 1 64); do
        n=$per
        [ "$i" = 64 ] && n=$((bytes - 63 * per))
        primlimit --random "$n" > "$dir/f$i.bin" || die "could not write evidence into $dir"
    done
}

# medium_root MEDIUM: prints the folder to work in for "tmpfs" or "disk", or the reason there
# is none (and fails).
medium_root() {
    local d
    case $1 in
    tmpfs)
        d=${BENCH_TMPFS:-/dev/shm}
        if [ ! -d "$d" ] || [ ! -w "$d" ]; then echo "$d is not a writable folder"; return 1; fi
        if [ "$(stat -f -c %T "$d")" != tmpfs ]; then echo "$d is not on a tmpfs"; return 1; fi
        ;;
    disk)
        d=$BUILD/bench-disk
        mkdir -p "$d"
        if [ "$(stat -f -c %T "$d")" = tmpfs ]; then echo "$d (the build folder) is on a tmpfs"; return 1; fi
        ;;
    *) echo "unknown medium '$1' (tmpfs or disk)"; return 1 ;;
    esac
    echo "$d"
}

# space_mib ROOT MEDIUM: MiB that can be written under ROOT; on tmpfs also bounded by the memory
# available (less 1 GiB for the programs), since tmpfs pages are memory.
space_mib() {
    local free mem
    free=$(df -Pm "$1" | awk 'NR == 2 {print $4}')
    if [ "$2" = tmpfs ]; then
        mem=$(awk '/^MemAvailable:/ {print int($2 / 1024) - 1024}' /proc/meminfo)
        [ "$mem" -lt "$free" ] && free=$mem
    fi
    echo "$free"
}

# keys_setup DIR: an NGO key, a classical station "st" (stock age 1.1.1 opens what is sealed
# to it, so both pipelines use the same recipient) and a hybrid one "pst", both trusting it.
keys_setup() {
    airseal-send keygen -o "$1/ngo" --no-passphrase > /dev/null
    airseal-recv init "$1/st" --classical --no-passphrase > /dev/null
    airseal-recv trust "$1/st" add "$1/ngo.pub" --yes > /dev/null
    airseal-recv init "$1/pst" --no-passphrase > /dev/null
    airseal-recv trust "$1/pst" add "$1/ngo.pub" --yes > /dev/null
}
