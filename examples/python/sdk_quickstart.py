"""Microsoft's azure-mixedreality-remoterendering quickstart, run on arr-session.

Written the way the SDK's README and samples are: a client from endpoint, account id, account domain and an
AzureKeyCredential; begin a session and wait for it; get, update, list; stop; errors caught as azure-core's.
Only the import of the SDK changed:

    from azure.mixedreality.remoterendering import ...   ->   from arr_session import ...

Configuration, as in the SDK's samples: REMOTERENDERING_ARR_SERVICE_ENDPOINT, REMOTERENDERING_ARR_ACCOUNT_ID,
REMOTERENDERING_ARR_ACCOUNT_DOMAIN, REMOTERENDERING_ARR_ACCOUNT_KEY, and optionally
REMOTERENDERING_ARR_STS_ENDPOINT (the emulator serves both).
"""

import logging
import os
import sys
import uuid

try:
    from azure.core.credentials import AzureKeyCredential
    from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
except ImportError:  # without azure-core installed, arr_session exports look-alikes
    from arr_session import AzureKeyCredential, HttpResponseError, ResourceNotFoundError

from arr_session import RemoteRenderingClient, RenderingSessionSize, RenderingSessionStatus

logger = logging.getLogger("quickstart")
logging.basicConfig(level=logging.WARNING)

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
    logging_policy=None,  # an azure-core pipeline option: accepted
    **options,
)


def demonstrate_rendering_session_lifecycle():
    session_id = str(uuid.uuid4())
    print("starting rendering session with id:", session_id)
    session_poller = client.begin_rendering_session(
        session_id=session_id, size=RenderingSessionSize.STANDARD, lease_time_minutes=5
    )
    print("rendering session with id:", session_id, "created. Waiting for session to be ready.")
    session = session_poller.result()
    print("session with id:", session.id, "is ready. lease_time_minutes:", session.lease_time_minutes)
    assert session.status == RenderingSessionStatus.READY

    # a poller can also be acquired by a continuation token or by id
    token = session_poller.continuation_token()
    session = client.get_rendering_session_poller(continuation_token=token).result()
    session = client.get_rendering_session_poller(session_id=session_id).result()
    print("host:", session.host, "handshake port:", session.handshake_port)

    session = client.get_rendering_session(session_id)
    if session.lease_time_minutes - session.elapsed_time_minutes < 10:
        session = client.update_rendering_session(session_id=session_id, lease_time_minutes=session.lease_time_minutes + 10)
        print("session with id:", session.id, "updated. New lease time:", session.lease_time_minutes, "minutes")

    list_all_rendering_sessions()
    client.stop_rendering_session(session_id)
    print("session with id:", session_id, "stopped")
    return session_id


def list_all_rendering_sessions():
    print("sessions:")
    rendering_sessions = client.list_rendering_sessions()
    for session in rendering_sessions:
        print("\t session:  id:", session.id, "status:", session.status,
              "created on:", session.created_on.strftime("%m/%d/%Y, %H:%M:%S"))


def demonstrate_errors(stopped_id):
    try:
        client.get_rendering_session("this-session-does-not-exist")
    except ResourceNotFoundError as error:
        print("not found, as expected:", error.status_code)
    try:
        client.update_rendering_session(session_id=stopped_id, lease_time_minutes=1)
    except HttpResponseError as error:
        print("refused, as expected:", type(error).__name__, error.status_code)


if __name__ == "__main__":
    with client:
        stopped = demonstrate_rendering_session_lifecycle()
        demonstrate_errors(stopped)
    print("done")
    sys.exit(0)
