"""make smoke STACK=<stack>   (PYTHONPATH=notebooks:tools/smoke .venv/bin/python -m h3_smoke --stack <stack>)"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

from h3_smoke.steps import Smoke, SmokeFailure


def pulumi_json(*args: str) -> dict:
    """`pulumi ... --json`; secret outputs stay "[secret]" (no --show-secrets)."""
    done = subprocess.run(["pulumi", *args, "--json"], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SmokeFailure(
            "stack outputs", f"`pulumi {' '.join(args)} --json` failed: {done.stderr.strip()}", "pulumi whoami"
        )
    return json.loads(done.stdout)


def capture_interval(config: dict) -> int | None:
    """eventHubs.captureIntervalSeconds of the stack's config, as `pulumi config --json` prints it."""
    entry = next((v for k, v in config.items() if k.endswith(":eventHubs")), {})
    value = (entry.get("objectValue") or {}).get("captureIntervalSeconds")
    return int(value) if value is not None else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make smoke", description=__doc__)
    parser.add_argument("--stack", required=True)
    parser.add_argument("--events", type=int, default=300)
    args = parser.parse_args(argv)
    from h3_smoke.clients import DatabricksJobs, EventHubsSender, credential, workspace_client

    try:
        outputs = pulumi_json("stack", "output", "--stack", args.stack)
        config = pulumi_json("config", "--stack", args.stack)
        smoke = Smoke(
            stack=args.stack,
            outputs=outputs,
            capture_interval_seconds=capture_interval(config),
            connect=lambda out: (
                EventHubsSender(credential()),
                DatabricksJobs(workspace_client(str(out["databricksWorkspaceUrl"]))),
            ),
            events=args.events,
        )
        smoke.run()
    except SmokeFailure as err:
        print(f"SMOKE TEST FAILED: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
