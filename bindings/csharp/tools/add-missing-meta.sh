#!/usr/bin/env bash
# Gives every file and folder of the Unity package that lacks one a .meta file with a fresh GUID.
# Run it after adding a file; commit the .meta (its GUID must never change afterwards).
#   bash bindings/csharp/tools/add-missing-meta.sh
set -euo pipefail
pkg="$(cd "$(dirname "${BASH_SOURCE[0]}")/../com.arrsession.client" && pwd)"

guid() { od -An -N16 -tx1 /dev/urandom | tr -d ' \n'; }

tail_lines='  userData: \n  assetBundleName: \n  assetBundleVariant: \n'

importer() {
    local path="$1" name
    if [ -d "$path" ]; then
        printf 'folderAsset: yes\nDefaultImporter:\n  externalObjects: {}\n'
        printf "$tail_lines"
        return
    fi
    case "$path" in
        *.cs)
            printf 'MonoImporter:\n  externalObjects: {}\n  serializedVersion: 2\n  defaultReferences: []\n'
            printf '  executionOrder: 0\n  icon: {instanceID: 0}\n'
            printf "$tail_lines"
            return ;;
        *.asmdef) name=AssemblyDefinitionImporter ;;
        */package.json) name=PackageManifestImporter ;;
        *) name=TextScriptImporter ;;
    esac
    printf '%s:\n  externalObjects: {}\n' "$name"
    printf "$tail_lines"
}

find "$pkg" -mindepth 1 ! -name '*.meta' ! -name '.*' | sort | while read -r path; do
    [ -e "$path.meta" ] && continue
    {
        printf 'fileFormatVersion: 2\nguid: %s\n' "$(guid)"
        importer "$path"
    } > "$path.meta"
    echo "created ${path#$pkg/}.meta"
done
