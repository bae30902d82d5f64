#!/usr/bin/env python3
"""Runs every fenced block of README.md (and docs/cli.md) the way a reader would type it.

    python3 scripts/readme_snippets.py [FILE...]

Needs the debug builds of arr, arr-emulator and the C library (cargo build -p arr-cli -p arr-emulator
-p arr-session-ffi, which it runs), python3, cc, and mcs/mono for C# blocks. It starts one arr-emulator on
a free loopback port; the README's address, 127.0.0.1:8440, is replaced by that one in every block. Blocks
run in the order they appear, from the repository's root:

- sh/bash/shell: bash with -e and -o pipefail; what a block exports is kept for the blocks after it,
  as in the reader's terminal (the ARR_* variables, PYTHONPATH, ARR_SESSION_LIBRARY). The arr just built
  is on PATH, as `cargo install --path cli` would put it;
- python: python3, with that environment;
- csharp: compiled with mcs against the C# package's runtime sources, run with mono;
- c: compiled as C99 with warnings as errors, linked with the library, run.

A block that cannot run is preceded by `<!-- snippet: skip (why) -->`; a block of any other kind without
that marker fails. Prints each block's outcome, the count per kind and `N passed, N failed`; exits 1 on a
failure. Leaves no process behind: the emulator is stopped however the run ends.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_FILES = ["README.md", "docs/cli.md"]
README_ADDRESS = "127.0.0.1:8440"
SKIP = re.compile(r"^<!--\s*snippet:\s*skip\s*\((?P<why>.+)\)\s*-->$")
KINDS = {"sh": "shell", "bash": "shell", "shell": "shell", "python": "python", "csharp": "csharp", "c": "c"}
BLOCK_TIMEOUT_S = 600
DEBUG = ROOT / "target" / "debug"


@dataclass
class Block:
    path: str
    line: int
    language: str
    text: str
    skip: Optional[str]

    @property
    def name(self) -> str:
        return f"{self.path}:{self.line} ({self.language or 'no language'})"


def blocks_of(path: str) -> List[Block]:
    """The fenced blocks of a Markdown file, each with the skip reason written right before it."""
    lines = (ROOT / path).read_text(encoding="utf-8").splitlines()
    found: List[Block] = []
    i = 0
    while i < len(lines):
        fence = re.match(r"^(```+|~~~+)\s*([\w+-]*)", lines[i])
        if not fence:
            i += 1
            continue
        start, marker, language = i, fence.group(1), fence.group(2).lower()
        body: List[str] = []
        i += 1
        while i < len(lines) and not lines[i].startswith(marker):
            body.append(lines[i])
            i += 1
        previous = next((lines[j].strip() for j in range(start - 1, -1, -1) if lines[j].strip()), "")
        skip = SKIP.match(previous)
        found.append(Block(path, start + 1, language, "\n".join(body) + "\n", skip.group("why") if skip else None))
        i += 1
    return found


class Emulator:
    """arr-emulator on a free loopback port, stopped on exit."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [str(DEBUG / "arr-emulator"), "--listen", "127.0.0.1:0"],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert self.process.stdout is not None
        url = self.process.stdout.readline().strip()
        if not url.startswith("http://127.0.0.1:"):
            self.stop()
            raise RuntimeError(f"arr-emulator printed {url!r} instead of its URL")
        self.address = url[len("http://"):].rstrip("/")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


class Runner:
    def __init__(self, work: Path, emulator: Emulator) -> None:
        self.work = work
        self.emulator = emulator
        bin_dir = work / "bin"
        bin_dir.mkdir()
        (bin_dir / "arr").symlink_to(DEBUG / "arr")
        self.env: Dict[str, str] = {k: v for k, v in os.environ.items() if not k.startswith("ARR_")}
        self.env["PATH"] = f"{bin_dir}{os.pathsep}{self.env.get('PATH', '')}"
        self.csharp_runtime: Optional[Path] = None
        self.count = 0

    def text(self, block: Block) -> str:
        return block.text.replace(README_ADDRESS, self.emulator.address)

    def file(self, suffix: str, text: str) -> Path:
        self.count += 1
        path = self.work / f"snippet{self.count}{suffix}"
        path.write_text(text, encoding="utf-8")
        return path

    def run(self, argv: List[str], env: Optional[Dict[str, str]] = None) -> None:
        # A process group of its own, so that a timeout or an interrupted run also ends what a block started.
        child = subprocess.Popen(
            argv, cwd=ROOT, env=env or self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            start_new_session=True,
        )
        try:
            output, _ = child.communicate(timeout=BLOCK_TIMEOUT_S)
        finally:
            if child.poll() is None:
                os.killpg(child.pid, signal.SIGKILL)
                child.wait()
        if child.returncode != 0:
            raise AssertionError(f"`{' '.join(argv)}` exited {child.returncode}\n{output}")

    def shell(self, block: Block) -> None:
        script = self.file(".sh", self.text(block))
        env_out = self.work / f"env{self.count}"
        wrapper = f'set -eo pipefail\n. "{script}"\nenv -0 > "{env_out}"\n'
        self.run(["bash", "-c", wrapper])
        # What the block exported stays set for the next blocks, as in the reader's terminal.
        pairs = env_out.read_bytes().split(b"\0")
        self.env = dict(p.decode().split("=", 1) for p in pairs if b"=" in p)

    def python(self, block: Block) -> None:
        self.run([sys.executable, str(self.file(".py", self.text(block)))])

    def csharp(self, block: Block) -> None:
        if self.csharp_runtime is None:
            runtime = self.work / "ArrSession.Runtime.dll"
            sources = sorted(str(p) for p in (ROOT / "bindings/csharp/com.arrsession.client/Runtime").glob("*.cs"))
            self.run(["mcs", "-nologo", "-target:library", "-r:System.dll", "-r:System.Core.dll",
                      f"-out:{runtime}"] + sources)
            self.csharp_runtime = runtime
        source = self.file(".cs", self.text(block))
        exe = source.with_suffix(".exe")
        self.run(["mcs", "-nologo", "-warnaserror+", "-r:System.dll", "-r:System.Core.dll",
                  f"-r:{self.csharp_runtime}", f"-out:{exe}", str(source)])
        env = dict(self.env, MONO_PATH=str(self.work), LD_LIBRARY_PATH=str(DEBUG))
        self.run(["mono", str(exe)], env)

    def c(self, block: Block) -> None:
        source = self.file(".c", self.text(block))
        exe = source.with_suffix("")
        self.run(["cc", "-std=c99", "-Wall", "-Wextra", "-Werror", f"-I{ROOT / 'include'}", str(source),
                  f"-L{DEBUG}", "-larr_session", "-o", str(exe)])
        self.run([str(exe)], dict(self.env, LD_LIBRARY_PATH=str(DEBUG)))


def main(files: List[str]) -> int:
    blocks = [b for f in files for b in blocks_of(f)]
    build = ["cargo", "build", "-q", "-p", "arr-cli", "-p", "arr-emulator", "-p", "arr-session-ffi"]
    if subprocess.run(build, cwd=ROOT).returncode != 0:
        print("could not build arr, arr-emulator and the C library\n0 passed, 1 failed")
        return 1
    try:
        emulator = Emulator()
    except (OSError, RuntimeError) as error:
        print(f"could not start arr-emulator: {error}\n0 passed, 1 failed")
        return 1
    # A suite killed by its timeout still stops the emulator.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    ran: Counter = Counter()
    skipped: Counter = Counter()
    failed: List[str] = []
    work = Path(tempfile.mkdtemp(prefix="readme-snippets-"))
    try:
        runner = Runner(work, emulator)
        for block in blocks:
            kind = KINDS.get(block.language)
            if block.skip is not None:
                skipped[block.language or "none"] += 1
                print(f"skip {block.name}: {block.skip}")
                continue
            if kind is None:
                failed.append(block.name)
                print(f"FAIL {block.name}: no runner for this kind; mark it <!-- snippet: skip (why) -->")
                continue
            try:
                getattr(runner, kind)(block)
                ran[kind] += 1
                print(f"ok   {block.name}")
            except (AssertionError, subprocess.TimeoutExpired, OSError) as error:
                failed.append(block.name)
                print(f"FAIL {block.name}: {error}")
    finally:
        emulator.stop()
        shutil.rmtree(work, ignore_errors=True)
    for kind in sorted(set(KINDS.values())):
        print(f"{kind}: {ran[kind]} run")
    print(f"skipped (with the reason given before each): {sum(skipped.values())} "
          f"({', '.join(f'{k} {n}' for k, n in sorted(skipped.items()))})")
    passed = sum(ran.values())
    print(f"{passed} passed, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or DEFAULT_FILES))
