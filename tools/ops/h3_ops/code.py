"""Is the code in the workspace the code of the commit the stack runs? (`python -m h3_ops verify-code`)

`pulumi refresh` cannot tell: the Databricks provider reads a notebook or workspace file back with the workspace's
get-status call only, never its content (terraform-provider-databricks workspace/resource_notebook.go and
resource_workspace_file.go, Read), so an edit made in the workspace leaves the state, and every preview,
unchanged. This exports every object under the stack's notebook folder and compares it with `notebooks/` of the
checkout: each file where the program deploys it (components/workspaceAssetFiles.ts: a source-format notebook
loses its extension, every other file keeps its path), nothing missing, nothing added.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from h3_ops.errors import OpsError

# components/workspaceAssetFiles.ts: what the program leaves out, and the first line of a source notebook.
SKIPPED_DIRECTORIES = {"__pycache__", ".pytest_cache", ".ipynb_checkpoints", ".mypy_cache", ".ruff_cache"}
SKIPPED_SUFFIXES = (".pyc", ".pyo", ".egg-info")
NOTEBOOK_HEADERS = {
    ".py": "# Databricks notebook source",
    ".sql": "-- Databricks notebook source",
    ".scala": "// Databricks notebook source",
    ".r": "# Databricks notebook source",
}


@dataclass(frozen=True)
class Deployed:
    """What the program deploys for one file: its workspace path below the folder, kind and content."""

    path: str
    kind: str  # NOTEBOOK or FILE
    content: bytes


class WorkspaceFiles(Protocol):
    def list(self, folder: str) -> list[tuple[str, str]]: ...
    def export(self, path: str, kind: str) -> bytes: ...


def _skipped(name: str) -> bool:
    return name.startswith(".") or name in SKIPPED_DIRECTORIES or name.endswith(SKIPPED_SUFFIXES)


def expected(local_root: Path) -> dict[str, Deployed]:
    """Every file under `local_root` as the program deploys it, by workspace path below the folder."""
    found: dict[str, Deployed] = {}
    for file in sorted(local_root.rglob("*")):
        relative = file.relative_to(local_root)
        if not file.is_file() or any(_skipped(part) for part in relative.parts):
            continue
        content = file.read_bytes()
        header = NOTEBOOK_HEADERS.get(file.suffix.lower())
        if header is not None and content.decode("utf-8", "replace").startswith(header):
            path = relative.with_suffix("").as_posix()
            found[path] = Deployed(path, "NOTEBOOK", content)
        else:
            found[relative.as_posix()] = Deployed(relative.as_posix(), "FILE", content)
    return found


def _normalized(content: bytes) -> list[str]:
    """A source notebook as lines without trailing blanks: the export may differ from the upload only there."""
    lines = [line.rstrip() for line in content.decode("utf-8", "replace").splitlines()]
    while lines and not lines[-1]:
        lines.pop()
    return lines


def differences(workspace: WorkspaceFiles, folder: str, local_root: Path) -> list[str]:
    """What differs between the workspace folder and the checkout's code; empty when they match."""
    wanted = expected(local_root)
    prefix = folder.rstrip("/") + "/"
    try:
        listed = {path.removeprefix(prefix): kind for path, kind in workspace.list(folder) if kind != "DIRECTORY"}
    except Exception as err:
        raise OpsError(
            f"cannot list {folder}: {type(err).__name__}: {err}",
            "that the identity may read the stack's notebook folder (CAN_READ) and is signed in",
        ) from err
    found: list[str] = []
    for path in sorted(set(wanted) | set(listed)):
        deployed = wanted.get(path)
        if deployed is None:
            found.append(f"{prefix}{path}: in the workspace, not in notebooks/ (added by hand?)")
            continue
        if path not in listed:
            found.append(f"{prefix}{path}: missing from the workspace")
            continue
        if listed[path] != deployed.kind:
            found.append(f"{prefix}{path}: a {listed[path].lower()} in the workspace, a {deployed.kind.lower()} here")
            continue
        content = workspace.export(prefix + path, deployed.kind)
        same = (
            _normalized(content) == _normalized(deployed.content)
            if deployed.kind == "NOTEBOOK"
            else content == deployed.content
        )
        if not same:
            found.append(f"{prefix}{path}: its content differs from the commit's")
    return found


class DatabricksWorkspaceFiles:
    """The workspace API through the Databricks SDK."""

    def __init__(self, workspace: Any):
        self.workspace = workspace

    def list(self, folder: str) -> list[tuple[str, str]]:
        return [
            (item.path, getattr(item.object_type, "value", str(item.object_type)))
            for item in self.workspace.workspace.list(folder, recursive=True)
        ]

    def export(self, path: str, kind: str) -> bytes:
        from databricks.sdk.service.workspace import ExportFormat

        # Notebooks in the source format they were uploaded in; files exactly as stored.
        format = ExportFormat.SOURCE if kind == "NOTEBOOK" else ExportFormat.AUTO
        return base64.b64decode(self.workspace.workspace.export(path, format=format).content or "")
