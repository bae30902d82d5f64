"""Convert a model, then render it: Microsoft's azure-mixedreality-remoterendering sample flow, on arr-session.

Written the way the SDK's remote_rendering_client_sample.py is (one client; convert an asset and wait for it;
print the asset URI; start a rendering session and wait for it; stop it), with only the import of the SDK
changed (``from azure.mixedreality.remoterendering import`` -> ``from arr_session import``).

The account and the storage come from one JSON line, as printed by ``cargo run --example storage_fixture``
(an arr-emulator linked to Azurite, with a model uploaded):

    {"config": {"endpoint", "stsEndpoint", "accountId", "accountKey", ...},
     "settings": {"inputLocation": {...}, "outputLocation": {...}}}

given as the first argument, or on stdin (the first line). ``--async`` runs the same flow with
``arr_session.aio``.

    python examples/python/conversion.py "$(line printed by storage_fixture)"
    python examples/python/conversion.py --async < fixture.json
"""

import asyncio
import json
import sys
import uuid

try:
    from azure.core.credentials import AzureKeyCredential
except ImportError:  # without azure-core installed, arr_session exports a look-alike
    from arr_session import AzureKeyCredential

from arr_session import (
    AssetConversionInputSettings,
    AssetConversionOutputSettings,
    AssetConversionStatus,
    RemoteRenderingClient,
    RenderingSessionSize,
)
from arr_session.aio import RemoteRenderingClient as AsyncRemoteRenderingClient

arguments = [a for a in sys.argv[1:] if a != "--async"]
use_async = "--async" in sys.argv[1:]
fixture = json.loads(arguments[0] if arguments else sys.stdin.readline())
config = fixture["config"]
location_in = fixture["settings"]["inputLocation"]
location_out = fixture["settings"]["outputLocation"]

arr_endpoint = config["endpoint"]
account_id = config["accountId"]
account_domain = config.get("accountDomain", "mixedreality.azure.com")
key_credential = AzureKeyCredential(config["accountKey"])
# The emulator serves the STS too; against Azure this is https://sts.<account_domain> and can be left out.
options = {"authentication_endpoint_url": config.get("stsEndpoint")} if config.get("stsEndpoint") else {}
polling_interval = config.get("pollIntervalMs", 5000) / 1000  # the SDK's default is 5 s

# In order to convert a model the input model needs to be retrieved from blob storage and the result of the
# conversion process will be written back to blob storage. The SAS values may be left out when the storage
# account is linked to the Remote Rendering account.
input_settings = AssetConversionInputSettings(
    storage_container_uri=location_in["storageContainerUri"],
    blob_prefix=location_in.get("blobPrefix"),  # only these blobs are downloaded for the conversion
    relative_input_asset_path=location_in["relativeInputAssetPath"],
    storage_container_read_list_sas=location_in.get("storageContainerReadListSas"),
)
output_settings = AssetConversionOutputSettings(
    storage_container_uri=location_out["storageContainerUri"],
    blob_prefix=location_out.get("blobPrefix"),
    # output_asset_filename="car.arrAsset"  # if not specified the output will be "<inputfile>.arrAsset"
    storage_container_write_sas=location_out.get("storageContainerWriteSas"),
)


def perform_asset_conversion(client):
    # a UUID is a good conversion ID - unique on an account
    conversion_id = str(uuid.uuid4())
    conversion_poller = client.begin_asset_conversion(
        conversion_id=conversion_id, input_settings=input_settings, output_settings=output_settings
    )
    print("conversion with id:", conversion_id, "created. Waiting for completion.")
    conversion = conversion_poller.result()
    print("conversion with id:", conversion_id, "finished with result:", conversion.status)
    if conversion.status != AssetConversionStatus.SUCCEEDED:
        raise SystemExit(f"the conversion did not succeed: {conversion.error}")
    print("asset uri:", conversion.output.asset_uri)

    # we can also get the status of an individual asset conversion like this:
    conversion = client.get_asset_conversion(conversion_id)
    print("individual conversion retrieved with id:", conversion.id, "status:", conversion.status)
    return conversion.output.asset_uri


def demonstrate_rendering_session_lifecycle(client):
    session_id = str(uuid.uuid4())
    print("starting rendering session with id:", session_id)
    session_poller = client.begin_rendering_session(
        session_id=session_id, size=RenderingSessionSize.STANDARD, lease_time_minutes=5
    )
    try:
        session = session_poller.result()
        print("session with id:", session.id, "is ready. host:", session.host)
        # a runtime SDK would now connect to session.host and load the asset URI printed above
    finally:
        # once we do not need the session anymore we stop it (nothing stops it for you)
        client.stop_rendering_session(session_id)
        print("session with id:", session_id, "stopped")


async def perform_asset_conversion_async(client):
    conversion_id = str(uuid.uuid4())
    conversion_poller = await client.begin_asset_conversion(
        conversion_id=conversion_id, input_settings=input_settings, output_settings=output_settings
    )
    print("conversion with id:", conversion_id, "created. Waiting for completion.")
    conversion = await conversion_poller.result()
    print("conversion with id:", conversion_id, "finished with result:", conversion.status)
    if conversion.status != AssetConversionStatus.SUCCEEDED:
        raise SystemExit(f"the conversion did not succeed: {conversion.error}")
    print("asset uri:", conversion.output.asset_uri)
    return conversion.output.asset_uri


async def demonstrate_rendering_session_lifecycle_async(client):
    session_id = str(uuid.uuid4())
    print("starting rendering session with id:", session_id)
    session_poller = await client.begin_rendering_session(
        session_id=session_id, size=RenderingSessionSize.STANDARD, lease_time_minutes=5
    )
    try:
        session = await session_poller.result()
        print("session with id:", session.id, "is ready. host:", session.host)
    finally:
        await client.stop_rendering_session(session_id)
        print("session with id:", session_id, "stopped")


async def main_async():
    client = AsyncRemoteRenderingClient(
        endpoint=arr_endpoint, account_id=account_id, account_domain=account_domain,
        credential=key_credential, polling_interval=polling_interval, **options,
    )
    async with client:
        await perform_asset_conversion_async(client)
        await demonstrate_rendering_session_lifecycle_async(client)


def main():
    client = RemoteRenderingClient(
        endpoint=arr_endpoint, account_id=account_id, account_domain=account_domain,
        credential=key_credential, polling_interval=polling_interval, **options,
    )
    with client:
        perform_asset_conversion(client)
        demonstrate_rendering_session_lifecycle(client)


if __name__ == "__main__":
    if use_async:
        asyncio.run(main_async())
    else:
        main()
