#!/usr/bin/env python3
"""The runs that make memsim's optimisation profile (CMake's MEMSIM_PGO, tools/setup).

Usage: tools/pgo_training.py MEMSIM_BINARY

Runs the instrumented binary the way users do: `memsim run` on every shipped scenario (all of
scenarios/ but the hardware presets), then every `memsim run` command the scenarios' own comments
suggest (lines "#   memsim run FILE [--set KEY=VALUE]..."), which include two training runs of
51,098 ops, long enough to verify on a second thread as long runs do. Nothing is chosen for the
benchmark's chain. Output goes to /dev/null; a run that fails stops the script with its command,
so a broken binary never leaves a partial profile behind silently.
"""
import pathlib
import shlex
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
PREFIX = "#   memsim run "


def runs():
    scenarios = sorted(p for p in (ROOT / "scenarios").rglob("*.toml")
                       if p.parent.name != "hardware")
    for path in scenarios:
        yield [str(path.relative_to(ROOT))]
    for path in scenarios:
        for line in path.read_text().splitlines():
            if line.startswith(PREFIX):
                yield shlex.split(line[len(PREFIX):])


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: tools/pgo_training.py MEMSIM_BINARY")
    memsim = str(pathlib.Path(sys.argv[1]).resolve())
    count = 0
    for args in runs():
        command = [memsim, "run", *args]
        done = subprocess.run(command, cwd=ROOT, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True)
        if done.returncode != 0:
            sys.exit("pgo_training: `%s` failed (exit %d): %s"
                     % (" ".join(shlex.quote(a) for a in command), done.returncode,
                        done.stderr.strip()))
        count += 1
    print("pgo_training: %d runs" % count)


if __name__ == "__main__":
    main()
