"""Builds the native library with cargo and ships it inside the ``arr_session`` package (setuptools).

``cargo build --release -p arr-session-ffi`` runs as part of ``build_py``; ``libarr_session.so`` (``.dylib``,
``arr_session.dll``) is copied next to ``arr_session/__init__.py``, where the package loads it from. Where the
Rust sources are:

- in an sdist: ``rust/``, a trimmed copy of the workspace (``Cargo.toml``, ``Cargo.lock``, ``src/``, ``ffi/``,
  ``wire-time/``) that the ``sdist`` command below writes; cargo builds in ``rust/target`` unless
  ``CARGO_TARGET_DIR`` says otherwise;
- in the repository (``pip install ./bindings/python``): ``../../ffi/Cargo.toml``, built in the workspace's
  own ``target/`` (unless ``CARGO_TARGET_DIR`` is set), so a release library that is already built is reused.

``ARR_SESSION_CARGO`` names the cargo to run (default: ``cargo`` on ``PATH``). The wheel is tagged
``py3-none-<platform>``: the package is pure Python over a C ABI, so one wheel serves every Python 3 on a
platform; ``auditwheel repair`` turns ``linux_*`` into a ``manylinux_*`` tag.

Wheels for other platforms (``scripts/package.sh`` builds ``win_amd64`` and ``linux_aarch64`` on Linux):
``ARR_SESSION_PREBUILT_LIBRARY`` names an already built library (``target/native/<rid>/...``), which is
bundled under its own file name instead of running cargo, and ``ARR_SESSION_WHEEL_PLATFORM`` the wheel's
platform tag (``win_amd64``, ``linux_aarch64``).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.command.sdist import sdist
from setuptools.dist import Distribution

try:
    from setuptools.command.bdist_wheel import bdist_wheel
except ImportError:  # setuptools < 70.1 (pyproject asks for >= 77; kept for builds without isolation)
    from wheel.bdist_wheel import bdist_wheel  # type: ignore[no-redef]

HERE = Path(__file__).resolve().parent
BUNDLED = HERE / "rust"  # in an sdist
REPO = HERE.parent.parent  # in the repository
#: Workspace paths an sdist needs to build the library (nothing else of the workspace is built).
WORKSPACE_PARTS = ["Cargo.lock", "src", "ffi", "wire-time", "feature-set"]
MEMBERS = [".", "wire-time", "ffi", "feature-set"]

if sys.platform == "win32":
    LIBRARY = "arr_session.dll"
elif sys.platform == "darwin":
    LIBRARY = "libarr_session.dylib"
else:
    LIBRARY = "libarr_session.so"


def rust_workspace() -> "tuple[Path, Path]":
    """(workspace root, default target directory)."""
    if (BUNDLED / "ffi" / "Cargo.toml").is_file():
        return BUNDLED, BUNDLED / "target"
    if (REPO / "ffi" / "Cargo.toml").is_file():
        return REPO, REPO / "target"
    raise SystemExit(
        "arr-session: the Rust sources are missing (expected rust/ffi/Cargo.toml in an sdist, or ../../ffi in the "
        "repository)"
    )


def build_native_library() -> Path:
    prebuilt = os.environ.get("ARR_SESSION_PREBUILT_LIBRARY")
    if prebuilt:
        if not Path(prebuilt).is_file():
            raise SystemExit(f"arr-session: ARR_SESSION_PREBUILT_LIBRARY={prebuilt} is not a file")
        print(f"arr-session: bundling the prebuilt {prebuilt}", flush=True)
        return Path(prebuilt)
    root, default_target = rust_workspace()
    target = Path(os.environ.get("CARGO_TARGET_DIR") or default_target)
    cargo = os.environ.get("ARR_SESSION_CARGO", "cargo")
    command = [cargo, "build", "--release", "-p", "arr-session-ffi", "--manifest-path", str(root / "Cargo.toml")]
    print(f"arr-session: {' '.join(command)} (CARGO_TARGET_DIR={target})", flush=True)
    try:
        subprocess.run(command, check=True, env={**os.environ, "CARGO_TARGET_DIR": str(target)})
    except FileNotFoundError:
        raise SystemExit("arr-session: cargo was not found; install Rust (https://rustup.rs) or set ARR_SESSION_CARGO")
    built = target / "release" / LIBRARY
    if not built.is_file():
        raise SystemExit(f"arr-session: cargo finished but {built} is missing")
    return built


class BuildPyWithNativeLibrary(build_py):
    def run(self) -> None:
        super().run()
        built = build_native_library()
        destination = Path(self.build_lib) / "arr_session" / built.name
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(built, destination)
        destination.chmod(0o755)


def _strip_dev_dependencies(text: str) -> str:
    """Drops ``[dev-dependencies]`` tables: they name workspace crates (the emulator) the sdist leaves out."""
    return re.sub(r"(?ms)^\[dev-dependencies\]\n.*?(?=^\[|\Z)", "", text)


class SdistWithRustSources(sdist):
    def make_release_tree(self, base_dir: str, files: "list[str]") -> None:
        super().make_release_tree(base_dir, files)
        root, _ = rust_workspace()
        out = Path(base_dir) / "rust"
        if out.exists():
            shutil.rmtree(out)
        out.mkdir()
        ignore = shutil.ignore_patterns("target", "*.orig", "*.rej")
        for part in WORKSPACE_PARTS:
            source = root / part
            if source.is_dir():
                shutil.copytree(source, out / part, ignore=ignore)
            else:
                shutil.copyfile(source, out / part)
        manifest = (root / "Cargo.toml").read_text()
        manifest = re.sub(r"(?m)^members = \[.*\]$", "members = " + repr(MEMBERS).replace("'", '"'), manifest)
        (out / "Cargo.toml").write_text(_strip_dev_dependencies(manifest))
        ffi = out / "ffi" / "Cargo.toml"
        ffi.write_text(_strip_dev_dependencies(ffi.read_text()))


class PlatformWheel(bdist_wheel):
    """``py3-none-<platform>``: not pure (it carries a native library), but independent of the Python ABI."""

    def initialize_options(self) -> None:
        super().initialize_options()
        self.plat_name = os.environ.get("ARR_SESSION_WHEEL_PLATFORM") or None

    def finalize_options(self) -> None:
        super().finalize_options()
        self.root_is_pure = False

    def get_tag(self) -> "tuple[str, str, str]":
        _, _, platform = super().get_tag()
        return "py3", "none", platform


class BinaryDistribution(Distribution):
    def has_ext_modules(self) -> bool:
        return True


setup(
    distclass=BinaryDistribution,
    cmdclass={"build_py": BuildPyWithNativeLibrary, "sdist": SdistWithRustSources, "bdist_wheel": PlatformWheel},
)
