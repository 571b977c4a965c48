"""Starting and waiting for the stack's jobs, and waiting for what Capture and the ingest trigger do on their own.

Every wait is bounded and ends in an OpsError naming the run's page, so a caller never hangs on a stuck job.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass

from h3_ops.clients import Jobs, RunState
from h3_ops.errors import OpsError

# Capture writes a window's file shortly after the window closes.
CAPTURE_MARGIN_SECONDS = 60
# The ingest job's file-arrival trigger fires a minute after the last new file and at most once a minute
# (components/jobSpecs.ts: waitAfterLastChangeSeconds and minTimeBetweenTriggersSeconds, 60 each); a
# triggered run then needs a moment to be listed.
TRIGGER_GRACE_SECONDS = 180
FINAL_STATES = ("TERMINATED", "SKIPPED", "INTERNAL_ERROR")


@dataclass
class Runner:
    """Runs jobs and waits for them on a clock the tests replace."""

    jobs: Jobs
    stack: str
    log: Callable[[str], None] = print
    sleep: Callable[[float], None] = time.sleep
    # Epoch seconds: compared with the jobs API's start times.
    now: Callable[[], float] = time.time
    poll_seconds: float = 15
    run_timeout_seconds: float = 3600

    def run(self, job_id: int, parameters: dict[str, str], what: str) -> tuple[RunState, dict]:
        """Starts the job now (queued behind a running one), waits for it and returns its summary JSON."""
        try:
            run_id = self.jobs.run_now(job_id, parameters)
        except Exception as err:  # any client error is reported with what to check
            raise OpsError(
                f"could not start the {what} job {job_id}: {type(err).__name__}: {err}",
                f"that your identity may run the stack's jobs (CAN_MANAGE_RUN on job {job_id}) and is signed in",
            ) from err
        state = self.wait(run_id, job_id, what)
        return state, self.summary(state, what)

    def wait(self, run_id: int, job_id: int, what: str) -> RunState:
        deadline = self.now() + self.run_timeout_seconds
        state = self.jobs.get_run(run_id)
        while state.life_cycle not in FINAL_STATES:
            if self.now() >= deadline:
                raise OpsError(
                    f"{what} run {run_id} of job {job_id} still {state.life_cycle} after "
                    f"{self.run_timeout_seconds:.0f}s",
                    f"the run at {state.url}",
                )
            self.sleep(self.poll_seconds)
            state = self.jobs.get_run(run_id)
        if state.result != "SUCCESS":
            raise OpsError(
                f"{what} run {run_id} of job {job_id} ended {state.life_cycle}/{state.result}: {state.message}",
                f"the run's output and logs at {state.url}",
            )
        return state

    def summary(self, state: RunState, what: str) -> dict:
        """The run's summary: the JSON its notebook task exits with (dbutils.notebook.exit)."""
        texts = [self.jobs.output(task) for task in state.task_run_ids]
        try:
            return json.loads(next(t for t in texts if t))
        except (StopIteration, ValueError) as err:
            raise OpsError(
                f"{what} run {state.run_id} returned no summary JSON (notebook exit value {texts!r})",
                "that the deployed notebooks end with dbutils.notebook.exit(<summary JSON>): "
                f"make deploy-code STACK={self.stack}",
            ) from err

    def sleep_until(self, moment: float) -> None:
        remaining = moment - self.now()
        if remaining > 0:
            self.sleep(remaining)


@dataclass(frozen=True)
class Ingested:
    """How events sent by `sent_at` reached bronze: the ingest run that took them in and its summary."""

    state: RunState
    summary: dict
    # True when the job's file-arrival trigger started the run; False when it was started by hand.
    triggered: bool
    # Why the run was started by hand: a note, or with `trigger_missed` a finding the caller must report.
    note: str | None = None
    trigger_missed: bool = False


def wait_for_ingest(
    runner: Runner,
    ingest_job_id: int,
    sent_at: float,
    capture_interval_seconds: int,
    *,
    expect_trigger: bool = True,
) -> Ingested:
    """Waits until Capture has written the window holding events sent by `sent_at` and ingest took it in.

    The window holding the last event closes at most `capture_interval_seconds` after it, and its file lands
    within a margin. By then plus the trigger's grace, a live file-arrival trigger has started a run that saw
    the file: the latest triggered run that started after the send is waited for. When there is none, ingest is
    started by hand so the caller can go on, with `trigger_missed` set and a note saying what to check. A job
    without a live file-arrival trigger (a schedule, a paused personal stack), or `expect_trigger=False` (a
    trigger already found wanting, a cleanup), starts ingest by hand as soon as the file has landed.
    """
    landed = sent_at + capture_interval_seconds + CAPTURE_MARGIN_SECONDS
    job = runner.jobs.trigger(ingest_job_id)
    if expect_trigger and job.kind == "file_arrival" and not job.paused:
        runner.sleep_until(landed + TRIGGER_GRACE_SECONDS)
        triggered = [
            r
            for r in runner.jobs.runs_since(ingest_job_id, int(sent_at * 1000))
            if r.trigger == "FILE_ARRIVAL" and (r.start_time_ms or 0) >= sent_at * 1000
        ]
        if triggered:
            latest = max(triggered, key=lambda r: r.start_time_ms or 0)
            state = runner.wait(latest.run_id, ingest_job_id, "ingest")
            return Ingested(state, runner.summary(state, "ingest"), True)
        waited = landed + TRIGGER_GRACE_SECONDS - sent_at
        events = {True: "uses file events", False: "does not use file events", None: "reports no file events state"}
        note = (
            f"the file-arrival trigger of ingest job {ingest_job_id} started no run within {waited:.0f}s of the "
            f"send (Capture interval {capture_interval_seconds}s + {CAPTURE_MARGIN_SECONDS}s for the file + "
            f"{TRIGGER_GRACE_SECONDS}s for the trigger; the trigger {events[job.using_file_events]}), so ingest "
            "was started by hand"
        )
        runner.log(note)
        state, summary = runner.run(ingest_job_id, {}, "ingest")
        return Ingested(state, summary, False, note, trigger_missed=True)
    if not expect_trigger:
        note = "ingest started by hand once Capture's file had landed"
    else:
        paused = ", paused" if job.paused else ""
        note = f"ingest job {ingest_job_id} starts on {job.kind or 'nothing'}{paused}: started by hand"
    runner.sleep_until(landed)
    state, summary = runner.run(ingest_job_id, {}, "ingest")
    return Ingested(state, summary, False, note)
