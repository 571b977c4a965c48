"""Operator commands for a deployed stack.

    make request-deletion STACK=<stack> USER_ID=<id> [NOW=1] [CHANNEL=<text>]
    make verify-code STACK=<stack>
    (PYTHONPATH=notebooks:tools/ops .venv/bin/python -m h3_ops request-deletion --stack <stack> --user <id> [--now])

`verify-code` compares the code in the stack's workspace folder with `notebooks/` of the checkout and fails on any
difference: the drift `pulumi refresh` cannot see (h3_ops/code.py).

`request-deletion` sends a `user.deletion_requested` event for the user to the stack's hub as the signed-in
identity and prints the request id; the daily delete run completes it. With --now it waits until ingest has
taken the request into bronze, starts the delete job for that request alone and prints the request's audit row.
The user id goes only into the event; `--user -` reads it from standard input, out of the shell's history.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable

from h3_ops.errors import OpsError


def main(
    argv: list[str] | None = None,
    connect: Callable[..., object] | None = None,
    workspace: Callable[[dict], object] | None = None,
    now: Callable[[], float] = time.time,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """The command line; `connect`, `workspace`, `now` and `sleep` replace the SDK clients and the clock in tests."""
    parser = argparse.ArgumentParser(prog="python -m h3_ops", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    request = commands.add_parser("request-deletion", help="request the deletion of a user's data")
    request.add_argument("--stack", required=True)
    request.add_argument("--user", required=True, help="the user id, or - to read it from standard input")
    request.add_argument("--channel", help="where the request came from (support, app, ...): the event's payload")
    request.add_argument("--now", action="store_true", help="complete it now and print its audit row")
    request.add_argument("--outputs", help="the stack's outputs as `pulumi stack output --json` saved them")
    verify = commands.add_parser("verify-code", help="compare the workspace's code with notebooks/ here")
    verify.add_argument("--stack", required=True)
    verify.add_argument("--outputs", help="the stack's outputs as `pulumi stack output --json` saved them")
    verify.add_argument("--local", default="notebooks", help="the folder the program deploys (default notebooks)")
    args = parser.parse_args(argv)
    if args.command == "verify-code":
        return _verify_code(args, workspace)

    def log(line: str) -> None:  # progress to stderr, results to stdout
        print(line, file=sys.stderr)

    from h3_ops.clients import connect as sdk_clients
    from h3_ops.deletion import COMPLETE_OUTPUTS, SEND_OUTPUTS, complete_request, send_request
    from h3_ops.runs import Runner
    from h3_ops.stack import read_outputs, require

    user_id = sys.stdin.readline().strip() if args.user == "-" else args.user
    try:
        outputs = read_outputs(args.stack, args.outputs)
        # Everything --now needs is checked before anything is sent.
        require(outputs, SEND_OUTPUTS + (COMPLETE_OUTPUTS if args.now else ()), args.stack)
        sender, jobs, identity = (connect or sdk_clients)(outputs, args.now)
        log(f"signed in as {identity}")
        sent = send_request(sender, outputs, args.stack, user_id, args.channel, now=now)
        print(f"deletion request {sent.request_id} sent to {sent.hub}")
        if not args.now:
            log("the daily delete run completes it; `--now` completes it at once")
            return 0
        done = complete_request(Runner(jobs, args.stack, log=log, sleep=sleep, now=now), outputs, sent)
        if done.ingested.note:
            log(done.ingested.note)
        print(json.dumps(done.row, indent=2, sort_keys=True))
    except OpsError as err:
        print(f"request-deletion failed: {err}", file=sys.stderr)
        return 1
    return 0


def _verify_code(args: argparse.Namespace, workspace: Callable[[dict], object] | None) -> int:
    from pathlib import Path

    from h3_ops.code import DatabricksWorkspaceFiles, differences
    from h3_ops.stack import read_outputs, require

    try:
        outputs = read_outputs(args.stack, args.outputs)
        require(outputs, ("databricksWorkspaceUrl", "databricksNotebookFolder"), args.stack)
        if workspace is None:
            from h3_ops.clients import signed_in_workspace

            client, identity = signed_in_workspace(outputs)
            print(f"signed in as {identity}", file=sys.stderr)
            files = DatabricksWorkspaceFiles(client)
        else:
            files = workspace(outputs)
        folder = str(outputs["databricksNotebookFolder"])
        found = differences(files, folder, Path(args.local))
    except OpsError as err:
        print(f"verify-code failed: {err}", file=sys.stderr)
        return 1
    if found:
        print(f"the code in {folder} of {args.stack} is not the code of this checkout:")
        for line in found:
            print(f"  {line}")
        return 1
    print(f"the code in {folder} of {args.stack} is this checkout's notebooks/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
