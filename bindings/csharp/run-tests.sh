#!/usr/bin/env bash
# Builds the C# package with Debian's mcs and runs its test runner under mono.
#   bash bindings/csharp/run-tests.sh [name-filter]
# Needs: apt-get install -y mono-mcs mono-runtime   (System.dll, System.Core.dll, System.Xml.dll come with them)
#        and zip (or python3) for the NuGet package that NuGetTests checks
# Uses $ARR_SESSION_LIBRARY_DIR (default target/debug) for libarr_session.so and $ARR_EMULATOR
# (default target/debug/arr-emulator); build them first with `cargo build -p arr-session-ffi -p arr-emulator`.
# Builds examples/storage_fixture (or uses $ARR_STORAGE_FIXTURE) for the real-storage conversion test, which
# needs Azurite under target/azurite (npm install --prefix target/azurite azurite@3.37.0).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
lib_dir="${ARR_SESSION_LIBRARY_DIR:-$root/target/debug}"
export ARR_EMULATOR="${ARR_EMULATOR:-$root/target/debug/arr-emulator}"
# Each run builds into a directory of its own (removed at the end) unless $ARR_CSHARP_OUT names one, so that
# runs side by side (several engineers, or CI jobs, on one checkout) never overwrite each other's assemblies
# or log.
if [ -n "${ARR_CSHARP_OUT:-}" ]; then
    out="$ARR_CSHARP_OUT"
else
    mkdir -p "$here/.build"
    out="$(mktemp -d "$here/.build/run.XXXXXX")"
    trap 'rm -rf "$out"' EXIT
fi

for f in "$lib_dir/libarr_session.so" "$ARR_EMULATOR"; do
    [ -e "$f" ] || { echo "missing $f (run: cargo build -p arr-session-ffi -p arr-emulator)" >&2; exit 2; }
done
mkdir -p "$out"

# examples/storage_fixture (Azurite with a model uploaded + an emulator linked to it) for
# ConversionTests.A_model_in_Azurite_is_converted_and_its_asset_written_to_the_output_container. Built here
# unless $ARR_STORAGE_FIXTURE names one; a failed build is reported and that test then fails saying so.
# Azurite itself: npm install --prefix target/azurite azurite@3.37.0 (scripts/test.sh does it).
if [ -z "${ARR_STORAGE_FIXTURE:-}" ]; then
    export ARR_STORAGE_FIXTURE="$root/target/debug/examples/storage_fixture"
    if ! (cd "$root" && cargo build -q --example storage_fixture); then
        echo "run-tests.sh: could not build examples/storage_fixture; the Azurite conversion test will fail" >&2
        export ARR_STORAGE_FIXTURE_BUILD_FAILED=1     # the test then fails saying so (no stale binary used)
    fi
fi
[ -x "$ARR_STORAGE_FIXTURE" ] || echo "run-tests.sh: missing $ARR_STORAGE_FIXTURE: the real-storage conversion test will fail" >&2

runtime="$here/com.arrsession.client/Runtime"
# The package's core assembly alone, warnings as errors (the Unity-only part in Runtime/Unity is excluded).
mcs -nologo -target:library -warn:4 -warnaserror+ -r:System.dll -r:System.Core.dll \
    -out:"$out/ArrSession.Runtime.dll" "$runtime"/*.cs
# The Unity-only parts (runtime and editor), against stand-ins for UnityEngine/UnityEditor (catches syntax
# and API-shape slips).
mcs -nologo -target:library -warn:4 -warnaserror+ -nowarn:67 -define:UNITY_2019_4_OR_NEWER -define:UNITY_EDITOR \
    -r:System.dll -r:"$out/ArrSession.Runtime.dll" -out:"$out/ArrSession.Unity.Check.dll" \
    "$runtime"/Unity/*.cs "$here"/com.arrsession.client/Editor/*.cs "$here"/tests/unity-stubs/*.cs
# The runner, compiled against that assembly (InternalsVisibleTo gives it the JSON reader).
mcs -nologo -target:exe -warn:4 -warnaserror+ -r:System.dll -r:System.Core.dll -r:System.Xml.dll -r:"$out/ArrSession.Runtime.dll" \
    -out:"$out/ArrSession.Tests.exe" "$here"/tests/*.cs
# The examples, built the same way; ExampleTests runs them against an emulator.
for example in SessionLifecycle AzureSdkReadmeSample AzureSdkConversionSample; do
    mcs -nologo -target:exe -warn:4 -warnaserror+ -r:System.dll -r:System.Core.dll -r:"$out/ArrSession.Runtime.dll" \
        -out:"$out/$example.exe" "$root/examples/csharp/$example.cs"
done

# The NuGet package, from the same library (NuGetTests checks its layout and loads it).
export ARR_CSHARP_NUPKG="$(bash "$here/tools/pack-nuget.sh" --out "$out/nuget" --native "linux-x64=$lib_dir/libarr_session.so" | tail -n 1)"

# DllImport("arr_session") resolves to libarr_session.so through the loader path.
export LD_LIBRARY_PATH="$lib_dir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export ARR_CSHARP_PACKAGE_DIR="$here/com.arrsession.client"
export ARR_CSHARP_EXAMPLE_EXE="$out/SessionLifecycle.exe"
export ARR_CSHARP_SAMPLE_EXE="$out/AzureSdkReadmeSample.exe"
export ARR_CSHARP_CONVERSION_SAMPLE_EXE="$out/AzureSdkConversionSample.exe"
export ARR_CSHARP_UNITY_CHECK_DLL="$out/ArrSession.Unity.Check.dll"
log="$out/test-output.txt"
set +e
mono --debug "$out/ArrSession.Tests.exe" "$@" | tee "$log"
status=${PIPESTATUS[0]}
set -e
summary="$(tail -n 1 "$log")"
if ! [[ "$summary" =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]] || [ "$((BASH_REMATCH[1] + BASH_REMATCH[2]))" -eq 0 ]; then
    echo "the runner collected no tests or printed no summary" >&2
    exit 1
fi
exit "$status"
