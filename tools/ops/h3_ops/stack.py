"""A deployed stack's outputs, as `pulumi stack output --json` prints them (secret outputs stay "[secret]")."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable, Iterable
from pathlib import Path

from h3_ops.errors import OpsError


def read_outputs(stack: str, outputs_file: str | None = None, run: Callable[..., object] = subprocess.run) -> dict:
    """From `outputs_file` (what CI saved right after signing in) or from the Pulumi CLI's current login."""
    if outputs_file:
        try:
            return json.loads(Path(outputs_file).read_text())
        except (OSError, ValueError) as err:
            raise OpsError(
                f"cannot read the stack outputs from {outputs_file}: {err}",
                f"pulumi stack output --json --stack {stack} > {outputs_file}",
            ) from err
    done = run(["pulumi", "stack", "output", "--json", "--stack", stack], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise OpsError(
            f"`pulumi stack output --json --stack {stack}` failed: {done.stderr.strip()}",
            "pulumi whoami (the backend you are logged in to) and pulumi stack ls",
        )
    return json.loads(done.stdout)


def require(outputs: dict, names: Iterable[str], stack: str) -> None:
    """Fails naming every output the stack lacks (or hides as a secret)."""
    missing = [n for n in names if outputs.get(n) in (None, "", [], "[secret]")]
    if missing:
        raise OpsError(
            f"stack {stack} has no {', '.join(missing)}",
            f"that the stack is deployed with this version of the program: pulumi up --stack {stack}",
        )


def hub(outputs: dict) -> tuple[str, str]:
    """The namespace host and the hub the stack's events go to."""
    return str(outputs["eventHubsNamespace"]), str(outputs["eventHubNames"][0])
