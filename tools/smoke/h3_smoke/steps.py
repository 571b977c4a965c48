"""The smoke test's steps, over two small client interfaces so the tests can run them against fakes.

1. read the stack's outputs           4. run the ingest job           6. delete the synthetic user
2. send the synthetic user's events   5. run the normalize job           (its rows_removed prove bronze
3. wait for Capture                                                         and silver held them)
                                                                        7. delete again: nothing left

Each step prints its time; a failure names the step and what to check. After events were sent, a failure
still runs the delete job for the synthetic user, so the test leaves no person's data behind.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from h3_smoke.events import synthetic_events, synthetic_user

REQUIRED_OUTPUTS = (
    "databricksWorkspaceUrl",
    "eventHubsNamespace",
    "eventHubNames",
    "ingestJobId",
    "normalizeJobId",
    "deleteJobId",
)
# Azure's upper bound for a Capture window; the stack's own interval is used when its config sets one.
MAX_CAPTURE_INTERVAL_SECONDS = 900
# Capture writes a window's file shortly after the window closes.
CAPTURE_MARGIN_SECONDS = 60


class Sender(Protocol):
    def send(self, namespace: str, hub: str, bodies: Sequence[bytes], partition_key: str) -> None: ...


@dataclass(frozen=True)
class RunState:
    """A job run as the Jobs API reports it (`runs/get`)."""

    life_cycle: str
    result: str | None
    message: str
    url: str
    task_run_ids: tuple[int, ...] = ()


class Jobs(Protocol):
    def run_now(self, job_id: int, parameters: dict[str, str]) -> int: ...
    def get_run(self, run_id: int) -> RunState: ...
    def output(self, task_run_id: int) -> str | None: ...


class SmokeFailure(Exception):
    def __init__(self, step: str, message: str, check: str):
        super().__init__(f"step {step!r} failed: {message}\nCheck: {check}")
        self.step = step


@dataclass
class Smoke:
    stack: str
    outputs: dict
    capture_interval_seconds: int | None
    # Builds the clients from the outputs once they are checked (the workspace host is one of them).
    connect: Callable[[dict], tuple[Sender, Jobs]]
    events: int = 300
    run_timeout_seconds: float = 3600
    poll_seconds: float = 15
    log: Callable[[str], None] = print
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    user_id: str = field(default_factory=synthetic_user)
    sender: Sender | None = None
    jobs: Jobs | None = None
    _started: float = 0.0

    # --- running and reporting ---------------------------------------------------------------------------

    def _step(self, name: str, work: Callable[[], str]) -> None:
        begun = self.clock()
        self.log(f"[{begun - self._started:7.1f}s] {name} ...")
        detail = work()
        self.log(f"[{self.clock() - self._started:7.1f}s] {name}: {detail} ({self.clock() - begun:.1f}s)")

    def run(self) -> dict:
        """Runs every step; returns the second delete's summary (all zeros). Raises SmokeFailure."""
        self._started = self.clock()
        sent: Counter = Counter()
        state: dict = {}
        self._step("stack outputs", self._check_outputs)
        try:
            self._step("send events", lambda: self._send(sent))
            self._step("wait for Capture", self._wait_for_capture)
            self._step("ingest", lambda: self._run_job("ingest", "ingestJobId", {}, self._ingest_detail))
            self._step("normalize", lambda: self._run_job("normalize", "normalizeJobId", {}, _summary_text))
            self._step("delete the synthetic user", lambda: self._delete_and_check(sent, state))
            self._step("nothing left", lambda: self._nothing_left(state))
        except SmokeFailure:
            if sent and "deleted" not in state:
                self._cleanup()
            raise
        self.log(
            f"smoke test of {self.stack} passed in {self.clock() - self._started:.0f}s. Left behind by design: "
            "the deletion audit rows (a salted hash of the synthetic user, no data) and, until the raw "
            "retention lifecycle deletes them, the Capture files holding its events."
        )
        return state["second"]

    # --- steps -------------------------------------------------------------------------------------------

    def _check_outputs(self) -> str:
        missing = [k for k in REQUIRED_OUTPUTS if self.outputs.get(k) in (None, "", [], "[secret]")]
        if missing:
            raise SmokeFailure(
                "stack outputs",
                f"stack {self.stack} has no {', '.join(missing)}",
                f"that the stack is deployed with this program: pulumi up --stack {self.stack}",
            )
        try:
            self.sender, self.jobs = self.connect(self.outputs)
        except Exception as err:  # any client error is reported with what to check
            raise SmokeFailure(
                "stack outputs",
                f"could not set up the Event Hubs and Databricks clients: {type(err).__name__}: {err}",
                "`az login` (or the pipeline's Azure sign-in) and `az account show`",
            ) from err
        return f"workspace {self.outputs['databricksWorkspaceUrl']}, hub {self._hub()}"

    def _sender(self) -> Sender:
        assert self.sender is not None, "connect() runs in the first step"
        return self.sender

    def _jobs(self) -> Jobs:
        assert self.jobs is not None, "connect() runs in the first step"
        return self.jobs

    def _hub(self) -> str:
        return f"{self.outputs['eventHubsNamespace']}/{self.outputs['eventHubNames'][0]}"

    def _send(self, sent: Counter) -> str:
        bodies, per_table = synthetic_events(self.user_id, self.events)
        try:
            self._sender().send(
                self.outputs["eventHubsNamespace"], self.outputs["eventHubNames"][0], bodies, self.user_id
            )
        except Exception as err:  # any client error is reported with what to check
            raise SmokeFailure(
                "send events",
                f"{type(err).__name__}: {err}",
                f"that your identity has 'Azure Event Hubs Data Sender' on {self.outputs['eventHubsNamespace']} "
                "(eventHubs.senderPrincipalIds) and that `az login` is current",
            ) from err
        sent.update(per_table)
        return f"{len(bodies)} events of user {self.user_id} to {self._hub()}"

    def _wait_for_capture(self) -> str:
        interval = self.capture_interval_seconds or MAX_CAPTURE_INTERVAL_SECONDS
        wait = interval + CAPTURE_MARGIN_SECONDS
        self.sleep(wait)
        source = "the stack's" if self.capture_interval_seconds else "Azure's largest"
        return f"waited {wait}s ({source} Capture interval {interval}s + {CAPTURE_MARGIN_SECONDS}s)"

    def _run_job(self, name: str, output: str, parameters: dict[str, str], describe: Callable[[dict], str]) -> str:
        summary = self._job(name, output, parameters)
        return describe(summary)

    def _job(self, name: str, output: str, parameters: dict[str, str]) -> dict:
        job_id = int(self.outputs[output])
        try:
            run_id = self._jobs().run_now(job_id, parameters)
        except Exception as err:
            raise SmokeFailure(
                name,
                f"could not start job {job_id}: {type(err).__name__}: {err}",
                "that your identity may run the stack's jobs (CAN_MANAGE_RUN) and `az login` is current",
            ) from err
        deadline = self.clock() + self.run_timeout_seconds
        state = self._jobs().get_run(run_id)
        while state.life_cycle not in ("TERMINATED", "SKIPPED", "INTERNAL_ERROR"):
            if self.clock() >= deadline:
                raise SmokeFailure(
                    name,
                    f"run {run_id} of job {job_id} still {state.life_cycle} after {self.run_timeout_seconds:.0f}s",
                    f"the run at {state.url}",
                )
            self.sleep(self.poll_seconds)
            state = self._jobs().get_run(run_id)
        if state.result != "SUCCESS":
            raise SmokeFailure(
                name,
                f"run {run_id} of job {job_id} ended {state.life_cycle}/{state.result}: {state.message}",
                f"the run's output and logs at {state.url}",
            )
        texts = [self._jobs().output(task) for task in state.task_run_ids]
        try:
            return json.loads(next(t for t in texts if t))
        except (StopIteration, ValueError) as err:
            raise SmokeFailure(
                name,
                f"run {run_id} returned no summary JSON (notebook exit value {texts!r})",
                "that the deployed notebooks end with dbutils.notebook.exit(<summary JSON>): make deploy-code "
                f"STACK={self.stack}",
            ) from err

    def _ingest_detail(self, summary: dict) -> str:
        return _summary_text(summary, ("batches", "messages_read", "bronze_rows"))

    def _delete(self, step: str) -> dict:
        return self._job(step, "deleteJobId", {"user_ids": self.user_id, "request_id": f"smoke-{uuid.uuid4()}"})

    def _delete_and_check(self, sent: Counter, state: dict) -> str:
        summary = self._delete("delete the synthetic user")
        state["deleted"] = True
        removed: dict = summary.get("rows_removed", {})
        expected = {"bronze": sum(sent.values()), **{f"silver.{t}": n for t, n in sent.items()}}
        found = {"bronze": _removed(removed, r"bronze\.events")}
        found |= {f"silver.{t}": _removed(removed, rf"silver\.{re.escape(t)}") for t in sent}
        short = {k: (found[k], n) for k, n in expected.items() if found[k] != n}
        if short:
            raise SmokeFailure(
                "delete the synthetic user",
                "rows of the synthetic user found (found, sent): "
                + ", ".join(f"{k} {f}/{n}" for k, (f, n) in sorted(short.items())),
                "bronze short: Capture files in the capture container and the ingest run (Capture interval, "
                "trigger, checkpoint); silver short: the quarantine table and the normalize run",
            )
        return f"removed {expected['bronze']} rows from bronze and {sum(sent.values())} from {len(sent)} silver tables"

    def _nothing_left(self, state: dict) -> str:
        summary = self._delete("nothing left")
        left = {t: n for t, n in summary.get("rows_removed", {}).items() if n}
        if left:
            raise SmokeFailure(
                "nothing left",
                f"a second deletion still removed rows: {left}",
                "which job wrote the synthetic user's rows after the first deletion (a concurrent ingest or "
                "normalize run) and that the delete job covers every table",
            )
        state["second"] = summary
        return f"a second deletion removed 0 rows from {len(summary.get('rows_removed', {}))} tables"

    def _cleanup(self) -> None:
        self.log(f"cleaning up: deleting the synthetic user {self.user_id}")
        try:
            summary = self._delete("cleanup")
            self.log(f"cleanup removed {sum(summary.get('rows_removed', {}).values())} rows")
        except SmokeFailure as err:
            self.log(
                f"cleanup failed too: {err}\nRun the delete job with user_ids={self.user_id} by hand "
                f"(databricks jobs run-now {self.outputs.get('deleteJobId')} --json "
                f'\'{{"job_parameters": {{"user_ids": "{self.user_id}"}}}}\')'
            )


def _removed(rows_removed: dict, pattern: str) -> int:
    """Rows removed from the table whose key matches; a personal stack's keys carry its schema prefix."""
    return sum(n for key, n in rows_removed.items() if re.search(rf"(^|[_.]){pattern}$", key))


def _summary_text(summary: dict, keys: Sequence[str] | None = None) -> str:
    shown = {k: summary[k] for k in (keys or summary) if k in summary}
    return ", ".join(f"{k} {v}" for k, v in shown.items()) or "done"
