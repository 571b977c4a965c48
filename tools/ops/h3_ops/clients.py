"""The real clients behind the operator commands and the smoke test: the official SDKs, Entra ID auth only.

Two small interfaces (`Sender`, `Jobs`) stand between them and the steps, so the tests run every step against
fakes; the adapters here only translate.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol


class SendFailed(Exception):
    """A send stopped part-way: `confirmed` events went out before `cause`.

    `maybe_sent` is True once any batch was handed to Event Hubs: a batch whose send failed may still have
    arrived, so whoever sent it must clean up as if it had.
    """

    def __init__(self, confirmed: int, maybe_sent: bool, cause: BaseException):
        super().__init__(f"{type(cause).__name__}: {cause} ({confirmed} events confirmed sent before it)")
        self.confirmed = confirmed
        self.maybe_sent = maybe_sent
        self.cause = cause


class Sender(Protocol):
    def send(self, namespace: str, hub: str, bodies: Sequence[bytes], partition_key: str) -> int: ...


@dataclass(frozen=True)
class RunState:
    """A job run as the Jobs API reports it (`runs/get`, `runs/list`)."""

    run_id: int
    life_cycle: str
    result: str | None
    message: str
    url: str
    task_run_ids: tuple[int, ...] = ()
    # Who started it: FILE_ARRIVAL, PERIODIC, ONE_TIME (run now), ... (jobs API TriggerType).
    trigger: str | None = None
    start_time_ms: int | None = None


@dataclass(frozen=True)
class JobTrigger:
    """How a job starts on its own: `file_arrival`, `schedule` or None, and whether that is paused."""

    kind: str | None
    paused: bool
    # A file-arrival trigger's state (jobs API trigger_state.file_arrival.using_file_events): whether it learns
    # of new files from the location's file events, or by listing it.
    using_file_events: bool | None = None


class Jobs(Protocol):
    def run_now(self, job_id: int, parameters: dict[str, str]) -> int: ...
    def get_run(self, run_id: int) -> RunState: ...
    def output(self, task_run_id: int) -> str | None: ...
    def runs_since(self, job_id: int, start_ms: int) -> list[RunState]: ...
    def trigger(self, job_id: int) -> JobTrigger: ...


class EventHubsSender:
    """Sends with `azure-eventhub` as the credential's identity (local auth is off on the stack's namespace)."""

    def __init__(
        self,
        credential: Any,
        producer: Callable[..., Any] | None = None,
        event: Callable[[bytes], Any] | None = None,
    ):
        self.credential = credential
        self._producer = producer
        self._event = event

    def send(self, namespace: str, hub: str, bodies: Sequence[bytes], partition_key: str) -> int:
        """Sends every body in as few batches as fit; returns how many went out, or raises SendFailed."""
        producer_class, event = (self._producer, self._event) if self._producer else _eventhub_classes()
        confirmed, maybe_sent = 0, False
        try:
            with producer_class(namespace, hub, credential=self.credential) as producer:
                batch, pending = producer.create_batch(partition_key=partition_key), 0
                for body in bodies:
                    try:
                        batch.add(event(body))
                    except ValueError:  # the batch is full: send it and start the next
                        if pending == 0:
                            raise
                        maybe_sent = True
                        producer.send_batch(batch)
                        confirmed += pending
                        batch, pending = producer.create_batch(partition_key=partition_key), 0
                        batch.add(event(body))
                    pending += 1
                if pending:
                    maybe_sent = True
                    producer.send_batch(batch)
                    confirmed += pending
        except Exception as err:
            raise SendFailed(confirmed, maybe_sent, err) from err
        return confirmed


def _eventhub_classes():
    from azure.eventhub import EventData, EventHubProducerClient

    return EventHubProducerClient, EventData


class DatabricksJobs:
    """The Jobs API through the Databricks SDK."""

    def __init__(self, workspace: Any):
        self.workspace = workspace

    def run_now(self, job_id: int, parameters: dict[str, str]) -> int:
        from databricks.sdk.service.jobs import QueueSettings

        # Queued behind a running or scheduled run of the same job instead of skipped (max_concurrent_runs 1).
        waiter = self.workspace.jobs.run_now(
            job_id, job_parameters=parameters or None, queue=QueueSettings(enabled=True)
        )
        return waiter.response.run_id

    def get_run(self, run_id: int) -> RunState:
        return _run_state(self.workspace.jobs.get_run(run_id))

    def output(self, task_run_id: int) -> str | None:
        # runs/get-output takes a task's run id; a notebook's exit value is notebook_output.result.
        notebook = self.workspace.jobs.get_run_output(task_run_id).notebook_output
        return notebook.result if notebook else None

    def runs_since(self, job_id: int, start_ms: int) -> list[RunState]:
        """The job's runs that started at or after `start_ms` (epoch milliseconds), newest first."""
        return [_run_state(run) for run in self.workspace.jobs.list_runs(job_id=job_id, start_time_from=start_ms)]

    def trigger(self, job_id: int) -> JobTrigger:
        job = self.workspace.jobs.get(job_id, include_trigger_state=True)
        settings, state = job.settings, job.trigger_state
        trigger = settings.trigger
        if trigger is not None and trigger.file_arrival is not None:
            events = state.file_arrival.using_file_events if state and state.file_arrival else None
            return JobTrigger("file_arrival", _name(trigger.pause_status) == "PAUSED", events)
        if settings.schedule is not None:
            return JobTrigger("schedule", _name(settings.schedule.pause_status) == "PAUSED")
        return JobTrigger(None, True)


def _run_state(run: Any) -> RunState:
    state = run.state
    return RunState(
        run_id=run.run_id,
        life_cycle=_name(state.life_cycle_state),
        result=_name(state.result_state) if state.result_state else None,
        message=state.state_message or "",
        url=run.run_page_url or "",
        task_run_ids=tuple(t.run_id for t in run.tasks or () if t.run_id is not None),
        trigger=_name(run.trigger) if run.trigger else None,
        start_time_ms=run.start_time,
    )


def _name(value: Any) -> str | None:
    return None if value is None else getattr(value, "value", str(value))


def workspace_client(host: str, credential: Any, workspace_resource_id: str | None = None):
    """A WorkspaceClient authenticated by the Entra credential (auth.databricks_headers), refreshed per request."""
    from databricks.sdk import WorkspaceClient
    from databricks.sdk.credentials_provider import CredentialsStrategy

    from h3_ops.auth import databricks_headers

    headers = databricks_headers(credential, workspace_resource_id)

    class EntraCredential(CredentialsStrategy):
        def auth_type(self) -> str:
            return "h3-entra-credential"

        def __call__(self, cfg):
            return headers

    host = host if host.startswith("https://") else f"https://{host}"
    return WorkspaceClient(host=host, credentials_strategy=EntraCredential())


def signed_in_workspace(outputs: dict, identity: Any = None) -> tuple[Any, str]:
    """A WorkspaceClient for the stack's workspace, signed in as h3_ops.auth chooses, and how it was chosen."""
    from h3_ops.auth import azure_credential

    identity = identity or azure_credential()
    workspace = workspace_client(
        str(outputs["databricksWorkspaceUrl"]), identity.credential, outputs.get("databricksWorkspaceResourceId")
    )
    return workspace, identity.describe()


def connect(outputs: dict, with_jobs: bool = True) -> tuple[EventHubsSender, DatabricksJobs | None, str]:
    """The SDK clients for a stack, signed in as h3_ops.auth chooses; the Jobs API only when asked for.

    Returns the sender, the jobs client and how the identity was chosen (to print).
    """
    from h3_ops.auth import azure_credential

    identity = azure_credential()
    jobs = DatabricksJobs(signed_in_workspace(outputs, identity)[0]) if with_jobs else None
    return EventHubsSender(identity.credential), jobs, identity.describe()
