"""Times get_rendering_session through Microsoft's azure-mixedreality-remoterendering package.

Run by the arr-bench harness with the Python of its venv, against the emulator's HTTPS listener (the SDK
refuses bearer tokens over plain http) with a static access token. Prints one JSON line:
{"rounds": [calls per second, ...]} or {"skipped": "reason"}.
"""

import argparse
import datetime
import json
import sys
import time


def report(value):
    print(json.dumps(value), flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", required=True, help="https://127.0.0.1:PORT")
    parser.add_argument("--ca", required=True, help="the emulator's certificate (PEM)")
    parser.add_argument("--account-id", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--session", required=True)
    parser.add_argument("--rounds", type=int, required=True)
    parser.add_argument("--calls", type=int, required=True)
    parser.add_argument("--warmup", type=int, default=50)
    args = parser.parse_args()
    try:
        from azure.core.credentials import AccessToken
        from azure.mixedreality.remoterendering import RemoteRenderingClient
    except Exception as e:  # noqa: BLE001
        report({"skipped": f"cannot import the official SDK: {type(e).__name__}: {e}"})
        return 0
    expires = int(time.time()) + 3600
    client = RemoteRenderingClient(
        endpoint=args.base,
        account_id=args.account_id,
        account_domain="mixedreality.azure.com",  # only used to find an STS; a static token needs none
        credential=AccessToken(args.token, expires),
        connection_verify=args.ca,
    )
    with client:
        for _ in range(args.warmup):
            session = client.get_rendering_session(args.session)
        rounds = []
        for _ in range(args.rounds):
            start = time.perf_counter()
            for _ in range(args.calls):
                client.get_rendering_session(args.session)
            rounds.append(args.calls / (time.perf_counter() - start))
    import azure.mixedreality.remoterendering as sdk

    report({"rounds": rounds, "sdk": getattr(sdk, "__version__", "?"), "status": str(session.status),
            "at": datetime.datetime.now(datetime.timezone.utc).isoformat()})
    return 0


if __name__ == "__main__":
    sys.exit(main())
