"""The real clients behind the smoke test's two interfaces: the official SDKs, Entra ID auth only."""

from __future__ import annotations

import os
from collections.abc import Sequence

from h3_smoke.steps import RunState


class EventHubsSender:
    """Sends with `azure-eventhub` as the signed-in identity (local auth is off on the stack's namespace)."""

    def __init__(self, credential):
        self.credential = credential

    def send(self, namespace: str, hub: str, bodies: Sequence[bytes], partition_key: str) -> None:
        from azure.eventhub import EventData, EventHubProducerClient

        with EventHubProducerClient(namespace, hub, credential=self.credential) as producer:
            batch = producer.create_batch(partition_key=partition_key)
            for body in bodies:
                try:
                    batch.add(EventData(body))
                except ValueError:  # the batch is full: send it and start the next
                    producer.send_batch(batch)
                    batch = producer.create_batch(partition_key=partition_key)
                    batch.add(EventData(body))
            producer.send_batch(batch)


class DatabricksJobs:
    """Runs jobs with the Databricks SDK's Jobs API."""

    def __init__(self, workspace):
        self.workspace = workspace

    def run_now(self, job_id: int, parameters: dict[str, str]) -> int:
        from databricks.sdk.service.jobs import QueueSettings

        # Queued behind a scheduled run of the same job instead of skipped (max_concurrent_runs is 1).
        waiter = self.workspace.jobs.run_now(
            job_id, job_parameters=parameters or None, queue=QueueSettings(enabled=True)
        )
        return waiter.response.run_id

    def get_run(self, run_id: int) -> RunState:
        run = self.workspace.jobs.get_run(run_id)
        state = run.state
        return RunState(
            life_cycle=_name(state.life_cycle_state),
            result=_name(state.result_state) if state.result_state else None,
            message=state.state_message or "",
            url=run.run_page_url or "",
            task_run_ids=tuple(t.run_id for t in run.tasks or () if t.run_id is not None),
        )

    def output(self, task_run_id: int) -> str | None:
        # runs/get-output takes a task's run id; a notebook's exit value is notebook_output.result.
        notebook = self.workspace.jobs.get_run_output(task_run_id).notebook_output
        return notebook.result if notebook else None


def _name(value) -> str:
    return getattr(value, "value", str(value))


def workspace_client(host: str):
    """Azure CLI auth unless DATABRICKS_AUTH_TYPE says otherwise (the same as `make settings`' profile)."""
    from databricks.sdk import WorkspaceClient

    host = host if host.startswith("https://") else f"https://{host}"
    return WorkspaceClient(host=host, auth_type=os.environ.get("DATABRICKS_AUTH_TYPE") or "azure-cli")


def credential():
    from azure.identity import DefaultAzureCredential

    return DefaultAzureCredential(exclude_interactive_browser_credential=True)
