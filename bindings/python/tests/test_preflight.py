"""Conversions that fail early and explain themselves, from Python: settings checked locally, SAS tokens
signed, the input linted, and a conversion the emulator fails read back with its result file's error code
and title (sync and asyncio), against the storage fixture (an arr-emulator linked to Azurite)."""

from __future__ import annotations

import asyncio
import json
from typing import Any, Dict, List

import pytest
from test_conversion_example import storage_fixture  # noqa: F401 - the fixture, shared with the example's test

import arr_session
from arr_session import AssetConversionInputSettings, AssetConversionOutputSettings, AssetConversionStatus

# Azurite's published development key (not a secret).
AZURITE_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="


def test_settings_are_checked_locally_naming_file_pointer_and_rule() -> None:
    findings = arr_session.check_conversion_settings(
        "box.ConversionSettings.json", '{"axis": ["Default", "+z", "-y"]}', input_asset="box.fbx"
    )
    assert [(f.severity, f.rule, f.path, f.file) for f in findings] == [
        ("error", "enum", "/axis/0", "box.ConversionSettings.json")
    ]
    assert 'write "default"' in findings[0].message
    assert str(findings[0]).startswith("error   box.ConversionSettings.json /axis/0 [enum]: ")
    assert arr_session.check_conversion_settings("box.ConversionSettings.json", '{"scaling": 0.01}') == []
    overrides = arr_session.check_conversion_settings("box.MaterialOverrides.json", '[{"unlit": true}]')
    assert [(f.rule, f.path) for f in overrides] == [("required", "/0")]
    with pytest.raises(TypeError):
        arr_session.check_conversion_settings("x.json", 3)  # type: ignore[arg-type]


def test_sas_tokens_are_signed_with_least_permissions_and_keys_never_shown() -> None:
    container = "http://127.0.0.1:10000/devstoreaccount1/models"
    sas = arr_session.sign_container_sas(container, AZURITE_KEY, "input")
    assert sas.startswith("?sv=") and "&sp=rl&" in sas
    assert "&sp=rw&" in arr_session.sign_container_sas(container, AZURITE_KEY, "output")
    assert "&sp=r&" in arr_session.sign_container_sas(container, AZURITE_KEY, "output", permissions="r", valid_for=3600)
    with pytest.raises(arr_session.ArrInvalidArgumentError) as caught:
        arr_session.sign_container_sas(container, "NOT-BASE64-SECRET!", "input")
    assert "SECRET" not in str(caught.value)
    with pytest.raises(arr_session.ArrInvalidArgumentError):
        arr_session.sign_container_sas(container, AZURITE_KEY, "both")


def test_sas_lifetimes_are_checked_by_the_library() -> None:
    """The binding checks only that valid_for is a number JSON can carry; the library's refusal (whole seconds,
    1 s to 365 days) reaches the caller naming its field."""
    container = "http://127.0.0.1:10000/devstoreaccount1/models"
    assert "&se=" in arr_session.sign_container_sas(container, AZURITE_KEY, "input", valid_for=3600.0)
    for refused in (0, -5, 0.5, 365 * 86400 + 1):
        with pytest.raises(arr_session.ArrInvalidArgumentError) as caught:
            arr_session.sign_container_sas(container, AZURITE_KEY, "input", valid_for=refused)
        assert caught.value.status == "ARR_STATUS_INVALID_ARGUMENT" and caught.value.raw_error["argument"] == "validForSeconds"
        assert "from 1 to 31536000" in caught.value.message, caught.value.message
    for wrong_type in ("3600", True, None.__class__):
        with pytest.raises(TypeError, match="valid_for"):
            arr_session.sign_container_sas(container, AZURITE_KEY, "input", valid_for=wrong_type)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="valid_for"):
        arr_session.sign_container_sas(container, AZURITE_KEY, "input", valid_for=float("nan"))


def _settings(data: Dict[str, Any]) -> Any:
    i, o = data["inputLocation"], data["outputLocation"]
    return (
        AssetConversionInputSettings(
            storage_container_uri=i["storageContainerUri"],
            relative_input_asset_path=i["relativeInputAssetPath"],
            blob_prefix=i.get("blobPrefix"),
            storage_container_read_list_sas=i.get("storageContainerReadListSas"),
        ),
        AssetConversionOutputSettings(
            storage_container_uri=o["storageContainerUri"],
            blob_prefix=o.get("blobPrefix"),
            storage_container_write_sas=o.get("storageContainerWriteSas"),
        ),
    )


def test_lint_and_a_failed_conversions_result_file(storage_fixture: str) -> None:  # noqa: F811
    line = json.loads(storage_fixture)
    failing = line["failing"]
    with arr_session.RemoteRenderingClient.from_config(line["config"]) as client:
        good = client.lint_asset_conversion_input(*_settings(line["settings"]))
        assert good.listed and not good.has_errors, good.findings
        assert good.input_blob == "vehicles/car.glb" and good.blob_count >= 1
        bad = client.lint_asset_conversion_input(*_settings(failing["settings"]))
        assert bad.has_errors and bad.findings[0].rule == "input-missing"

        poller = client.begin_asset_conversion("py-preflight-failed", *_settings(failing["settings"]), timeout=120)
        with pytest.raises(arr_session.AssetConversionFailedError):
            poller.result()
        assert poller.conversion.status == AssetConversionStatus.FAILED
        seen: List[arr_session.RawResponse] = []
        conversion = client.get_asset_conversion_results(
            "py-preflight-failed", output_sas=failing["resultsOptions"]["outputSas"], raw_response_hook=seen.append
        )
        # The hook sees the service's answer to the conversion's GET, as the other conversion calls' hooks do.
        assert conversion.response is not None and conversion.response.status_code == 200 and conversion.response.ms_cv
        assert seen == [conversion.response]
        assert conversion.results is not None
        error = conversion.results.error
        assert error is not None and (error.code, error.title) == (failing["code"], failing["title"])
        assert conversion.results.outcome == "failed"
        assert "sig=" not in repr(conversion) and "sig=" not in json.dumps(conversion.to_dict())
        with pytest.raises(arr_session.ArrInvalidArgumentError) as caught:
            client.get_asset_conversion_results("py-preflight-failed")
        assert caught.value.raw_error["argument"] == "outputSas"

    async def run() -> None:
        from arr_session.aio import RemoteRenderingClient

        async with RemoteRenderingClient.from_config(line["config"]) as client:
            seen: List[arr_session.RawResponse] = []
            conversion = await client.get_asset_conversion_results(
                "py-preflight-failed", storage_account_key=AZURITE_KEY, raw_response_hook=seen.append
            )
            assert conversion.response is not None and conversion.response.status_code == 200
            assert seen == [conversion.response]
            assert conversion.results is not None and conversion.results.error is not None
            assert conversion.results.error.code == failing["code"]
            lint = await client.lint_asset_conversion_input(*_settings(failing["settings"]))
            assert lint.has_errors

    asyncio.run(run())
