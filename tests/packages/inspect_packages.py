#!/usr/bin/env python3
"""Inspects what scripts/package.sh built in target/packages/: every package holds every platform built in
target/native/<rid>/, byte for byte the library the platform suites tested, in the package's own layout, and
nothing else; the Unity package's .meta files enable each plug-in for exactly its editor/player platforms and
CPU. Prints one line per check and ends with "N passed, N failed".

    python3 tests/packages/inspect_packages.py
"""

from __future__ import annotations

import hashlib
import base64
import io
import json
import re
import struct
import sys
import tarfile
import zipfile
from pathlib import Path
from typing import Dict, List, Optional, Tuple

ROOT = Path(__file__).resolve().parents[2]
NATIVE = ROOT / "target" / "native"
PACKAGES = ROOT / "target" / "packages"
UPM_SOURCE = ROOT / "bindings" / "csharp" / "com.arrsession.client"
RIDS = ["linux-x64", "linux-arm64", "win-x64"]
LIBRARY = {"linux-x64": "libarr_session.so", "linux-arm64": "libarr_session.so", "win-x64": "arr_session.dll"}
# ELF e_machine / PE machine of each rid's library.
MACHINE = {"linux-x64": ("ELF", 62), "linux-arm64": ("ELF", 183), "win-x64": ("PE", 0x8664)}
WHEEL_PLATFORM = {"linux-x64": r"manylinux_\d+_\d+_x86_64", "linux-arm64": r"manylinux_\d+_\d+_aarch64", "win-x64": r"win_amd64"}

passed = 0
failed = 0


def check(ok: bool, what: str, detail: str = "") -> bool:
    global passed, failed
    if ok:
        passed += 1
        print(f"ok   {what}")
    else:
        failed += 1
        print(f"FAIL {what}")
        if detail:
            print("\n".join("     " + line for line in detail.splitlines()[:40]))
    sys.stdout.flush()
    return ok


def version() -> str:
    match = re.search(r'^version = "([^"]+)"', (ROOT / "Cargo.toml").read_text(), re.M)
    assert match
    return match.group(1)


def native(rid: str, name: Optional[str] = None) -> bytes:
    return (NATIVE / rid / (name or LIBRARY[rid])).read_bytes()


def machine_of(data: bytes) -> Tuple[str, int]:
    if data[:4] == b"\x7fELF":
        return "ELF", struct.unpack_from("<H", data, 18)[0]
    if data[:2] == b"MZ":
        pe = struct.unpack_from("<I", data, 0x3C)[0]
        if data[pe:pe + 4] == b"PE\0\0":
            return "PE", struct.unpack_from("<H", data, pe + 4)[0]
    return "?", 0


def same_library(rid: str, data: bytes, where: str) -> None:
    expected = native(rid)
    check(machine_of(data) == MACHINE[rid], f"{where}: {'an' if MACHINE[rid][0] == 'ELF' else 'a'} {MACHINE[rid][0]} library for {rid} (machine {machine_of(data)[1]:#x})")
    check(data == expected, f"{where}: byte for byte target/native/{rid}/{LIBRARY[rid]}, the library the {rid} tests ran",
          f"sha256 {hashlib.sha256(data).hexdigest()[:16]} against {hashlib.sha256(expected).hexdigest()[:16]}")


# ---------- C/C++ archives ----------

def archive_members(path: Path) -> Dict[str, bytes]:
    members: Dict[str, bytes] = {}
    if path.suffix == ".zip":
        with zipfile.ZipFile(path) as z:
            for info in z.infolist():
                if not info.is_dir():
                    members[info.filename] = z.read(info)
    else:
        with tarfile.open(path) as t:
            for info in t.getmembers():
                if info.isfile():
                    handle = t.extractfile(info)
                    assert handle
                    members[info.name] = handle.read()
    return members


def inspect_c_archives(v: str) -> None:
    for rid in RIDS:
        name = f"arr_session-{v}-{rid}"
        path = PACKAGES / "c" / (name + (".zip" if rid == "win-x64" else ".tar.gz"))
        if not check(path.is_file(), f"c: {path.name} exists"):
            continue
        members = archive_members(path)
        if rid == "win-x64":
            libs = {"bin/arr_session.dll": "arr_session.dll", "lib/libarr_session.dll.a": "libarr_session.dll.a",
                    "lib/libarr_session.a": "libarr_session.a"}
        else:
            libs = {"lib/libarr_session.so": "libarr_session.so", "lib/libarr_session.a": "libarr_session.a"}
        expected = {f"{name}/{p}" for p in libs} | {f"{name}/{p}" for p in [
            "include/arr_session.h", "include/arr_session.hpp", "lib/pkgconfig/arr_session.pc",
            "lib/cmake/arr_session/arr_sessionConfig.cmake", "lib/cmake/arr_session/arr_sessionConfigVersion.cmake"]}
        check(set(members) == expected, f"c {rid}: library, headers, pkg-config file and CMake package, nothing else",
              f"missing {sorted(expected - set(members))}, extra {sorted(set(members) - expected)}")
        if set(members) != expected:
            continue
        same_library(rid, members[f"{name}/{[p for p in libs if libs[p] == LIBRARY[rid]][0]}"], f"c {rid}")
        check(all(members[f"{name}/{p}"] == native(rid, f) for p, f in libs.items()),
              f"c {rid}: every library file ({', '.join(libs.values())}) is the one in target/native/{rid}")
        check(members[f"{name}/include/arr_session.h"] == (ROOT / "include" / "arr_session.h").read_bytes()
              and members[f"{name}/include/arr_session.hpp"] == (ROOT / "include" / "arr_session.hpp").read_bytes(),
              f"c {rid}: the headers are include/arr_session.h and .hpp")
        texts = {p: members[p].decode() for p in members if p.endswith((".pc", ".cmake"))}
        pc = texts[f"{name}/lib/pkgconfig/arr_session.pc"]
        check("prefix=${pcfiledir}/../.." in pc, f"c {rid}: the pkg-config file is relocatable (prefix relative to it)")
        locks = {"linux-x64": "native-static-libs.txt"}
        static_libs = (ROOT / "cmake" / locks.get(rid, f"native-static-libs-{rid}.txt")).read_text().split()
        check(f"Libs.private: {' '.join(static_libs)}" in pc, f"c {rid}: pkg-config lists the static library's native libraries ({' '.join(static_libs)})")
        leaked = [p for p, text in texts.items() if str(ROOT) in text or "/tmp/" in text]
        check(not leaked, f"c {rid}: no path of the machine that built it in the pkg-config and CMake files", f"{leaked}")
        config = texts[f"{name}/lib/cmake/arr_session/arr_sessionConfig.cmake"]
        check(f'set(arr_session_RID "{rid}")' in config, f"c {rid}: the CMake package names its rid")
        if rid == "win-x64":
            check("bin/arr_session.dll" in config and "IMPORTED_IMPLIB" in config and "lib/libarr_session.dll.a" in config,
                  "c win-x64: arr_session::arr_session_shared is the DLL with its import library")


# ---------- NuGet ----------

def inspect_nuget(v: str) -> None:
    path = PACKAGES / "nuget" / f"ArrSession.Client.{v}.nupkg"
    if not check(path.is_file(), f"nuget: {path.name} exists"):
        return
    with zipfile.ZipFile(path) as z:
        names = set(z.namelist())
        runtimes = {n for n in names if n.startswith("runtimes/")}
        expected = {f"runtimes/{rid}/native/{LIBRARY[rid]}" for rid in RIDS}
        check(runtimes == expected, "nuget: runtimes/{linux-x64,linux-arm64,win-x64}/native/ hold one library each, nothing else",
              f"has {sorted(runtimes)}")
        for rid in RIDS:
            entry = f"runtimes/{rid}/native/{LIBRARY[rid]}"
            if entry in names:
                same_library(rid, z.read(entry), f"nuget {entry}")
        check("lib/netstandard2.0/ArrSession.Runtime.dll" in names, "nuget: the binding, lib/netstandard2.0/ArrSession.Runtime.dll")


# ---------- Python wheels ----------

def inspect_wheels(v: str) -> None:
    wheels = sorted((PACKAGES / "python").glob("*.whl"))
    for rid in RIDS:
        pattern = re.compile(rf"arr_session-{re.escape(v)}-py3-none-({WHEEL_PLATFORM[rid]})(\.[a-z0-9_]+)*\.whl$")
        found = [w for w in wheels if pattern.match(w.name)]
        if not check(len(found) == 1, f"python {rid}: one wheel tagged py3-none-{WHEEL_PLATFORM[rid].replace(chr(92) + 'd+', 'N')}",
                     f"wheels: {[w.name for w in wheels]}"):
            continue
        wheel = found[0]
        with zipfile.ZipFile(wheel) as z:
            names = z.namelist()
            natives = [n for n in names if n.endswith((".so", ".dll", ".dylib")) or ".so." in n]
            check(natives == [f"arr_session/{LIBRARY[rid]}"], f"python {rid}: exactly one native library, arr_session/{LIBRARY[rid]}",
                  f"{natives}")
            if f"arr_session/{LIBRARY[rid]}" in names:
                same_library(rid, z.read(f"arr_session/{LIBRARY[rid]}"), f"python {wheel.name}")
            sources = {n for n in names if n.endswith(".py") or n.endswith("py.typed")}
            package_files = {str(p.relative_to(ROOT / "bindings" / "python")) for p in (ROOT / "bindings" / "python" / "arr_session").rglob("*")
                             if p.is_file() and (p.suffix == ".py" or p.name == "py.typed") and "__pycache__" not in p.parts}
            check(sources == package_files, f"python {rid}: the package's Python files, all of them", f"missing {sorted(package_files - sources)}, extra {sorted(sources - package_files)}")
            dist = f"arr_session-{v}.dist-info"
            wheel_meta = z.read(f"{dist}/WHEEL").decode()
            tag = pattern.match(wheel.name)
            assert tag
            check("Root-Is-Purelib: false" in wheel_meta and f"Tag: py3-none-{tag.group(1)}" in wheel_meta,
                  f"python {rid}: WHEEL says platlib, Tag: py3-none-{tag.group(1)}", wheel_meta)
            bad = []
            for line in z.read(f"{dist}/RECORD").decode().splitlines():
                path, digest, _ = line.rsplit(",", 2)
                if digest:
                    algorithm, value = digest.split("=", 1)
                    actual = base64.urlsafe_b64encode(hashlib.new(algorithm, z.read(path)).digest()).rstrip(b"=").decode()
                    if actual != value:
                        bad.append(path)
            check(not bad, f"python {rid}: RECORD's hashes match every file (pip checks them)", f"{bad}")


# ---------- Unity (UPM) ----------

# Each plug-in .meta: the (group, target) entries enabled, with the settings they must have. Every other entry
# is disabled, and the ": Any" exclusion table excludes exactly the others. (Names as Unity writes them.)
PLUGINS: Dict[str, Dict[Tuple[str, str], Dict[str, str]]] = {
    "Runtime/Plugins/Linux/x86_64/libarr_session.so": {
        ("Editor", "Editor"): {"OS": "Linux", "CPU": "x86_64"}, ("Standalone", "Linux64"): {"CPU": "x86_64"}},
    "Runtime/Plugins/Windows/x86_64/arr_session.dll": {
        ("Editor", "Editor"): {"OS": "Windows", "CPU": "x86_64"}, ("Standalone", "Win64"): {"CPU": "x86_64"}},
    "Runtime/Plugins/Windows/ARM64/arr_session.dll": {
        ("Editor", "Editor"): {"OS": "Windows", "CPU": "ARM64"}, ("Standalone", "Win64"): {"CPU": "ARM64"}},
    "Runtime/Plugins/WSA/ARM64/arr_session.dll": {
        ("Windows Store Apps", "WindowsStoreApps"): {"CPU": "ARM64", "SDK": "UWP"}},
    "Runtime/Plugins/Android/arm64-v8a/libarr_session.so": {("Android", "Android"): {"CPU": "ARM64"}},
    "Runtime/Plugins/macOS/libarr_session.dylib": {
        ("Editor", "Editor"): {"OS": "OSX", "CPU": "AnyCPU"}, ("Standalone", "OSXUniversal"): {"CPU": "AnyCPU"}},
    "Runtime/Plugins/iOS/libarr_session.a": {("iPhone", "iOS"): {"AddToEmbeddedBinaries": "false"}},
}
# The plug-ins the UPM package carries, and the rid each one is.
UPM_BINARIES = {"Runtime/Plugins/Linux/x86_64/libarr_session.so": "linux-x64", "Runtime/Plugins/Windows/x86_64/arr_session.dll": "win-x64"}
# "Exclude <name>" in the ": Any" table, per enabled (group, target).
EXCLUDE_NAME = {("Editor", "Editor"): "Editor", ("Standalone", "Linux64"): "Linux64", ("Standalone", "Win64"): "Win64",
                ("Standalone", "Win"): "Win", ("Standalone", "OSXUniversal"): "OSXUniversal", ("Android", "Android"): "Android",
                ("iPhone", "iOS"): "iOS", ("Windows Store Apps", "WindowsStoreApps"): "WindowsStoreApps"}


def platform_data(meta: str) -> Dict[Tuple[str, str], Tuple[int, Dict[str, str]]]:
    """platformData of a serializedVersion 2 PluginImporter: (group, target) -> (enabled, settings)."""
    entries: Dict[Tuple[str, str], Tuple[int, Dict[str, str]]] = {}
    lines = meta.split("\n")
    start = lines.index("  platformData:")
    i = start + 1
    while i < len(lines) and lines[i].startswith("  - first:"):
        group, _, target = lines[i + 1].strip().partition(":")
        key = (group.strip(), target.strip())
        assert lines[i + 2].strip() == "second:", lines[i + 2]
        enabled = int(lines[i + 3].split(":")[1])
        settings: Dict[str, str] = {}
        i += 4
        if lines[i].strip() == "settings: {}":
            i += 1
        else:
            assert lines[i].strip() == "settings:", lines[i]
            i += 1
            while i < len(lines) and lines[i].startswith("        "):
                k, _, value = lines[i].strip().partition(":")
                settings[k] = value.strip()
                i += 1
        entries[key] = (enabled, settings)
    return entries


def check_meta(name: str, meta: str, where: str) -> None:
    try:
        entries = platform_data(meta)
    except (ValueError, AssertionError, IndexError) as error:
        check(False, f"{where} {name}.meta: a PluginImporter platformData list", repr(error))
        return
    want = PLUGINS[name]
    problems: List[str] = []
    if "serializedVersion: 2" not in meta:
        problems.append("serializedVersion is not 2 (older Unity drops other versions' platformData)")
    enabled = {k for k, (on, _) in entries.items() if on and k != ("", "Any")}
    if enabled != set(want):
        problems.append(f"enabled for {sorted(enabled)}, want {sorted(want)}")
    for key, settings in want.items():
        have = entries.get(key, (0, {}))[1]
        for k, value in settings.items():
            if have.get(k) != value:
                problems.append(f"{key}: {k} is {have.get(k)!r}, want {value!r}")
    exclusions = entries.get(("", "Any"), (0, {}))[1]
    for key, flag in EXCLUDE_NAME.items():
        setting = f"Exclude {flag}"
        if setting in exclusions and exclusions[setting] != ("0" if key in want else "1"):
            problems.append(f"{setting}: {exclusions[setting]} (enabled: {key in want})")
    if entries.get(("Any", ""), (0, {}))[0] != 0:
        problems.append("Any Platform is on")
    platforms = ", ".join(" ".join([f"{g}: {t}", s.get("OS", ""), s.get("CPU", "")]).replace("  ", " ").strip() for (g, t), s in want.items())
    check(not problems, f"{where} {name}.meta: enabled for exactly {platforms}", "\n".join(problems))


def inspect_upm() -> None:
    package = json.loads((UPM_SOURCE / "package.json").read_text())
    path = PACKAGES / "upm" / f"com.arrsession.client-{package['version']}.tgz"
    if not check(path.is_file(), f"upm: {path.name} exists"):
        return
    with tarfile.open(path) as t:
        members = {m.name: m for m in t.getmembers()}
        check(all(n == "package" or n.startswith("package/") for n in members), "upm: the npm-pack layout (everything under package/)")
        files = {n[len("package/"):]: t.extractfile(m).read() for n, m in members.items() if m.isfile()}  # type: ignore[union-attr]
    source = {str(p.relative_to(UPM_SOURCE)): p.read_bytes() for p in UPM_SOURCE.rglob("*") if p.is_file()}
    added = set(files) - set(source)
    check(added == set(UPM_BINARIES), "upm: the package folder plus Runtime/Plugins/Linux/x86_64/libarr_session.so and "
          "Runtime/Plugins/Windows/x86_64/arr_session.dll, nothing else", f"added {sorted(added)}")
    check(all(files.get(n) == data for n, data in source.items()), "upm: every file of bindings/csharp/com.arrsession.client, unchanged")
    for name, rid in UPM_BINARIES.items():
        if name in files:
            same_library(rid, files[name], f"upm {name}")
    dirs = {str(Path(n).parent) for n in files} - {"."}
    dirs |= {str(p) for d in list(dirs) for p in Path(d).parents if str(p) != "."}
    missing = sorted(n for n in list(files) + sorted(dirs) if not n.endswith(".meta") and f"{n}.meta" not in files)
    check(not missing, "upm: every file and folder has its .meta (Unity ignores files without one in a package)", f"{missing}")
    binaries_without_meta = [n for n in PLUGINS if f"{n}.meta" not in files]
    check(not binaries_without_meta, "upm: a .meta for every plug-in location, built here or not", f"{binaries_without_meta}")
    for name in PLUGINS:
        if f"{name}.meta" in files:
            check_meta(name, files[f"{name}.meta"].decode(), "upm")
    # Two plug-ins of one name must never be enabled for the same player and CPU (Unity refuses to build).
    seen: Dict[Tuple[str, str, str, str], str] = {}
    clashes = []
    for name, want in PLUGINS.items():
        for (group, target), settings in want.items():
            slot = (Path(name).name, f"{group}:{target}", settings.get("OS", ""), settings.get("CPU", "AnyCPU"))
            if slot in seen:
                clashes.append(f"{name} and {seen[slot]} on {slot}")
            seen[slot] = name
    check(not clashes, "upm: no two same-named plug-ins enabled for the same platform, OS and CPU", "\n".join(clashes))
    # The declarations are generated from the header into Runtime/NativeMethods.g.cs; every DllImport of the
    # package's sources, wherever it is, must use its one Library name.
    native_methods = files.get("Runtime/NativeMethods.g.cs", b"").decode()
    check(re.search(r'#if UNITY_IOS && !UNITY_EDITOR\s+(//[^\n]*\s+)*internal const string Library = "__Internal";\s+'
                    r'#else\s+internal const string Library = "arr_session";\s+#endif', native_methods) is not None,
          'upm: DllImport goes to "__Internal" under UNITY_IOS && !UNITY_EDITOR (the static .a), "arr_session" elsewhere')
    sources = "\n".join(data.decode("utf-8", "replace") for name, data in files.items() if name.endswith(".cs"))
    declarations = re.findall(r"\[DllImport\(([^,)]+)", sources)
    check(bool(declarations) and set(declarations) == {"Library"}, f"upm: all {len(declarations)} DllImports use that one name")


def main() -> int:
    v = version()
    missing = [rid for rid in RIDS if not (NATIVE / rid / LIBRARY[rid]).is_file()]
    if missing:
        print(f"FAIL target/native has {', '.join(missing)} (run scripts/native.sh, then scripts/package.sh)")
        print("0 passed, 1 failed")
        return 1
    inspect_c_archives(v)
    inspect_nuget(v)
    inspect_wheels(v)
    inspect_upm()
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 and passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
