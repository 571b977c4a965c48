"""tools/ci/azure-token-cache.sh asks the Azure CLI, once each, for every token a Pulumi run and its tools need."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "tools" / "ci" / "azure-token-cache.sh"


def test_requests_each_resources_token_right_away_and_prints_its_expiry(tmp_path):
    record = tmp_path / "az.txt"
    az = tmp_path / "az"
    az.write_text(f'#!/bin/sh\necho "$@" >> "{record}"\necho "2026-12-03 13:14:15.000000"\n')
    az.chmod(0o755)
    done = subprocess.run(
        [str(SCRIPT)], capture_output=True, text=True, env={**os.environ, "PATH": f"{tmp_path}:{os.environ['PATH']}"}
    )
    assert done.returncode == 0, done.stderr
    resources = [line.split("--resource ")[1].split()[0] for line in record.read_text().splitlines()]
    assert resources == [
        "https://management.azure.com/",
        "https://management.core.windows.net/",
        "https://storage.azure.com/",
        "https://vault.azure.net",
        "2ff814a6-3304-4ab8-85cb-cd0e6f879c1d",
    ]
    assert done.stdout.splitlines()[-1] == (
        "Azure CLI token for 2ff814a6-3304-4ab8-85cb-cd0e6f879c1d cached until 2026-12-03 13:14:15.000000"
    )


def test_fails_when_a_token_cannot_be_had(tmp_path):
    az = tmp_path / "az"
    az.write_text("#!/bin/sh\necho 'AADSTS700024: Client assertion is not within its valid time range.' >&2\nexit 1\n")
    az.chmod(0o755)
    done = subprocess.run(
        [str(SCRIPT)], capture_output=True, text=True, env={**os.environ, "PATH": f"{tmp_path}:{os.environ['PATH']}"}
    )
    assert done.returncode == 1
    assert "AADSTS700024" in done.stderr
