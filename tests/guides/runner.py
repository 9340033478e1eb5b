#!/usr/bin/env python3
"""Runs the user guides (docs/guide-*.md) top to bottom and checks that every command
succeeds and prints what the guide shows.

    runner.py [--record] WORLD GUIDE:HOME ...

Each guide runs in its own fresh home folder WORLD/HOME (the NGO laptop, the intake
station, the auditor's machine); what they exchange goes through WORLD/media, which the
guides call /media (a USB stick, the backup disk, the audit copy). The guides run
interleaved, as the people would: a guide stops at a marker

    <!-- guide-test: wait NAME -->    until another guide reaches
    <!-- guide-test: done NAME -->

Other markers: `<!-- guide-test: world ACTION -->` runs `world.sh ACTION` (what is not a
command of any guide: a camera photographing a screen, another NGO's bundle arriving), and
`<!-- guide-test: cwd HOME -->` runs the guide's next commands in another home (an
auditor at the station). Markers are HTML comments: invisible in the rendered guide.

Only ```console blocks run. In them, a line "$ COMMAND" (continued by a trailing
backslash) is typed on a terminal (a pseudo-terminal, so prompts and progress behave as for
a person), and the lines up to the next "$ " are what the screen must show. Prompts are
answered: a passphrase prompt (nothing is echoed) with the guide's passphrase for the
station or for the NGO key; a "[y/N] " question with what the guide shows typed after it.

What differs from run to run is matched, not compared: key ids, fingerprints, bundle ids,
digests, age recipients (age1... and age1pq1...) and times. The first time a value is seen in the output it is bound
to the value the guide shows there, across all guides; from then on the same guide value
must be the same actual value, and a different one a different value. A command that uses a
value from an earlier output (a receipt's file name) has it replaced by the bound one. "…"
in a guide's output stands for any text within the line; a progress bar line matches any
progress bar with the same label.

A command that fails must be followed by "$ echo $?" showing its status. With --record,
the guides' output blocks are rewritten with what the commands printed.
"""
import os
import pty
import re
import select
import signal
import subprocess
import sys
import time

PASSPHRASES = {"station": "intake station passphrase seven words", "ngo": "field ngo passphrase kept in my head"}
COMMAND_TIMEOUT = float(os.environ.get("GUIDE_COMMAND_TIMEOUT", "900"))

# The values that differ between runs, longest alternatives first.
CLASSES = [
    ("agepq", r"age1pq1[02-9ac-hj-np-z]{1952}"),
    ("sha256", r"[0-9a-f]{64}"),
    ("age", r"age1[02-9ac-hj-np-z]{58}"),
    ("bundle", r"[0-9a-f]{32}"),
    ("keyid", r"[0-9A-F]{16}"),
    ("hex16", r"[0-9a-f]{16}"),
    ("fingerprint", r"[0-9]{5}(?: [0-9]{5}){5}"),
    ("time", r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z"),
]
TOKEN = re.compile("|".join("(?P<%s>(?<![0-9A-Za-z])%s(?![0-9A-Za-z]))" % (n, r) for n, r in CLASSES))
PROGRESS = re.compile(r"^(\S+)\s+\[[#.]{24}\]\s+[0-9]+%")
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
MARKER = re.compile(r"<!--\s*guide-test:\s*(\w+)\s*(.*?)\s*-->")
MEDIA = re.compile(r"(?<![\w/.-])/media(?=/|\s|$|\))")
TAP = [0]


def tap(ok, text):
    TAP[0] += 1
    print("%s %d - %s" % ("ok" if ok else "not ok", TAP[0], text.replace("\n", "\n# ")))
    sys.stdout.flush()


class GuideError(Exception):
    pass


class Step:
    def __init__(self, kind, guide, line, **kw):
        self.kind, self.guide, self.line = kind, guide, line
        self.__dict__.update(kw)


def parse(path):
    """The guide's steps: commands (with their expected output) and markers, in order."""
    steps, lines = [], open(path, encoding="utf-8").read().split("\n")
    i = 0
    while i < len(lines):
        m = MARKER.search(lines[i])
        if m:
            steps.append(Step(m.group(1), path, i + 1, arg=m.group(2)))
        if lines[i].strip() == "```console":
            start = i
            i += 1
            block = []
            while i < len(lines) and lines[i].strip() != "```":
                block.append((i, lines[i]))
                i += 1
            if i == len(lines):
                raise GuideError("%s:%d: console block never closed" % (path, start + 1))
            cmd = None
            j = 0
            while j < len(block):
                n, text = block[j]
                if text.startswith("$ "):
                    cmd = Step("run", path, n + 1, command=text[2:], source=[text], expected=[], first=n, last=n)
                    while cmd.command.endswith("\\") and j + 1 < len(block):
                        j += 1
                        cmd.command = cmd.command + "\n" + block[j][1]
                        cmd.source.append(block[j][1])
                        cmd.last = block[j][0]
                    steps.append(cmd)
                elif cmd is None:
                    raise GuideError("%s:%d: output before any command" % (path, n + 1))
                else:
                    cmd.expected.append(text)
                    cmd.last = n
                j += 1
        i += 1
    return steps


class Bindings:
    """Guide value -> actual value, per class, one to one."""

    def __init__(self):
        self.fwd, self.rev = {}, {}

    def bind(self, cls, shown, actual, where):
        f, r = self.fwd.setdefault(cls, {}), self.rev.setdefault(cls, {})
        if shown in f and f[shown] != actual:
            raise GuideError("%s: the guide shows %s %s, which was %s earlier but is %s here" % (where, cls, shown, f[shown], actual))
        if actual in r and r[actual] != shown:
            raise GuideError("%s: %s %s is shown as %s, but earlier as %s" % (where, cls, actual, shown, r[actual]))
        f[shown], r[actual] = actual, shown

    def substitute(self, command, where, record):
        def repl(m):
            cls = m.lastgroup
            v = m.group(0)
            if v in self.fwd.get(cls, {}):
                return self.fwd[cls][v]
            if record:
                return v
            raise GuideError("%s: the command uses %s %s, which no earlier output showed" % (where, cls, v))
        return TOKEN.sub(repl, command)


def line_pattern(expected):
    """A regex for an expected line: literal text, tokens as captures, "…" as any text."""
    out, classes, pos = [], [], 0
    for m in TOKEN.finditer(expected):
        out.append(literal(expected[pos:m.start()]))
        out.append("(%s)" % dict(CLASSES)[m.lastgroup])
        classes.append((m.lastgroup, m.group(0)))
        pos = m.end()
    out.append(literal(expected[pos:]))
    return re.compile("".join(out)), classes


def literal(text):
    return ".*?".join(re.escape(part) for part in text.split("…"))


def screen_lines(raw):
    """What a terminal shows: CRLF folded, each line as left by its last carriage return."""
    text = ANSI.sub("", raw.replace("\r\n", "\n"))
    lines = [seg.split("\r")[-1].rstrip() for seg in text.split("\n")]
    while lines and lines[-1] == "":
        lines.pop()
    return lines


def compare(step, actual, bindings, where):
    exp = [l.rstrip() for l in step.expected]
    while exp and exp[-1] == "":
        exp.pop()
    if len(exp) != len(actual):
        raise GuideError("%s: the guide shows %d line(s), the command printed %d:\n%s" % (where, len(exp), len(actual), show(exp, actual)))
    for e, a in zip(exp, actual):
        pm = PROGRESS.match(e)
        if pm:
            am = PROGRESS.match(a)
            if not am or am.group(1) != pm.group(1):
                raise GuideError("%s: expected a %s progress bar, got: %s" % (where, pm.group(1), a))
            continue
        pat, classes = line_pattern(e)
        m = pat.fullmatch(a)
        if not m:
            raise GuideError("%s: line differs:\n  guide:  %s\n  screen: %s" % (where, e, a))
        for (cls, shown), got in zip(classes, m.groups()):
            bindings.bind(cls, shown, got, where)


def record_lines(step, actual, bindings):
    """The output to write into the guide: a line the guide already shows in a form that
    matches is kept as it is (its "…" and its values); any other line is what the screen
    showed, with values seen before written as the guide shows them."""
    exp = [l.rstrip() for l in step.expected]
    out = []
    for i, a in enumerate(actual):
        e = exp[i] if i < len(exp) else None
        am = PROGRESS.match(a)
        if am:
            # the rate and the time differ every run
            out.append("%-10s [%s] 100%%  …" % (am.group(1), "#" * 24))
            continue
        if e is not None:
            pat, classes = line_pattern(e)
            m = pat.fullmatch(a)
            if m:
                try:
                    for (cls, shown), got in zip(classes, m.groups()):
                        bindings.bind(cls, shown, got, "record")
                    out.append(e)
                    continue
                except GuideError:
                    pass

        def shown(m):
            cls, v = m.lastgroup, m.group(0)
            known = bindings.rev.get(cls, {}).get(v)
            if known is not None:
                return known
            try:
                bindings.bind(cls, v, v, "record")
            except GuideError:
                pass
            return v
        out.append(TOKEN.sub(shown, a))
    return out


def show(exp, actual):
    return "  guide:\n" + "".join("    | %s\n" % l for l in exp) + "  screen:\n" + "".join("    | %s\n" % l for l in actual)


def run_on_terminal(command, cwd, env, expected, last_status):
    """Runs command in bash on a new pseudo-terminal; answers prompts. (status, screen text)."""
    pid, fd = pty.fork()
    if pid == 0:
        os.chdir(cwd)
        os.execve("/bin/bash", ["bash", "--noprofile", "--norc", "-c", "(exit %d); %s" % (last_status, command)], env)
    out = b""
    deadline = time.time() + COMMAND_TIMEOUT
    while True:
        if time.time() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            raise GuideError("timed out after %.0f s" % COMMAND_TIMEOUT)
        r, _, _ = select.select([fd], [], [], 0.5)
        if not r:
            continue
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
        tail = out.decode("utf-8", "replace").replace("\r\n", "\n").split("\n")[-1].split("\r")[-1]
        answer = prompt_answer(tail, expected)
        if answer is not None:
            time.sleep(0.05)  # let the program turn echo off
            os.write(fd, answer.encode() + b"\r")
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    code = os.waitstatus_to_exitcode(status)
    return (code if code >= 0 else 128 - code), out.decode("utf-8", "replace")


def prompt_answer(tail, expected):
    low = tail.lower()
    if "passphrase" in low and tail.endswith(": "):
        return PASSPHRASES["station" if ("station" in low or "identity" in low) else "ngo"]
    if tail.endswith("[y/N] "):
        for e in expected:
            if e.startswith(tail):
                return e[len(tail):].strip()
        raise GuideError("the program asks %r but the guide shows no answer to it" % tail)
    return None


def main():
    args = sys.argv[1:]
    record = False
    if args and args[0] == "--record":
        record, args = True, args[1:]
    world = os.path.abspath(args[0])
    guides = []
    for spec in args[1:]:
        path, home = spec.rsplit(":", 1)
        guides.append({"path": path, "home": home, "steps": parse(path), "pc": 0, "cwd": home, "status": 0, "ran": 0})
    os.makedirs(os.path.join(world, "media"), exist_ok=True)
    for g in guides:
        os.makedirs(os.path.join(world, g["home"]), exist_ok=True)
    env = dict(os.environ)
    env.update({"TERM": "xterm", "COLUMNS": "100", "LINES": "40", "WORLD": world})
    env.pop("NO_PROGRESS", None)
    bindings, done, failures, recorded = Bindings(), set(), 0, {}
    media = os.path.join(world, "media")

    def runnable(g):
        if g["pc"] >= len(g["steps"]):
            return False
        s = g["steps"][g["pc"]]
        return s.kind != "wait" or s.arg in done

    while any(g["pc"] < len(g["steps"]) for g in guides):
        ready = [g for g in guides if runnable(g)]
        if not ready:
            waiting = ["%s waits for %s" % (os.path.basename(g["path"]), g["steps"][g["pc"]].arg) for g in guides if g["pc"] < len(g["steps"])]
            tap(False, "the guides wait for each other: %s" % "; ".join(waiting))
            return 1
        g = ready[0]
        # run this guide until it has to wait
        while runnable(g):
            s = g["steps"][g["pc"]]
            g["pc"] += 1
            where = "%s:%d" % (os.path.basename(s.guide), s.line)
            if s.kind == "done":
                done.add(s.arg)
                continue
            if s.kind == "wait":
                continue
            if s.kind == "cwd":
                g["cwd"] = s.arg
                continue
            if s.kind == "world":
                r = subprocess.run(["bash", os.path.join(os.path.dirname(__file__), "world.sh")] + s.arg.split(), cwd=world, env=env, capture_output=True, text=True)
                if r.returncode != 0:
                    tap(False, "%s: world action '%s' failed: %s" % (where, s.arg, r.stderr.strip()[-300:]))
                    return 1
                continue
            if s.kind != "run":
                tap(False, "%s: unknown marker %s" % (where, s.kind))
                return 1
            try:
                cmd = MEDIA.sub(media, bindings.substitute(s.command, where, record))
                home = os.path.join(world, g["cwd"])
                status, raw = run_on_terminal(cmd, home, dict(env, HOME=home), s.expected, g["status"])
                actual = [l.replace(media + "/", "/media/").replace(media, "/media") for l in screen_lines(raw)]
                if record:
                    recorded[(s.guide, s.first, s.last)] = s.source + record_lines(s, actual, bindings)
                else:
                    compare(s, actual, bindings, where)
                nxt = g["steps"][g["pc"]] if g["pc"] < len(g["steps"]) else None
                if status != 0 and not (nxt is not None and nxt.kind == "run" and nxt.command.strip() == "echo $?"):
                    raise GuideError("%s: '%s' exited with status %d (the guide does not show a failure here):\n%s" % (where, s.command, status, "\n".join("    | " + l for l in actual[-8:])))
                g["status"] = status
                g["ran"] += 1
                tap(True, "%s: %s" % (where, s.command.split("\n")[0][:90]))
            except GuideError as e:
                failures += 1
                tap(False, str(e))
                if not record:
                    return 1
    if record:
        rewrite(recorded)
    for g in guides:
        print("# %s: %d commands ran" % (os.path.basename(g["path"]), g["ran"]))
    return 1 if failures else 0


def rewrite(recorded):
    by_file = {}
    for (path, first, last), lines in recorded.items():
        by_file.setdefault(path, []).append((first, last, lines))
    for path, edits in by_file.items():
        text = open(path, encoding="utf-8").read().split("\n")
        for first, last, lines in sorted(edits, reverse=True):
            text[first:last + 1] = lines
        open(path, "w", encoding="utf-8").write("\n".join(text))


if __name__ == "__main__":
    sys.exit(main())
