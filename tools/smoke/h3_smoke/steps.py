"""The smoke test's steps, over the operator package's client interfaces (h3_ops.clients) so the tests run
them against fakes.

1. read the stack's outputs             5. request the synthetic user's deletion as an operator does
2. send the synthetic user's events        (h3_ops: the request event, ingest, the delete job with
3. ingest: the run the file-arrival        request_id); its audit row must show every event removed
   trigger starts (by hand, and a       6. request it again: only the new request's own event is left
   failure at the end, if none starts)
4. normalize

Each step prints its time; a failure names the step and what to check. Once events may have reached the hub,
a failure still requests the synthetic user's deletion and tries to complete it, so the test leaves no
person's data behind.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from h3_ops.clients import Jobs, Sender, SendFailed
from h3_ops.deletion import Request, complete_request, send_request
from h3_ops.errors import OpsError
from h3_ops.runs import Runner, wait_for_ingest
from h3_ops.stack import hub, require

from h3_ml.registry import DELETION_REQUESTED, table_name
from h3_smoke.events import synthetic_events, synthetic_user

REQUIRED_OUTPUTS = (
    "databricksWorkspaceUrl",
    "eventHubsNamespace",
    "eventHubNames",
    "eventHubsCaptureIntervalSeconds",
    "ingestJobId",
    "normalizeJobId",
    "deleteJobId",
)
# The silver table normalize writes deletion requests to, when it runs before the delete job does.
REQUEST_TABLE = f"silver.{table_name(DELETION_REQUESTED)}"


class SmokeFailure(Exception):
    def __init__(self, step: str, message: str, check: str):
        super().__init__(f"step {step!r} failed: {message}\nCheck: {check}")
        self.step = step


@dataclass
class Smoke:
    stack: str
    outputs: dict
    # Builds the clients from the outputs once they are checked (the workspace host is one of them).
    connect: Callable[[dict], tuple[Sender, Jobs]]
    events: int = 300
    run_timeout_seconds: float = 3600
    poll_seconds: float = 15
    log: Callable[[str], None] = print
    sleep: Callable[[float], None] = time.sleep
    # Epoch seconds, compared with the jobs API's start times.
    now: Callable[[], float] = time.time
    user_id: str = field(default_factory=synthetic_user)
    sender: Sender | None = None
    runner: Runner | None = None
    _started: float = 0.0
    # Events may have reached the hub: a failure from here on cleans up.
    _maybe_sent: bool = False
    _sent_at: float = 0.0
    _per_table: Counter = field(default_factory=Counter)
    _requests: list[Request] = field(default_factory=list)
    _completed: set[str] = field(default_factory=set)
    # Set when the ingest trigger started no run: the test goes on by hand and fails at the end.
    _trigger_missed: str | None = None
    _last_row: dict = field(default_factory=dict)

    # --- running and reporting ---------------------------------------------------------------------------

    def _step(self, name: str, work: Callable[[], str]) -> None:
        begun = self.now()
        self.log(f"[{begun - self._started:7.1f}s] {name} ...")
        try:
            detail = work()
        except OpsError as err:
            raise SmokeFailure(name, err.message, err.check) from err
        self.log(f"[{self.now() - self._started:7.1f}s] {name}: {detail} ({self.now() - begun:.1f}s)")

    def run(self) -> dict:
        """Runs every step; returns the second request's audit row. Raises SmokeFailure."""
        self._started = self.now()
        self._step("stack outputs", self._check_outputs)
        try:
            self._step("send events", self._send)
            self._step("ingest", self._ingest)
            self._step("normalize", self._normalize)
            self._step("request deletion", self._delete_and_check)
            self._step("nothing left", self._nothing_left)
        except SmokeFailure:
            if self._maybe_sent and not self._completed:
                self._cleanup()
            raise
        if self._trigger_missed:
            raise SmokeFailure(
                "ingest trigger",
                self._trigger_missed,
                "that the ingest job's trigger is not paused and that the workspace receives the storage "
                "account's file events: without them the trigger lists the capture location, and stops "
                "watching one that holds more than 10,000 files (Azure Databricks, 'Trigger jobs when new files "
                "arrive', Limitations: https://learn.microsoft.com/azure/databricks/jobs/file-arrival-triggers); "
                "file events need the capture location's file events enabled and let through the storage firewall",
            )
        self.log(
            f"smoke test of {self.stack} passed in {self.now() - self._started:.0f}s. Left behind by design: the "
            "deletion audit rows (a salted hash of the synthetic user, no data) and, until the raw retention "
            "lifecycle deletes them, the Capture files holding its events."
        )
        return self._last_row

    # --- steps -------------------------------------------------------------------------------------------

    def _check_outputs(self) -> str:
        require(self.outputs, REQUIRED_OUTPUTS, self.stack)
        try:
            self.sender, jobs = self.connect(self.outputs)
        except Exception as err:  # any client error is reported with what to check
            raise SmokeFailure(
                "stack outputs",
                f"could not set up the Event Hubs and Databricks clients: {type(err).__name__}: {err}",
                "the sign-in: `az login` locally; in CI the federated credential of the pipeline's identity",
            ) from err
        self.runner = Runner(
            jobs,
            self.stack,
            log=self.log,
            sleep=self.sleep,
            now=self.now,
            poll_seconds=self.poll_seconds,
            run_timeout_seconds=self.run_timeout_seconds,
        )
        namespace, hub_name = hub(self.outputs)
        return f"workspace {self.outputs['databricksWorkspaceUrl']}, hub {namespace}/{hub_name}"

    def _interval(self) -> int:
        return int(self.outputs["eventHubsCaptureIntervalSeconds"])

    def _send(self) -> str:
        namespace, hub_name = hub(self.outputs)
        bodies, self._per_table = synthetic_events(self.user_id, self.events)
        assert self.sender is not None, "connect() runs in the first step"
        try:
            self._maybe_sent = True
            self.sender.send(namespace, hub_name, bodies, self.user_id)
        except SendFailed as err:
            self._maybe_sent = err.maybe_sent
            raise SmokeFailure(
                "send events",
                f"{type(err.cause).__name__}: {err.cause} ({err.confirmed} of {len(bodies)} events confirmed sent)",
                f"that the identity running the test has 'Azure Event Hubs Data Sender' on the hub {hub_name} of "
                f"{namespace} (dev grants it to the CI deployer; a person needs eventHubs.senderPrincipalIds) and "
                "is signed in",
            ) from err
        self._sent_at = self.now()
        return f"{len(bodies)} events of user {self.user_id} to {namespace}/{hub_name}"

    def _runner(self) -> Runner:
        assert self.runner is not None, "connect() runs in the first step"
        return self.runner

    def _ingest(self) -> str:
        ingested = wait_for_ingest(self._runner(), int(self.outputs["ingestJobId"]), self._sent_at, self._interval())
        if ingested.trigger_missed:
            self._trigger_missed = ingested.note
        how = "started by the file-arrival trigger" if ingested.triggered else ingested.note
        return f"run {ingested.state.run_id} {how}: {_summary_text(ingested.summary, INGEST_FIELDS)}"

    def _normalize(self) -> str:
        state, summary = self._runner().run(int(self.outputs["normalizeJobId"]), {}, "normalize")
        return f"run {state.run_id}: {_summary_text(summary)}"

    def _request(self, channel: str) -> Request:
        assert self.sender is not None, "connect() runs in the first step"
        request = send_request(self.sender, self.outputs, self.stack, self.user_id, channel, now=self.now)
        self._requests.append(request)
        return request

    def _complete(self, request: Request, *, expect_trigger: bool) -> dict:
        done = complete_request(self._runner(), self.outputs, request, expect_trigger=expect_trigger)
        self._completed.add(request.request_id)
        if done.ingested.trigger_missed and not self._trigger_missed:
            self._trigger_missed = done.ingested.note
        self._last_row = done.row
        return done.row

    def _delete_and_check(self) -> str:
        request = self._request("smoke")
        row = self._complete(request, expect_trigger=self._trigger_missed is None)
        # The request event's own bronze row holds the user id, so it goes with the user's data.
        expected = {"bronze.events": sum(self._per_table.values()) + 1}
        expected |= {f"silver.{t}": n for t, n in sorted(self._per_table.items())}
        self._check_row("request deletion", row, expected)
        return (
            f"request {request.request_id} completed: removed {expected['bronze.events']} rows from bronze and "
            f"{sum(self._per_table.values())} from {len(self._per_table)} silver tables"
        )

    def _nothing_left(self) -> str:
        request = self._request("smoke-again")
        row = self._complete(request, expect_trigger=self._trigger_missed is None)
        expected = {"bronze.events": 1} | {f"silver.{t}": 0 for t in sorted(self._per_table)}
        self._check_row("nothing left", row, expected)
        return f"request {request.request_id} removed only its own event"

    def _check_row(self, step: str, row: dict, expected: dict[str, int]) -> None:
        """The request's rowsRemoved against `expected`, table by table (keys may carry a schema prefix).

        A table not in `expected` must show 0, except the requests' own silver table, which holds one row
        per request event normalize took in before the delete job ran.
        """
        removed: dict = row.get("rowsRemoved") or {}
        found = {table: _removed(removed, table) for table in expected}
        wrong = {t: (found[t], n) for t, n in expected.items() if found[t] != n}
        extra = {
            key: n
            for key, n in removed.items()
            if n
            and not any(_matches(key, t) for t in expected)
            and not (_matches(key, REQUEST_TABLE) and n <= len(self._requests))
        }
        if wrong or extra:
            parts = [f"{t} {f}/{n}" for t, (f, n) in sorted(wrong.items())]
            parts += [f"{k} {n}/0" for k, n in sorted(extra.items())]
            raise SmokeFailure(
                step,
                f"request {row.get('requestId')}'s audit row does not match what was sent (removed/expected): "
                + ", ".join(parts),
                "bronze short: the Capture files in the capture container and the ingest run (Capture interval, "
                "trigger, checkpoint); silver short: the quarantine table and the normalize run; more than "
                "expected: which job wrote the synthetic user's rows after an earlier deletion",
            )

    # --- cleanup -----------------------------------------------------------------------------------------

    def _cleanup(self) -> None:
        pending = [r for r in self._requests if r.request_id not in self._completed]
        try:
            request = pending[-1] if pending else self._request("smoke-cleanup")
        except OpsError as err:
            self.log(
                f"cleanup could not request the deletion of the synthetic user {self.user_id}: {err.message}\n"
                f"Request it by hand: make request-deletion STACK={self.stack} USER_ID={self.user_id} NOW=1"
            )
            return
        self.log(f"cleaning up: deletion request {request.request_id} for the synthetic user {self.user_id}")
        try:
            row = self._complete(request, expect_trigger=False)
        except OpsError as err:
            self.log(
                f"cleanup could not complete request {request.request_id}: {err.message}\n"
                "The request is in the hub: the daily delete run completes it once ingest has taken it in."
            )
            return
        self.log(f"cleanup removed {sum((row.get('rowsRemoved') or {}).values())} rows")


INGEST_FIELDS = ("batches", "messages_read", "bronze_rows")


def _matches(key: str, table: str) -> bool:
    """A rowsRemoved key names `table` (`silver.x`), bare or with a shared personal stack's schema prefix."""
    return re.search(rf"(^|[_.]){re.escape(table)}$", key) is not None


def _removed(rows_removed: dict, table: str) -> int:
    return sum(n for key, n in rows_removed.items() if _matches(key, table))


def _summary_text(summary: dict, keys: tuple[str, ...] | None = None) -> str:
    shown = {k: summary[k] for k in (keys or summary) if k in summary}
    return ", ".join(f"{k} {v}" for k, v in shown.items()) or "done"
