#!/usr/bin/env bash
# airseal never touches a network: neither program imports a socket or name-resolution
# function, and neither links a network or TLS library. Checked on the built binaries
# (what really runs), not on the sources.
. "$AIRSEAL_ROOT/tests/lib.sh"
net_syms='socket socketpair connect bind listen accept accept4 getaddrinfo gethostbyname gethostbyname2 getnameinfo sendto sendmsg recvfrom recvmsg res_query curl_easy_init SSL_connect'
for prog in airseal-send airseal-recv; do
    bin=$AIRSEAL_BUILD/$prog
    [ -x "$bin" ] || { not_ok "$prog is not built"; continue; }
    imported=$(nm -D --undefined-only "$bin" | awk '{print $NF}' | sed 's/@.*//' | sort -u)
    [ -n "$imported" ] || { not_ok "$prog: nm found no imported symbol (cannot check)"; continue; }
    hits=
    for s in $net_syms; do
        grep -qx "$s" <<< "$imported" && hits="$hits $s"
    done
    if [ -z "$hits" ]; then ok "$prog imports no network function"; else not_ok "$prog imports:$hits"; fi
    libs=$(ldd "$bin" | awk '{print $1}')
    bad=$(grep -E '^lib(curl|ssl|gnutls|nss3|resolv|microhttpd|zmq|websockets)' <<< "$libs" | tr '\n' ' ')
    if [ -z "$bad" ]; then ok "$prog links no network or TLS library"; else not_ok "$prog links $bad"; fi
done
# The check itself can fail: getent (libc-bin, on every Debian) resolves names, and is caught.
if nm -D --undefined-only "$(command -v getent)" | awk '{print $NF}' | sed 's/@.*//' |
    grep -qxE 'getaddrinfo|gethostbyname2'; then
    ok "the check catches a program that resolves names (getent)"
else
    not_ok "the check does not catch getent's name resolution"
fi
done_testing
