"""A deployed stack in memory, behind the operator package's client interfaces (h3_ops.clients).

It keeps the contracts the real services keep, so the smoke test and the operator commands run their real
steps against it: Capture writes what was sent into a file one Capture interval later; a live file-arrival
trigger starts an ingest run a minute after a file lands; ingest moves landed events to bronze; normalize
copies the valid ones to their silver tables; the delete job, given `request_id`, fails when that request is
not in bronze yet, and otherwise removes the requesting user's rows and reports the request's audit row.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from datetime import UTC, datetime

from h3_ops.clients import JobTrigger, RunState, SendFailed

from h3_ml.registry import DELETION_REQUESTED, table_name

INGEST, NORMALIZE, DELETE = 11, 12, 13
START = 1_700_000_000.0
LIVE_TRIGGER = JobTrigger("file_arrival", False, using_file_events=True)
OUTPUTS = {
    "databricksWorkspaceUrl": "https://adb-1.2.azuredatabricks.net",
    "databricksWorkspaceResourceId": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Databricks/workspaces/w",
    "eventHubsNamespace": "h3ml-dev-ehns.servicebus.windows.net",
    "eventHubNames": ["events"],
    "eventHubsCaptureIntervalSeconds": 60,
    "ingestJobId": str(INGEST),
    "normalizeJobId": str(NORMALIZE),
    "deleteJobId": str(DELETE),
}


class Clock:
    def __init__(self):
        self.now = START
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


class FakeStack:
    """The hub, the lake and the three jobs of one stack (module docstring)."""

    def __init__(
        self,
        clock: Clock,
        *,
        interval: int = 60,
        trigger: JobTrigger = LIVE_TRIGGER,
        trigger_fires: bool = True,
        fail_sends: int | None = None,
        send_fails_first: bool = False,
        lose_in_ingest: int = 0,
        failing_runs: dict[int, int] | None = None,
        stuck: int | None = None,
        no_summary: int | None = None,
        normalize_requests: bool = False,
        rows_back: dict[str, int] | None = None,
        prefix: str = "",
    ):
        self.clock = clock
        self.interval = interval
        self.job_trigger = trigger
        self.trigger_fires = trigger_fires
        # The send fails after this many batches went out (None: never).
        self.fail_sends = fail_sends
        self.send_fails_first = send_fails_first
        self.lose_in_ingest = lose_in_ingest
        # job id -> how many of its runs fail before one succeeds.
        self.failing_runs = dict(failing_runs or {})
        self.stuck = stuck
        self.no_summary = no_summary
        self.normalize_requests = normalize_requests
        self.rows_back = rows_back
        self.prefix = prefix
        self.hub: list[tuple[float, dict, str]] = []  # (sent at, event, partition key)
        self.sends: list[tuple[str, str, int, str]] = []
        self.captured = 0
        self.bronze: list[dict] = []
        self.silver: dict[str, list[dict]] = defaultdict(list)
        self.normalized = 0
        self.runs: dict[int, dict] = {}
        self.run_now_calls: list[tuple[int, dict]] = []
        self.triggered_for: set[int] = set()

    # --- Sender ------------------------------------------------------------------------------------------

    def send(self, namespace, hub, bodies, partition_key):
        if self.send_fails_first:
            raise SendFailed(0, False, PermissionError("Unauthorized access. 'Send' claim(s) are required"))
        sent = 0
        for i, body in enumerate(bodies):
            if self.fail_sends is not None and i >= self.fail_sends:
                raise SendFailed(sent, True, TimeoutError("the service did not answer in time"))
            self.hub.append((self.clock(), json.loads(body), partition_key))
            sent += 1
        self.sends.append((namespace, hub, len(bodies), partition_key))
        return sent

    # --- Jobs --------------------------------------------------------------------------------------------

    def trigger(self, job_id):
        assert job_id == INGEST
        return self.job_trigger

    def run_now(self, job_id, parameters):
        self.run_now_calls.append((job_id, dict(parameters)))
        return self._start(job_id, parameters, "ONE_TIME", self.clock())

    def runs_since(self, job_id, start_ms):
        if job_id == INGEST and self.trigger_fires:
            self._fire_triggers()
        return sorted(
            (self._state(r) for r in self.runs.values() if r["job"] == job_id and r["start"] * 1000 >= start_ms),
            key=lambda s: -(s.start_time_ms or 0),
        )

    def get_run(self, run_id):
        return self._state(self.runs[run_id])

    def output(self, task_run_id):
        run = self.runs[task_run_id // 100]
        return None if run["summary"] is None else json.dumps(run["summary"])

    # --- the pipeline ------------------------------------------------------------------------------------

    def _fire_triggers(self):
        """A run a minute after each file landed (a file: what was sent, one Capture interval later)."""
        for sent_at, _, _ in self.hub:
            landed = sent_at + self.interval
            fired = int(landed + 60)
            if fired <= self.clock() and fired not in self.triggered_for:
                self.triggered_for.add(fired)
                self._start(INGEST, {}, "FILE_ARRIVAL", fired)

    def _start(self, job_id, parameters, trigger, at):
        run_id = len(self.runs) + 1
        run = {"job": job_id, "params": dict(parameters), "trigger": trigger, "start": at, "summary": None}
        self.runs[run_id] = run
        if self.failing_runs.get(job_id, 0) > 0:
            self.failing_runs[job_id] -= 1
            run["result"], run["message"] = "FAILED", "Workload failed, see run output for details"
            return run_id
        if job_id == self.stuck:
            run["result"], run["message"] = None, ""
            return run_id
        run["result"], run["message"] = "SUCCESS", ""
        if job_id == INGEST:
            run["summary"] = self._ingest(at)
        elif job_id == NORMALIZE:
            run["summary"] = self._normalize()
        else:
            run["summary"] = self._delete(parameters.get("request_id"), at)
            if "error" in run["summary"]:
                run["result"], run["message"] = "FAILED", run["summary"].pop("error")
                run["summary"] = None
        if job_id == self.no_summary:
            run["summary"] = None
        return run_id

    def _state(self, run):
        run_id = next(i for i, r in self.runs.items() if r is run)
        life = "RUNNING" if run["result"] is None else "TERMINATED"
        return RunState(
            run_id,
            life,
            run["result"],
            run["message"],
            f"https://adb/#job/{run['job']}/run/{run_id}",
            (run_id * 100,),
            run["trigger"],
            int(run["start"] * 1000),
        )

    def _table(self, name: str) -> str:
        return f"{self.prefix}{name}"

    def _ingest(self, at):
        landed = [e for t, e, _ in self.hub[self.captured :] if t + self.interval <= at]
        self.captured += len(landed)
        if self.lose_in_ingest:
            landed = landed[self.lose_in_ingest :]
            self.lose_in_ingest = 0
        self.bronze.extend(landed)
        return {"batches": 1, "messages_read": len(landed), "bronze_rows": len(landed)}

    def _normalize(self):
        fresh = self.bronze[self.normalized :]
        self.normalized = len(self.bronze)
        written = 0
        for event in fresh:
            if event["eventType"] != DELETION_REQUESTED or self.normalize_requests:
                self.silver[table_name(event["eventType"])].append(event)
                written += 1
        return {"silver_rows": written, "quarantined": 0}

    def _delete(self, request_id, at):
        request = next((e for e in self.bronze if e["eventId"] == request_id), None)
        if request is None:
            return {"error": f"deletion request {request_id} is not in bronze yet: ingest has not taken it in"}
        user = request["userId"]
        removed = Counter({self._table("bronze.events"): sum(1 for e in self.bronze if e["userId"] == user)})
        self.bronze = [e for e in self.bronze if e["userId"] != user]
        self.normalized = len(self.bronze)
        for table, rows in self.silver.items():
            removed[self._table(f"silver.{table}")] = sum(1 for e in rows if e["userId"] == user)
            self.silver[table] = [e for e in rows if e["userId"] != user]
        if self.rows_back and len([r for r in self.runs.values() if r["job"] == DELETE]) > 1:
            removed.update({self._table(k): n for k, n in self.rows_back.items()})
        stamp = datetime.fromtimestamp(at, UTC).isoformat()
        row = {
            "requestId": request_id,
            "source": "event",
            "requestedAt": request["occurredAt"],
            "completedAt": stamp,
            "rowsRemoved": {self._table("ops.deletion_audit"): 0, **removed},
        }
        return {"requests": 1, "request": row}
