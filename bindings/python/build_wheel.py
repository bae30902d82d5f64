#!/usr/bin/env python3
"""Builds ``dist/arr_session-<version>-py3-none-<platform>.whl`` with the native library bundled.

    python3 bindings/python/build_wheel.py                  # cargo build --release, then the wheel
    python3 bindings/python/build_wheel.py --library PATH   # bundle an already-built library

The package is pure Python over a C ABI, so one wheel serves every Python 3 (``py3-none``) of a platform.
The wheel is written directly (it is a zip with a RECORD), with the standard library only: no network and
no build backend needed. Install it with ``pip install dist/arr_session-*.whl``.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import os
import re
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path
from typing import List, Tuple

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
PACKAGE = "arr_session"
LIBRARY_NAMES = {"win32": "arr_session.dll", "darwin": "libarr_session.dylib"}


def library_name() -> str:
    return LIBRARY_NAMES.get(sys.platform, "libarr_session.so")


def project_field(name: str) -> str:
    text = (HERE / "pyproject.toml").read_text()
    match = re.search(rf'^{name}\s*=\s*"([^"]+)"', text, re.MULTILINE)
    if not match:
        raise SystemExit(f"pyproject.toml has no {name}")
    return match.group(1)


def platform_tag() -> str:
    return re.sub(r"[-.]", "_", sysconfig.get_platform())


def find_library(explicit: str | None, cargo: bool) -> Path:
    if explicit:
        path = Path(explicit)
    else:
        if cargo:
            subprocess.run(["cargo", "build", "--release", "-p", "arr-session-ffi"], cwd=REPO, check=True)
        path = REPO / "target" / "release" / library_name()
    if not path.is_file():
        raise SystemExit(f"native library not found at {path} (build it, or pass --library)")
    return path


def record_line(arcname: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{arcname},sha256={digest},{len(data)}"


def files(library: Path) -> List[Tuple[str, bytes]]:
    out: List[Tuple[str, bytes]] = []
    root = HERE / PACKAGE
    for path in sorted(root.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix in (".py", ".typed"):
            out.append((path.relative_to(HERE).as_posix(), path.read_bytes()))
    out.append((f"{PACKAGE}/{library_name()}", library.read_bytes()))
    return out


def metadata(version: str) -> str:
    readme = (HERE / "README.md").read_text() if (HERE / "README.md").exists() else ""
    return (
        "Metadata-Version: 2.1\n"
        f"Name: arr-session\nVersion: {version}\n"
        f"Summary: {project_field('description')}\n"
        "License: MIT\nRequires-Python: >=3.8\n"
        "Classifier: Programming Language :: Python :: 3\nClassifier: Typing :: Typed\n"
        "Description-Content-Type: text/markdown\n\n" + readme
    )


def build(library: Path, out_dir: Path) -> Path:
    version = project_field("version")
    tag = f"py3-none-{platform_tag()}"
    dist_info = f"arr_session-{version}.dist-info"
    entries = files(library)
    entries.append((f"{dist_info}/METADATA", metadata(version).encode()))
    entries.append((f"{dist_info}/WHEEL", (
        f"Wheel-Version: 1.0\nGenerator: arr-session build_wheel.py\nRoot-Is-Purelib: false\nTag: {tag}\n"
    ).encode()))
    entries.append((f"{dist_info}/top_level.txt", f"{PACKAGE}\n".encode()))
    record = "\n".join(record_line(name, data) for name, data in entries) + f"\n{dist_info}/RECORD,,\n"
    out_dir.mkdir(parents=True, exist_ok=True)
    wheel = out_dir / f"arr_session-{version}-{tag}.whl"
    with zipfile.ZipFile(wheel, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
            info.external_attr = (0o755 if name.endswith(library_name()) else 0o644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
        archive.writestr(zipfile.ZipInfo(f"{dist_info}/RECORD", date_time=(2020, 1, 1, 0, 0, 0)), record)
    return wheel


def main() -> int:
    parser = argparse.ArgumentParser(description="Build the arr-session wheel with the native library bundled.")
    parser.add_argument("--library", default=os.environ.get("ARR_SESSION_LIBRARY_FOR_WHEEL"),
                        help="the built libarr_session to bundle (default: target/release/, built with --cargo)")
    parser.add_argument("--no-cargo", dest="cargo", action="store_false",
                        help="do not run cargo build --release when no --library is given")
    parser.add_argument("--out-dir", default=str(HERE / "dist"))
    args = parser.parse_args()
    wheel = build(find_library(args.library, args.cargo), Path(args.out_dir))
    print(wheel)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
