"""make smoke STACK=<stack> [OUTPUTS=<file>]
(PYTHONPATH=notebooks:tools/ops:tools/smoke .venv/bin/python -m h3_smoke --stack <stack> [--outputs <file>])"""

from __future__ import annotations

import argparse
import sys

from h3_ops.errors import OpsError
from h3_ops.stack import read_outputs

from h3_smoke.steps import Smoke, SmokeFailure


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make smoke", description=__doc__)
    parser.add_argument("--stack", required=True)
    parser.add_argument("--events", type=int, default=300)
    parser.add_argument("--outputs", help="the stack's outputs as `pulumi stack output --json` saved them")
    args = parser.parse_args(argv)
    try:
        outputs = read_outputs(args.stack, args.outputs)
    except OpsError as err:
        print(f"SMOKE TEST FAILED: step 'stack outputs' failed: {err}", file=sys.stderr)
        return 1
    try:
        Smoke(stack=args.stack, outputs=outputs, connect=connect, events=args.events).run()
    except SmokeFailure as err:
        print(f"SMOKE TEST FAILED: {err}", file=sys.stderr)
        return 1
    return 0


def connect(outputs: dict):
    """The operator package's SDK clients, with a credential that refreshes itself (h3_ops.auth)."""
    from h3_ops.clients import connect as sdk_clients

    sender, jobs, identity = sdk_clients(outputs)
    print(f"signed in as {identity}")
    return sender, jobs


if __name__ == "__main__":
    sys.exit(main())
