#!/usr/bin/env bash
# The user guides work as written: docs/guide-ngo.md, guide-intake.md and guide-auditor.md
# run top to bottom (interleaved as the NGO, the station and the auditor would go) on a fresh
# NGO laptop, station and auditor folder, each command on a terminal with its prompts
# answered, and every screen must be what the guide shows (tests/guides/runner.py).
# Also: the error lines the guides explain are ones the programs print, and the only
# commands the run skips are the ones that cannot run here (installing, a camera).
. "$AIRSEAL_ROOT/tests/lib.sh"
G=$AIRSEAL_ROOT/docs
# Under valgrind each passphrase costs a minute of scrypt; give commands time.
[ "${AIRSEAL_VALGRIND:-0}" = 1 ] && export GUIDE_COMMAND_TIMEOUT=3000
python3 "$AIRSEAL_ROOT/tests/guides/runner.py" world \
    "$G/guide-ngo.md:ngo-laptop" "$G/guide-intake.md:station-pc" "$G/guide-auditor.md:auditor" > run.tap
rc=$?
cat run.tap
T_N=$(grep -cE '^(ok|not ok) ' run.tap) # the runner's lines are this test's first results
n=$(grep -c '^ok' run.tap)
[ "$rc" = 0 ] && [ "$n" -ge 60 ] && ok "all three guides ran to the end: $n commands, every screen as shown" || not_ok "the guides' run stopped (exit $rc) after $n commands"

# Every error line a guide's table explains is one the programs can print.
for guide in guide-ngo.md guide-intake.md; do
    missing=""
    while IFS= read -r msg; do
        IFS=$'\x1f' read -r -a parts <<< "${msg//…/$'\x1f'}"
        for part in "${parts[@]}"; do
            part=$(printf '%s' "$part" | sed 's/^ *//; s/ *$//')
            [ ${#part} -ge 6 ] || continue
            grep -rqF -- "$part" "$AIRSEAL_ROOT/common" "$AIRSEAL_ROOT/sender" "$AIRSEAL_ROOT/receiver" || missing="$missing [$part]"
        done
    done < <(grep '^| `' "$G/$guide" | sed 's/^| `\([^`]*\)`.*/\1/')
    count=$(grep -c '^| `' "$G/$guide")
    [ "$count" -ge 5 ] && [ -z "$missing" ] && ok "$guide: the $count error lines its table explains are the programs' own" || not_ok "$guide: not printed by any program:$missing"
done

# Commands not run: only the install steps, the camera, and age >= 1.3 at the station (the
# hybrid station's bundle; Debian 12 has age 1.1.1: interop_typage.sh opens such bundles).
skipped=$(awk '/^```sh$/{on=1; next} /^```$/{on=0} on' "$G"/guide-*.md | sed 's/ *#.*//' | grep -v '^$' | sort -u)
unexpected=$(printf '%s\n' "$skipped" | grep -vE '^(make deps|make|sudo make install|make deps && make && sudo make install|sudo apt-get install minisign age tar coreutils|airseal-recv import station --camera /dev/video0|age -d -i station/identity.age station/vault/ICC-01%2F22/d13f232c0a57a2450905f4edfe07c656/bundle.age \| tar -t)$')
[ -z "$unexpected" ] && ok "the only commands not run are installation, the camera and age >= 1.3" || not_ok "commands the test does not run: $unexpected"
done_testing
