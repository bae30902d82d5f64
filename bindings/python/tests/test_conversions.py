"""Asset conversions with Microsoft's names (begin_asset_conversion, get_asset_conversion_poller,
get_asset_conversion, list_asset_conversions), sync and asyncio, against the emulator's simulated storage
(`--storage none`: an input path containing "missing" fails with InputContainerError)."""

from __future__ import annotations

import asyncio
import logging
from typing import Iterator

import pytest
from conftest import Emulator, new_id

import arr_session
from arr_session import (
    AssetConversion,
    AssetConversionFailedError,
    AssetConversionInputSettings,
    AssetConversionOutputSettings,
    AssetConversionPoller,
    AssetConversionStatus,
    HttpResponseError,
    RemoteRenderingClient,
    ResourceNotFoundError,
)
from arr_session.aio import AsyncAssetConversionPoller
from arr_session.aio import RemoteRenderingClient as AsyncRemoteRenderingClient

READ_SAS = "?sv=2020-08-04&sr=c&sp=rl&sig=READ-SECRET-abc"
WRITE_SAS = "?sv=2020-08-04&sr=c&sp=rwl&sig=WRITE-SECRET-xyz"


@pytest.fixture(scope="module")
def conversions_emulator() -> Iterator[Emulator]:
    """Conversions take 5 s NotStarted and 60 s Running, emulated: at 600x about a tenth of a second."""
    instance = Emulator("--start-delay", "0s", "--time-scale", "600")
    yield instance
    instance.stop()


def settings(path: str = "car.glb"):  # type: ignore[no-untyped-def]
    inputs = AssetConversionInputSettings(
        storage_container_uri="https://contoso.blob.core.windows.net/models",
        relative_input_asset_path=path,
        blob_prefix="vehicles/",
        storage_container_read_list_sas=READ_SAS,
    )
    outputs = AssetConversionOutputSettings(
        storage_container_uri="https://contoso.blob.core.windows.net/assets",
        blob_prefix="converted/",
        storage_container_write_sas=WRITE_SAS,
    )
    return inputs, outputs


def no_secret(*texts: object) -> None:
    for text in texts:
        assert "SECRET" not in str(text), text


def test_begin_result_get_list_and_token(conversions_emulator: Emulator) -> None:
    conversion_id = new_id()
    inputs, outputs = settings()
    with RemoteRenderingClient(**conversions_emulator.kwargs(polling_interval=0.05)) as client:
        poller = client.begin_asset_conversion(conversion_id=conversion_id, input_settings=inputs, output_settings=outputs)
        assert isinstance(poller, AssetConversionPoller)
        assert poller.status() in (AssetConversionStatus.NOT_STARTED, AssetConversionStatus.RUNNING)
        conversion = poller.result(timeout=30)
        assert poller.done() and poller.status() == AssetConversionStatus.SUCCEEDED == "Succeeded"
        assert isinstance(conversion, AssetConversion) and conversion.id == conversion_id
        assert conversion.error is None and conversion.is_final
        assert conversion.output is not None and conversion.output.asset_uri is not None
        assert conversion.output.asset_uri.startswith("https://contoso.blob.core.windows.net/assets/converted/")
        assert conversion.output.asset_uri.endswith("car.arrAsset")
        assert conversion.created_on is not None and conversion.created_on.tzinfo is not None
        assert conversion.settings.input_settings.relative_input_asset_path == "car.glb"
        assert conversion.settings.input_settings.storage_container_read_list_sas is None  # never sent back
        assert conversion.settings.output_settings.output_asset_filename == "car.arrAsset"

        got = client.get_asset_conversion(conversion_id)
        assert got.status == "Succeeded" and got.output == conversion.output

        pager = client.list_asset_conversions()
        listed = {c.id: c for c in pager}
        assert listed[conversion_id].status == AssetConversionStatus.SUCCEEDED
        pages = list(client.list_asset_conversions().by_page())
        assert len(pages) == 1 and conversion_id in {c.id for c in pages[0]}

        token = poller.continuation_token()
        again = client.get_asset_conversion_poller(continuation_token=token)
        assert again.continuation_token() == token and again.result(timeout=30).output == conversion.output
        by_id = client.get_asset_conversion_poller(conversion_id=conversion_id)
        assert by_id.result(timeout=30).status == "Succeeded"
        with pytest.raises(ValueError):
            client.get_asset_conversion_poller()
        with pytest.raises(ValueError):
            client.get_asset_conversion_poller(conversion_id=conversion_id, continuation_token=token)
        with pytest.raises(ValueError):
            client.get_asset_conversion_poller(continuation_token="not a token")


def check_failed(failure: AssetConversionFailedError, conversion_id: str) -> None:
    """What Microsoft's poller raises for a Failed conversion: an HttpResponseError with the service's error."""
    assert isinstance(failure, HttpResponseError)
    assert failure.error is not None and failure.error.code == "InputContainerError"
    assert failure.error.message and "Could not find the asset file in the storage account" in failure.error.message
    assert failure.message == failure.error.message
    conversion = failure.conversion
    assert conversion.id == conversion_id and conversion.status == AssetConversionStatus.FAILED
    assert conversion.output is None and conversion.error == failure.error
    assert failure.status_code == 200 and failure.ms_cv  # the answer that showed it Failed


def test_a_failed_conversion_raises_with_its_error(conversions_emulator: Emulator) -> None:
    inputs, outputs = settings("missing/car.glb")
    conversion_id = new_id()
    with RemoteRenderingClient(**conversions_emulator.kwargs(polling_interval=0.05)) as client:
        poller = client.begin_asset_conversion(conversion_id, inputs, outputs)
        with pytest.raises(AssetConversionFailedError) as failed:
            poller.result(timeout=30)
        check_failed(failed.value, conversion_id)
        assert poller.status() == "Failed" and poller.conversion.status == AssetConversionStatus.FAILED
        with pytest.raises(ResourceNotFoundError):
            client.get_asset_conversion(new_id())


def test_status_keeps_unknown_values() -> None:
    assert AssetConversionStatus.parse("Succeeded") is AssetConversionStatus.SUCCEEDED
    assert AssetConversionStatus.parse("Paused") == "Paused" and not isinstance(AssetConversionStatus.parse("Paused"), AssetConversionStatus)
    conversion = AssetConversion.from_dict({"id": "x", "status": "Paused", "settings": {}})
    assert conversion.status == "Paused" and not conversion.is_final


def test_sas_never_shown(conversions_emulator: Emulator, caplog: pytest.LogCaptureFixture) -> None:
    inputs, outputs = settings()
    no_secret(repr(inputs), str(inputs), repr(outputs), str(outputs))
    assert inputs.storage_container_read_list_sas == READ_SAS  # still there for the request
    caplog.set_level(arr_session._callbacks.TRACE, logger="arr_session")
    arr_session.refresh_log_level()
    try:
        with RemoteRenderingClient(**conversions_emulator.kwargs(polling_interval=0.05)) as client:
            poller = client.begin_asset_conversion(new_id(), inputs, outputs)
            conversion = poller.result(timeout=30)
            listed = list(client.list_asset_conversions())
            no_secret(repr(poller), repr(conversion), str(conversion), conversion.to_dict(), repr(listed))
    finally:
        caplog.set_level(logging.WARNING, logger="arr_session")
        arr_session.refresh_log_level()
    assert caplog.records, "the library logged nothing at TRACE"
    no_secret(*(record.getMessage() for record in caplog.records))


def test_bad_arguments_raise_before_any_request(conversions_emulator: Emulator) -> None:
    inputs, outputs = settings()
    with RemoteRenderingClient(**conversions_emulator.kwargs()) as client:
        with pytest.raises(TypeError):
            client.begin_asset_conversion(new_id(), {"storageContainerUri": "x"}, outputs)  # type: ignore[arg-type]
        with pytest.raises(TypeError):
            client.begin_asset_conversion(123, inputs, outputs)  # type: ignore[arg-type]


def test_async_conversions(conversions_emulator: Emulator) -> None:
    async def main() -> None:
        inputs, outputs = settings()
        async with AsyncRemoteRenderingClient(**conversions_emulator.kwargs(polling_interval=0.05)) as client:
            conversion_id = new_id()
            poller = await client.begin_asset_conversion(conversion_id, inputs, outputs)
            assert isinstance(poller, AsyncAssetConversionPoller)
            conversion = await poller.result(timeout=30)
            assert poller.done() and conversion.status == AssetConversionStatus.SUCCEEDED
            assert conversion.output is not None and conversion.output.asset_uri
            assert (await client.get_asset_conversion(conversion_id)).output == conversion.output
            assert conversion_id in {c.id async for c in client.list_asset_conversions()}
            pager = await client.list_asset_conversions()
            assert conversion_id in {c.id async for c in pager}
            again = await client.get_asset_conversion_poller(continuation_token=poller.continuation_token())
            assert (await again).status == "Succeeded"

            failing_inputs, _ = settings("models/missing.fbx")
            failing_id = new_id()
            failing = await client.begin_asset_conversion(failing_id, failing_inputs, outputs)
            with pytest.raises(AssetConversionFailedError) as failed:
                await failing.result(timeout=30)
            check_failed(failed.value, failing_id)
            assert failing.conversion.status == AssetConversionStatus.FAILED
            with pytest.raises(ResourceNotFoundError):
                await client.get_asset_conversion(new_id())

    asyncio.run(main())


def test_cancelled_conversion_and_cancelled_wait(make_emulator) -> None:  # type: ignore[no-untyped-def]
    slow = make_emulator("--start-delay", "0s")  # conversions take over a minute here
    inputs, outputs = settings()
    with RemoteRenderingClient(**slow.kwargs(polling_interval=0.05)) as client:
        poller = client.begin_asset_conversion(new_id(), inputs, outputs)
        seen = []
        poller.add_done_callback(seen.append)
        slow._request("POST", f"/_emulator/conversions/{poller.conversion_id}/cancel", {})
        conversion = poller.result(timeout=30)
        assert conversion.status == AssetConversionStatus.CANCELLED and conversion.error is None
        assert seen == [poller]

        waiting = client.begin_asset_conversion(new_id(), inputs, outputs)
        with pytest.raises(TimeoutError):
            waiting.result(timeout=0.1)  # still waiting afterwards
        assert waiting.cancel() is True
        with pytest.raises(arr_session.ArrCancelledError):
            waiting.result(timeout=30)
        assert client.get_asset_conversion(waiting.conversion_id).status in ("NotStarted", "Running")
