#!/usr/bin/env bash
# Builds the NuGet package for plain .NET: ArrSession.Client.<version>.nupkg with
#   lib/netstandard2.0/ArrSession.Runtime.dll (+ .xml docs)   the binding (Runtime/*.cs, no Unity part)
#   runtimes/<rid>/native/<library>                         the native library per platform
#   ArrSession.Client.nuspec, README.md, [Content_Types].xml, _rels/.rels
# A .nupkg is a zip with that layout; this needs only mcs (mono-mcs) and zip (or python3), all from Debian.
#
#   bash bindings/csharp/tools/pack-nuget.sh [--out DIR] [--native RID=PATH]...
#
# Without --native it packs linux-x64 from $ARR_SESSION_LIBRARY_DIR (default target/release; build it with
# `cargo build --release -p arr-session-ffi`). Add other platforms as e.g.
#   --native win-x64=target/x86_64-pc-windows-msvc/release/arr_session.dll
#   --native osx-arm64=target/aarch64-apple-darwin/release/libarr_session.dylib
# The nuspec's repository URL is $ARR_NUGET_REPOSITORY_URL, else the git remote "origin" (left out if neither).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
root="$(cd "$here/../.." && pwd)"
pkg="$here/com.arrsession.client"
out="$root/target/nuget"
natives=()
while [ $# -gt 0 ]; do
    case "$1" in
        --out) out="$2"; shift 2 ;;
        --native) natives+=("$2"); shift 2 ;;
        *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
done
if [ ${#natives[@]} -eq 0 ]; then
    natives=("linux-x64=${ARR_SESSION_LIBRARY_DIR:-$root/target/release}/libarr_session.so")
fi

id="ArrSession.Client"
version="$(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$pkg/package.json" | head -n 1)"
[ -n "$version" ] || { echo "no version in $pkg/package.json" >&2; exit 1; }
commit="$(git -C "$root" rev-parse HEAD 2>/dev/null || true)"
repo_url="${ARR_NUGET_REPOSITORY_URL:-$(git -C "$root" remote get-url origin 2>/dev/null || true)}"

stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/lib/netstandard2.0" "$out"

# The assembly: .NET Standard 2.0 APIs only (run-tests.sh builds the same sources with warnings as errors).
cat > "$stage/AssemblyVersion.cs" <<CS
[assembly: System.Reflection.AssemblyVersion("${version%%-*}.0")]
[assembly: System.Reflection.AssemblyInformationalVersion("$version")]
[assembly: System.Reflection.AssemblyProduct("arr-session")]
CS
mcs -nologo -target:library -optimize+ -warn:4 -nowarn:1591,1573,1574,1584,1580,1581 -r:System.dll -r:System.Core.dll \
    -doc:"$stage/lib/netstandard2.0/ArrSession.Runtime.xml" \
    -out:"$stage/lib/netstandard2.0/ArrSession.Runtime.dll" "$pkg"/Runtime/*.cs "$stage/AssemblyVersion.cs"
rm "$stage/AssemblyVersion.cs"

for native in "${natives[@]}"; do
    rid="${native%%=*}"
    file="${native#*=}"
    [ -f "$file" ] || { echo "missing native library $file (for $rid)" >&2; exit 1; }
    mkdir -p "$stage/runtimes/$rid/native"
    cp "$file" "$stage/runtimes/$rid/native/"
done

cp "$pkg/README.md" "$stage/README.md"

repository="<repository type=\"git\""
[ -n "$repo_url" ] && repository+=" url=\"$repo_url\""
[ -n "$commit" ] && repository+=" commit=\"$commit\""
repository+=" />"

cat > "$stage/$id.nuspec" <<XML
<?xml version="1.0" encoding="utf-8"?>
<package xmlns="http://schemas.microsoft.com/packaging/2013/05/nuspec.xsd">
  <metadata minClientVersion="5.3">
    <id>$id</id>
    <version>$version</version>
    <title>ARR Session Client</title>
    <authors>arr-session contributors</authors>
    <description>Azure Remote Rendering session management (start, wait, renew, stop) over the native arr-session library, shaped like Microsoft's Azure.MixedReality.RemoteRendering: RemoteRenderingClient, StartRenderingSessionOperation, Response&lt;T&gt;, RequestFailedException. Every call cancellable; no dependencies.</description>
    <license type="expression">MIT</license>
    <readme>README.md</readme>
    $repository
    <tags>azure remote-rendering arr mixed-reality unity</tags>
    <dependencies>
      <group targetFramework=".NETStandard2.0" />
    </dependencies>
  </metadata>
</package>
XML

cat > "$stage/[Content_Types].xml" <<'XML'
<?xml version="1.0" encoding="utf-8"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
  <Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml" />
  <Default Extension="nuspec" ContentType="application/octet" />
  <Default Extension="dll" ContentType="application/octet" />
  <Default Extension="xml" ContentType="application/octet" />
  <Default Extension="md" ContentType="application/octet" />
  <Default Extension="so" ContentType="application/octet" />
  <Default Extension="dylib" ContentType="application/octet" />
  <Default Extension="a" ContentType="application/octet" />
</Types>
XML
mkdir -p "$stage/_rels"
cat > "$stage/_rels/.rels" <<XML
<?xml version="1.0" encoding="utf-8"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
  <Relationship Type="http://schemas.microsoft.com/packaging/2010/07/manifest" Target="/$id.nuspec" Id="R0" />
</Relationships>
XML

nupkg="$out/$id.$version.nupkg"
rm -f "$nupkg"
if command -v zip >/dev/null; then
    (cd "$stage" && zip -q -X -D -r "$nupkg" .)
else
    (cd "$stage" && python3 -c 'import os, sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:
    for d, _, files in os.walk("."):
        for f in sorted(files):
            p = os.path.join(d, f)[2:]
            z.write(p, p)' "$nupkg")
fi
echo "$nupkg"
