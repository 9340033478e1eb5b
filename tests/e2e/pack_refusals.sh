#!/usr/bin/env bash
# airseal-send pack refuses, with one clear line and nothing written, what it cannot seal
# faithfully: unreadable files (named), special files, symbolic links, no input, a non-empty
# OUTDIR, a recipient that does not parse, a key that is not a secret key, a file that
# changes while it is being sealed.
. "$AIRSEAL_ROOT/tests/lib.sh"

check "keygen" airseal-send keygen -o ngo --no-passphrase
check "init" airseal-recv init st --no-passphrase
R=st/recipient.pub
mkdir -p ev/sub && printf 'a\n' > ev/a.txt && printf 'b\n' > ev/sub/b.txt
nothing() { [ ! -e out ] && [ -z "$(find . -name '.*.tmp-*' -o -name '.pack-*')" ] && ok "$1: nothing written" || { not_ok "$1: output left behind"; rm -rf out; }; }

mkfifo ev/pipe
expect 1 "ev/pipe is a special file \(FIFO, device or socket\); only regular files can be sealed" "a FIFO is refused" -- airseal-send pack -r $R -s ngo.key -o out ev
nothing "FIFO"
rm ev/pipe
expect 1 "/dev/null is a special file" "a device is refused" -- airseal-send pack -r $R -s ngo.key -o out /dev/null
nothing "device"
ln -s a.txt ev/link
expect 1 "ev/link is a symbolic link" "a symbolic link is refused, not followed" -- airseal-send pack -r $R -s ngo.key -o out ev
nothing "symlink"
rm ev/link
ln -s ev evlink
expect 1 "evlink is a symbolic link" "a symbolic link given as PATH is refused" -- airseal-send pack -r $R -s ngo.key -o out evlink
nothing "symlink PATH"
expect 2 "name the files or folders to seal" "no input is a usage error" -- airseal-send pack -r $R -s ngo.key -o out
nothing "no input"
expect 2 "cannot read nothere" "a missing input is named" -- airseal-send pack -r $R -s ngo.key -o out ev nothere
nothing "missing input"
expect 1 "a.txt.* twice|twice" "the same file given twice is refused" -- airseal-send pack -r $R -s ngo.key -o out ev/a.txt ev/a.txt
nothing "duplicate"
mkdir full && touch full/x
expect 1 "full exists and is not empty; give a new or empty folder" "a non-empty OUTDIR is refused" -- airseal-send pack -r $R -s ngo.key -o full ev
[ "$(ls full)" = x ] && ok "the non-empty OUTDIR is untouched" || not_ok "OUTDIR changed"
expect 1 "not a valid age recipient" "a malformed age1 recipient is refused" -- airseal-send pack -r age1qqqqqq -s ngo.key -o out ev
nothing "bad recipient"
expect 2 "recipient 'nofile.pub' is neither an age1... key nor a readable file" "a recipient that is neither key nor file" -- airseal-send pack -r nofile.pub -s ngo.key -o out ev
nothing "missing recipient file"
expect 2 "give at least one recipient" "no recipient is a usage error" -- airseal-send pack -s ngo.key -o out ev
cp ngo.pub pub-as-key && chmod 600 pub-as-key
expect 1 "pub-as-key: not a minisign secret key" "a public key given as the signing key is refused" -- airseal-send pack -r $R -s pub-as-key -o out ev
nothing "public key as -s"
expect 2 "--redundancy" "a redundancy over 100% is a usage error" -- airseal-send pack -r $R -s ngo.key -o out --redundancy 101 ev
expect 2 "--split" "a split size under 2M is a usage error" -- airseal-send pack -r $R -s ngo.key -o out --split 100k ev
expect 2 "the case id must be printable UTF-8 on one line" "a case id with a control character is refused" -- airseal-send pack -r $R -s ngo.key -o out --case "$(printf 'a\tb')" ev
nothing "bad case id"

# An unreadable file is named. Root reads everything, so as root the pack runs as nobody.
mkdir -m 777 shared && cp -r ev shared/ && printf 'x\n' > shared/ev/locked && chmod 600 shared/ev/locked
cp ngo.key shared/ngo.key && cp $R shared/r.pub && chmod 755 shared/ev shared/ev/sub && chmod 644 shared/ev/a.txt shared/ev/sub/b.txt shared/r.pub
if [ "$(id -u)" = 0 ]; then
    chown 65534 shared/ngo.key && chmod 755 "$T"
    as_user() { setpriv --reuid=65534 --regid=65534 --clear-groups -- "$@"; }
else
    chmod 000 shared/ev/locked
    as_user() { "$@"; }
fi
user_bins airseal-send
expect 1 "cannot read ev/locked: Permission denied" "an unreadable file is named" -- as_user env -C shared "$T/ubin/airseal-send" pack -r r.pub -s ngo.key -o out ev
[ ! -e shared/out ] && ok "unreadable file: nothing written" || not_ok "unreadable file: output left"

# A file that changes between the hash pass and the seal pass fails the pack, named, with
# nothing written and no thread left running: the pack is stopped once the first file is
# sealed (AIRSEAL_TEST_STOP_AT), then a later file gets other bytes of the same size, or
# shrinks. (The manifest is signed by then: sealing on would ship digests that lie.)
stopped_state() { # PID: waits until it is stopped (T)
    for _ in $(seq 1 200); do
        grep -q "^State:.*T" "/proc/$1/status" 2> /dev/null && return 0
        sleep 0.1
    done
    return 1
}
mkdir -p chg && printf 'first\n' > chg/a.txt
for how in content size; do
    head -c 3000000 /dev/zero > chg/z.bin
    AIRSEAL_TEST_STOP_AT=pack:file-sealed airseal-send pack -r $R -s ngo.key -o out chg > /dev/null 2> chg.err &
    bg=$!
    stopped_state $bg || not_ok "the pack did not stop after its first file"
    if [ $how = content ]; then
        printf 'X' | dd of=chg/z.bin bs=1 seek=2000000 conv=notrunc 2> /dev/null
        want="chg/z.bin changed while being sealed \(its content differs from the first read\)"
    else
        truncate -s 1000 chg/z.bin
        want="chg/z.bin changed while being sealed \(size or type\)"
    fi
    kill -CONT $bg
    wait $bg
    rc=$?
    if [ $rc = 1 ] && [ "$(wc -l < chg.err)" = 1 ] && grep -qE "$want" chg.err; then
        ok "a file changed ($how) during the seal fails the pack, named"
    else
        not_ok "a file changed ($how) during the seal: status $rc, $(head -c 300 chg.err)"
    fi
    nothing "file changed ($how)"
done

# And the same evidence, once sound, packs.
check "sound evidence packs" airseal-send pack -r $R -s ngo.key -o out ev
done_testing
