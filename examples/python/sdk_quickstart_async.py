"""Microsoft's azure-mixedreality-remoterendering async sample, run on arr-session (see sdk_quickstart.py).

Only the import of the SDK changed:

    from azure.mixedreality.remoterendering.aio import ...   ->   from arr_session.aio import ...
"""

import asyncio
import os
import uuid

try:
    from azure.core.credentials import AzureKeyCredential
    from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
except ImportError:  # without azure-core installed, arr_session exports look-alikes
    from arr_session import AzureKeyCredential, HttpResponseError, ResourceNotFoundError

from arr_session import RenderingSessionSize
from arr_session.aio import RemoteRenderingClient

service_endpoint = os.environ["REMOTERENDERING_ARR_SERVICE_ENDPOINT"]
account_id = os.environ["REMOTERENDERING_ARR_ACCOUNT_ID"]
account_domain = os.environ["REMOTERENDERING_ARR_ACCOUNT_DOMAIN"]
account_key = os.environ["REMOTERENDERING_ARR_ACCOUNT_KEY"]
sts_endpoint = os.environ.get("REMOTERENDERING_ARR_STS_ENDPOINT")

key_credential = AzureKeyCredential(account_key)
options = {"authentication_endpoint_url": sts_endpoint} if sts_endpoint else {}

client = RemoteRenderingClient(
    endpoint=service_endpoint,
    account_id=account_id,
    account_domain=account_domain,
    credential=key_credential,
    polling_interval=1,
    **options,
)


async def demonstrate_rendering_session_lifecycle():
    session_id = str(uuid.uuid4())
    print("starting rendering session with id:", session_id)
    session_poller = await client.begin_rendering_session(
        session_id=session_id, size=RenderingSessionSize.STANDARD, lease_time_minutes=5)
    session = await session_poller.result()
    print("session with id:", session.id, "is ready. lease_time_minutes:", session.lease_time_minutes)

    token = session_poller.continuation_token()
    token_poller = await client.get_rendering_session_poller(continuation_token=token)
    session = await token_poller.result()

    session = await client.get_rendering_session(session_id)
    session = await client.update_rendering_session(session_id=session_id, lease_time_minutes=session.lease_time_minutes + 10)
    print("session with id:", session.id, "updated. New lease time:", session.lease_time_minutes, "minutes")

    await list_all_rendering_sessions()
    await client.stop_rendering_session(session_id)
    print("session with id:", session_id, "stopped")
    return session_id


async def list_all_rendering_sessions():
    print("sessions:")
    rendering_sessions = await client.list_rendering_sessions()
    async for session in rendering_sessions:
        print("\t session:  id:", session.id, "status:", session.status,
              "created on:", session.created_on.strftime("%m/%d/%Y, %H:%M:%S"))


async def demonstrate_errors(stopped_id):
    try:
        await client.get_rendering_session("this-session-does-not-exist")
    except ResourceNotFoundError as error:
        print("not found, as expected:", error.status_code)
    try:
        await client.update_rendering_session(session_id=stopped_id, lease_time_minutes=1)
    except HttpResponseError as error:
        print("refused, as expected:", type(error).__name__, error.status_code)


async def main():
    async with client:
        stopped = await demonstrate_rendering_session_lifecycle()
        await demonstrate_errors(stopped)
    print("done")


if __name__ == "__main__":
    asyncio.run(main())
