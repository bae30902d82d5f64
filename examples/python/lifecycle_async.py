"""The same life with the asyncio client, for several sessions at once: start N, wait, stop all.

    python3 lifecycle_async.py --endpoint http://127.0.0.1:PORT [--count 3]

Arguments fall back to the same environment variables as lifecycle.py. Ctrl-C cancels the waits (the
sessions keep running, so the `finally` still stops them).
"""

from __future__ import annotations

import argparse
import asyncio
import os

from arr_session import AzureKeyCredential, RenderingSessionSize
from arr_session.aio import RemoteRenderingClient

DEV_ID = "11111111-1111-1111-1111-111111111111"
DEV_KEY = "YXJyLWVtdWxhdG9yLWRldmVsb3BtZW50LWtleQ=="


async def run(args: argparse.Namespace) -> int:
    sts = args.sts_endpoint or (args.endpoint if args.endpoint.startswith("http") else None)
    async with RemoteRenderingClient(
        args.endpoint, args.account_id, args.account_domain, AzureKeyCredential(args.account_key),
        api_version=args.api_version, **({"authentication_endpoint_url": sts} if sts else {}),
    ) as client:
        # session_id None: the library picks one (the legacy v1 API only works that way)
        pollers = await asyncio.gather(*(
            client.begin_rendering_session(None, RenderingSessionSize.STANDARD, 10) for _ in range(args.count)
        ))
        ids = [p.session_id for p in pollers]
        print(f"created {len(ids)} sessions")
        try:
            sessions = await asyncio.wait_for(asyncio.gather(*(p.result() for p in pollers)), 600)
            for session in sessions:
                print(f"ready: {session.id} at {session.host}")
        finally:
            await asyncio.gather(*(client.stop_rendering_session(i) for i in ids))
            print(f"stopped {len(ids)} sessions")
    return 0


def main() -> int:
    env = os.environ.get
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoint", default=env("ARR_ENDPOINT"), required=not env("ARR_ENDPOINT"))
    parser.add_argument("--sts-endpoint", default=env("ARR_STS_ENDPOINT"))
    parser.add_argument("--account-domain", default=env("ARR_ACCOUNT_DOMAIN"))
    parser.add_argument("--account-id", default=env("ARR_ACCOUNT_ID", DEV_ID))
    parser.add_argument("--account-key", default=env("ARR_ACCOUNT_KEY", DEV_KEY))
    parser.add_argument("--api-version", default="2021-01-01", choices=["2021-01-01", "v1"])
    parser.add_argument("--count", type=int, default=3)
    return asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    raise SystemExit(main())
