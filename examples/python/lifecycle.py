"""A session's whole life with the blocking client: start, wait for Ready, extend, list, stop.

    python3 lifecycle.py --endpoint http://127.0.0.1:PORT          # against arr-emulator (dev account)
    python3 lifecycle.py --endpoint westus2 --account-domain westus2 --account-id ID --account-key KEY

Arguments fall back to ARR_ENDPOINT, ARR_STS_ENDPOINT, ARR_ACCOUNT_DOMAIN, ARR_ACCOUNT_ID, ARR_ACCOUNT_KEY.
The session is stopped in a `finally`: sessions are billed until stopped, and nothing stops them for you.
"""

from __future__ import annotations

import argparse
import logging
import os

from arr_session import AzureKeyCredential, HttpResponseError, RemoteRenderingClient, RenderingSessionSize

DEV_ID = "11111111-1111-1111-1111-111111111111"
DEV_KEY = "YXJyLWVtdWxhdG9yLWRldmVsb3BtZW50LWtleQ=="


def parse_args() -> argparse.Namespace:
    env = os.environ.get
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoint", default=env("ARR_ENDPOINT"), required=not env("ARR_ENDPOINT"))
    parser.add_argument("--sts-endpoint", default=env("ARR_STS_ENDPOINT"))
    parser.add_argument("--account-domain", default=env("ARR_ACCOUNT_DOMAIN"))
    parser.add_argument("--account-id", default=env("ARR_ACCOUNT_ID", DEV_ID))
    parser.add_argument("--account-key", default=env("ARR_ACCOUNT_KEY", DEV_KEY))
    parser.add_argument("--api-version", default="2021-01-01", choices=["2021-01-01", "v1"])
    parser.add_argument("--verbose", action="store_true", help="show the library's request log")
    return parser.parse_args()


def main() -> int:
    args = parse_args()
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(name)s: %(message)s")
    sts = args.sts_endpoint or (args.endpoint if args.endpoint.startswith("http") else None)
    with RemoteRenderingClient(
        args.endpoint,
        args.account_id,
        args.account_domain,
        AzureKeyCredential(args.account_key),
        api_version=args.api_version,
        **({"authentication_endpoint_url": sts} if sts else {}),
    ) as client:
        # session_id None: the library picks one (the legacy v1 API only works that way)
        poller = client.begin_rendering_session(None, RenderingSessionSize.STANDARD, 10)
        print(f"created {poller.session_id} ({poller.status()})")
        try:
            session = poller.result(timeout=600)
            print(f"ready: {session.host}:{session.handshake_port} ({session.size}, {session.teraflops} TFLOPS)")
            session = client.extend_rendering_session(session.id, 5)
            print(f"lease now {session.lease_time_minutes} min")
            live = [s.id for s in client.list_rendering_sessions()]
            print(f"live sessions: {len(live)} (ours listed: {session.id in live})")
        except HttpResponseError as error:
            print(f"failed: {error}")
            return 1
        finally:
            client.stop_rendering_session(poller.session_id)
            print(f"stopped {poller.session_id} ({client.get_rendering_session(poller.session_id).status})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
