"""A deletion request as the backend makes one: a `user.deletion_requested` event in the stack's hub.

The request id is the event's `eventId`. The delete job completes every request it finds in bronze on its daily
run; `complete_request` does it now: it waits until ingest has taken the event into bronze, starts the delete job
with `request_id` only (never the user id: job parameters stay in the Jobs API's run history) and returns that
request's audit row from the run's summary (`request`).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from h3_ml.generate import encode, envelope
from h3_ml.registry import DELETION_REQUESTED, versions
from h3_ops.clients import RunState, Sender, SendFailed
from h3_ops.errors import OpsError
from h3_ops.runs import Ingested, Runner, wait_for_ingest
from h3_ops.stack import hub, require

SEND_OUTPUTS = ("eventHubsNamespace", "eventHubNames")
COMPLETE_OUTPUTS = ("databricksWorkspaceUrl", "ingestJobId", "deleteJobId", "eventHubsCaptureIntervalSeconds")


def deletion_request(
    user_id: str, channel: str | None = None, *, now: datetime | None = None, event_id: str | None = None
) -> tuple[str, bytes]:
    """The request id and the event body: the pipeline's envelope, the registry's newest version of the type."""
    if not user_id or not user_id.strip():
        raise OpsError("the user id is blank", "pass the id the backend knows the person by: --user <id>")
    request_id = event_id or str(uuid.uuid4())
    body = envelope(
        DELETION_REQUESTED,
        {} if channel is None else {"channel": channel},
        user_id=user_id,
        occurred_at=now or datetime.now(UTC),
        event_id=request_id,
        schema_version=versions(DELETION_REQUESTED)[-1].version,
    )
    return request_id, encode(body)


@dataclass(frozen=True)
class Request:
    request_id: str
    # Epoch seconds when the send returned: Capture's window holding the event closes within an interval.
    sent_at: float
    hub: str


def send_request(
    sender: Sender,
    outputs: dict,
    stack: str,
    user_id: str,
    channel: str | None = None,
    now: Callable[[], float] = time.time,
) -> Request:
    """Sends the request event with the user id as partition key, as the backend sends a user's events."""
    require(outputs, SEND_OUTPUTS, stack)
    namespace, hub_name = hub(outputs)
    request_id, body = deletion_request(user_id, channel, now=datetime.fromtimestamp(now(), UTC))
    try:
        sender.send(namespace, hub_name, [body], user_id)
    except SendFailed as err:
        raise OpsError(
            f"could not send the deletion request to {namespace}/{hub_name}: {err.cause}",
            f"that your identity has 'Azure Event Hubs Data Sender' on the hub {hub_name} of {namespace} and is "
            "signed in (az login, or the pipeline's federated sign-in)",
        ) from err
    return Request(request_id, now(), f"{namespace}/{hub_name}")


@dataclass(frozen=True)
class Completed:
    row: dict
    ingested: Ingested
    delete_run: RunState


def complete_request(runner: Runner, outputs: dict, request: Request, *, expect_trigger: bool = True) -> Completed:
    """Waits for the request to reach bronze, runs the delete job for it alone and returns its audit row."""
    require(outputs, COMPLETE_OUTPUTS, runner.stack)
    ingested = wait_for_ingest(
        runner,
        int(outputs["ingestJobId"]),
        request.sent_at,
        int(outputs["eventHubsCaptureIntervalSeconds"]),
        expect_trigger=expect_trigger,
    )
    delete_job = int(outputs["deleteJobId"])
    state, summary = runner.run(delete_job, {"request_id": request.request_id}, "delete")
    row = summary.get("request")
    if not isinstance(row, dict) or row.get("requestId") != request.request_id:
        raise OpsError(
            f"delete run {state.run_id} did not report request {request.request_id}: its summary's `request` is "
            f"{row!r}",
            "that the deployed delete job takes request_id and reports the request's audit row "
            f"(make deploy-code STACK={runner.stack}); the run at {state.url}",
        )
    if not row.get("completedAt"):
        raise OpsError(
            f"request {request.request_id} is still open after delete run {state.run_id}",
            f"the run's output and logs at {state.url}; the daily delete run finishes an open request",
        )
    return Completed(row, ingested, state)
