"""Times get_rendering_session through the arr_session package (sequential, or asyncio with a concurrency limit).

Run by the arr-bench harness; prints one JSON line: {"rounds": [calls per second, ...]} or
{"skipped": "reason"}. The package and the native library come from PYTHONPATH and ARR_SESSION_LIBRARY.
"""

import argparse
import asyncio
import json
import sys
import time


def report(value):
    print(json.dumps(value), flush=True)


def make_client(client_class, arr_session, args):
    """Microsoft's constructor: (endpoint, account_id, account_domain, credential, **options)."""
    options = {"authentication_endpoint_url": args.base}
    if args.ca:
        with open(args.ca, encoding="utf-8") as f:
            options["extra_root_ca_pem"] = f.read()
    credential = arr_session.AzureKeyCredential(args.account_key)
    return client_class(args.base, args.account_id, None, credential, **options)


def sequential(arr_session, args):
    with make_client(arr_session.RemoteRenderingClient, arr_session, args) as client:
        for _ in range(args.warmup):  # the first call includes the STS exchange
            client.get_rendering_session(args.session)
        rounds = []
        for _ in range(args.rounds):
            start = time.perf_counter()
            for _ in range(args.calls):
                client.get_rendering_session(args.session)
            rounds.append(args.calls / (time.perf_counter() - start))
    return rounds


async def concurrent(arr_session, args):
    async with make_client(arr_session.aio.RemoteRenderingClient, arr_session, args) as client:
        limit = asyncio.Semaphore(args.concurrency)

        async def one():
            async with limit:
                await client.get_rendering_session(args.session)

        await asyncio.gather(*(one() for _ in range(max(args.warmup, args.concurrency))))
        rounds = []
        for _ in range(args.rounds):
            start = time.perf_counter()
            await asyncio.gather(*(one() for _ in range(args.calls)))
            rounds.append(args.calls / (time.perf_counter() - start))
    return rounds


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["seq", "async"])
    parser.add_argument("--base", required=True)
    parser.add_argument("--account-id", required=True)
    parser.add_argument("--account-key", required=True)
    parser.add_argument("--session", required=True)
    parser.add_argument("--rounds", type=int, required=True)
    parser.add_argument("--calls", type=int, required=True)
    parser.add_argument("--warmup", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--ca", help="PEM file to trust (the emulator's self-signed certificate)")
    args = parser.parse_args()
    try:
        import arr_session
        import arr_session.aio
    except Exception as e:  # noqa: BLE001 - any import failure is a reason to skip, reported as such
        report({"skipped": f"cannot import arr_session: {type(e).__name__}: {e}"})
        return 0
    if args.mode == "seq":
        rounds = sequential(arr_session, args)
    else:
        rounds = asyncio.run(concurrent(arr_session, args))
    report({"rounds": rounds, "native": str(arr_session.LIBRARY_PATH)})
    return 0


if __name__ == "__main__":
    sys.exit(main())
