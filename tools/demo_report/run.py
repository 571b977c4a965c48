"""`make demo`'s pipeline half in one process: generate -> ingest -> normalize -> delete one user -> report.

One SparkSession for every step: Spark's start-up is most of a small run, and five separate `python -m h3_ml`
processes paid it five times. The steps call the same job functions as the CLI and the notebooks.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

from demo_report.figures import delete_with_proof, lake_figures, plan_components
from demo_report.render import html_report, terminal_summary


def _positive(name: str):
    def parse(text: str) -> int:
        if not text.isdigit() or int(text) < 1:
            raise argparse.ArgumentTypeError(f"{name} must be a whole number of 1 or more, got {text!r}")
        return int(text)

    return parse


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m demo_report", description=__doc__.splitlines()[0])
    p.add_argument("--out", required=True, help="folder for capture/, lake/ and report.html (emptied first)")
    p.add_argument("--users", type=_positive("--users"), default=40)
    p.add_argument("--events", type=_positive("--events"), default=1000)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--user", default="u-0007", help="the user whose deletion the report proves")
    p.add_argument("--plan", help="plan JSON of a stack (tools/demo_report/plan.ts); omitted: no plan section")
    return p


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def run_demo(spark, out: Path, *, users: int, events: int, seed: int, user: str, plan: dict | None) -> dict:
    from h3_ml.generate import generate, write_deletion_request
    from h3_ml.ingest import run_ingest
    from h3_ml.lake import Lake
    from h3_ml.normalize import run_normalize

    timings: dict[str, float] = {}

    def step(name: str, action):
        started = time.perf_counter()
        result = action()
        timings[name] = time.perf_counter() - started
        return result

    # The demo's tables keep rewritten files one second instead of the days production keeps them, so the daily
    # run's VACUUM shows the files gone in one sitting.
    capture, lake = out / "capture", Lake.local(str((out / "lake").resolve()), file_retention=timedelta(seconds=1))
    # Twenty seconds between messages spreads the run over hours, so the hourly chart has a shape; fifteen
    # minute windows are Capture's longest. The traffic ends now, as a day's would.
    spacing = timedelta(seconds=20)
    start = datetime.now(UTC).replace(second=0, microsecond=0) - spacing * events
    sample = step(
        "generate",
        lambda: generate(
            capture, users=users, events=events, seed=seed, spacing=spacing, window=timedelta(minutes=15), start=start
        ),
    )
    step("ingest", lambda: run_ingest(spark, str(capture.resolve()), lake, progress=_progress))
    step("normalize", lambda: run_normalize(spark, lake, progress=_progress))
    # The user's request arrives as the backend sends it: an event through Capture and ingest.
    request_id = write_deletion_request(capture, user)
    step("request", lambda: run_ingest(spark, str(capture.resolve()), lake, progress=_progress))
    deletion = step(
        "delete",
        lambda: delete_with_proof(
            spark, lake, user, request_id, capture_root=str(capture.resolve()), progress=_progress
        ),
    )
    figures = step("report", lambda: lake_figures(spark, lake))
    return {
        "created": f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        "generated": asdict(sample),
        **figures,
        "deletion": deletion,
        "plan": plan_components(plan) if plan else None,
        "timings": timings,
    }


def write_report(figures: dict, out: Path) -> Path:
    path = out / "report.html"
    path.write_text(html_report(figures), encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    plan = None
    if args.plan:
        if not Path(args.plan).is_file():
            hint = "write it with `npx tsx tools/demo_report/plan.ts dev <file>`"
            print(f"error: --plan {args.plan!r} is not a file: {hint}", file=sys.stderr)
            return 2
        plan = json.loads(Path(args.plan).read_text())
    out = Path(args.out)
    for sub in ("capture", "lake", "report.html"):
        shutil.rmtree(out / sub, ignore_errors=True) if sub != "report.html" else (out / sub).unlink(missing_ok=True)
    out.mkdir(parents=True, exist_ok=True)

    from h3_ml.session import local_spark

    started = time.perf_counter()
    spark = local_spark("h3-ml-demo")
    spark_start = time.perf_counter() - started
    figures = run_demo(spark, out, users=args.users, events=args.events, seed=args.seed, user=args.user, plan=plan)
    figures["timings"] = {"spark start": spark_start, **figures["timings"]}
    spark.stop()
    path = write_report(figures, out)
    print(terminal_summary(figures))
    print(f"demo done in {time.perf_counter() - started:.0f} s; report: {path.resolve()}")
    return 0
