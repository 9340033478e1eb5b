#!/usr/bin/env bash
# Progress: drawn on a terminal (a pseudo-terminal through ptyrun) with a bar, percentage,
# rate and time left; absent when output is a pipe or a file.
. "$AIRSEAL_ROOT/tests/lib.sh"
check "keygen" airseal-send keygen -o ngo --no-passphrase
check "init" airseal-recv init st --no-passphrase
check "trust" airseal-recv trust st add ngo.pub --yes
mkdir ev && head -c 40000000 /dev/urandom > ev/video.bin
check "pack on a terminal" ptyrun -o pack.tty -- airseal-send pack -r st/recipient.pub -s ngo.key -o b ev
bar='Sealing +\[[#.]{24}\] +[0-9]+%  [0-9.]+ [kMG]?B/s'
tr '\r' '\n' < pack.tty | grep -qE "$bar" && ok "pack draws a progress bar with percentage and rate" || not_ok "no sealing bar: $(tr '\r' '\n' < pack.tty | head -3)"
tr '\r' '\n' < pack.tty | grep -qE "$bar +[0-9]+:[0-9]{2}( left)?" && ok "the bar shows the time (left, then taken)" || not_ok "no time on the bar"
grep -q "^Sealed 1 file" pack.tty && ok "pack ends with its summary sentence" || not_ok "no summary"
check "import on a terminal" ptyrun -o import.tty -- airseal-recv import st b
tr '\r' '\n' < import.tty | grep -qE 'Extracting +\[[#.]{24}\] +100%' && ok "import draws an extraction bar" || not_ok "no extraction bar"
airseal-send pack -r st/recipient.pub -s ngo.key -o b2 ev 2> pack.err | cat > pack.out
[ ! -s pack.err ] && ! grep -q $'\r' pack.out && ok "pack through a pipe: no progress at all" || not_ok "progress leaked into a pipe: $(head -c 200 pack.err)"
grep -q "^Sealed 1 file" pack.out && ok "pack through a pipe still says what it did" || not_ok "no summary through the pipe"
airseal-recv import st b2 > import.out 2> import.err
[ ! -s import.err ] && ! grep -q $'\r' import.out && ok "import to a file: no progress at all" || not_ok "progress in a file"
done_testing
