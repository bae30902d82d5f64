#!/usr/bin/env python3
"""Checks that the workspace's usual builds turn on the same features of every crate arr-session depends on.

    python3 scripts/check_feature_set.py

Cargo enables a dependency's features per build; when two builds differ on one crate that arr-session
depends on (tokio, hyper, reqwest, rustls, ...), switching between them rebuilds that crate and
arr-session each time. feature-set/Cargo.toml asks every build for the union; this compares, with
`cargo tree` (no compiling), what each build below turns on, and names each crate and feature that
differs. Prints `N passed, N failed` (one check per crate) and exits 1 when one differs.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Set

ROOT = Path(__file__).resolve().parent.parent

# The builds a user switches between. `-e dev` for the example: it builds the core with its
# dev-dependencies (the emulator, proptest). arr-bench is left out on purpose (feature-set/Cargo.toml).
BUILDS: Dict[str, List[str]] = {
    "cargo build --example quickstart": ["-p", "arr-session", "-e", "normal,build,dev"],
    "cargo build -p arr-session-ffi": ["-p", "arr-session-ffi", "-e", "normal,build"],
    "cargo build -p arr-cli": ["-p", "arr-cli", "-e", "normal,build"],
    "cargo build -p arr-emulator": ["-p", "arr-emulator", "-e", "normal,build"],
}


def features(args: List[str]) -> Dict[str, Set[str]]:
    """Package `name version` -> the features the build turns on for it."""
    done = subprocess.run(
        ["cargo", "tree", "--quiet", "--prefix", "none", "--no-dedupe", "-f", "{p}|{f}"] + args,
        cwd=ROOT, capture_output=True, text=True,
    )
    if done.returncode != 0:
        raise SystemExit(f"cargo tree {' '.join(args)} failed:\n{done.stderr}\n0 passed, 1 failed")
    found: Dict[str, Set[str]] = {}
    for line in done.stdout.splitlines():
        if "|" not in line:
            continue
        package, feats = line.split("|", 1)
        key = " ".join(package.split()[:2])
        names = feats.replace("(*)", "").replace("(proc-macro)", "").strip()
        found.setdefault(key, set()).update(f for f in names.split(",") if f)
    return found


def main() -> int:
    closure = set(features(["-p", "arr-session", "-e", "normal,build"]))
    per_build = {name: features(args) for name, args in BUILDS.items()}
    passed, failed = 0, 0
    for package in sorted(closure):
        seen = {name: found[package] for name, found in per_build.items() if package in found}
        union = set().union(*seen.values())
        lacking = {name: union - feats for name, feats in seen.items() if union - feats}
        if not lacking:
            passed += 1
            continue
        failed += 1
        print(f"FAIL {package}: the builds turn on different features (add them to feature-set/Cargo.toml)")
        for name, missing in lacking.items():
            print(f"     {name} lacks {', '.join(sorted(missing))}")
    print(f"{len(closure)} crates arr-session depends on, compared across {len(BUILDS)} builds")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
