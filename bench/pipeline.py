"""The jobs against their floors, measured side by side in one run on one local SparkSession.

    PYTHONPATH=notebooks python bench/pipeline.py [--events 1000000] [--users 10000] [--files 400] ...

- ingest: Capture Avro -> bronze (the job: stream, envelope parsing, Delta append with txn ids) vs Spark
  reading the same Avro and writing plain parquet, and vs that floor plus the envelope parse. Alternated
  `--repeat` times. Peak RSS (Python driver + JVM tree) of `python -m h3_ml ingest` on the same data, in a
  process of its own.
- incremental normalize: a run over `--increment` new data after a full run, vs the full run.
- command floor: one scan, append, MERGE delete and MERGE update on one-row Delta tables: the fixed cost of
  each Delta command the jobs run, with no data to move.
- delete: the run-now for one user's request (an event ingested first) in every user table: files rewritten
  (remove actions in the Delta log) vs files whose rows held the user, and time up to the completed audit row vs
  one filtered scan of the same tables; the whole run's time beside it.
- aging (bench/aging.py): hourly batches of `--age-events` events from `--age-users` users, the delete job's daily
  run every `--age-daily-every` hours and at each of `--ages`, where a run-now for one user's request follows it:
  the daily run's time, the run-now's files and bytes read and rewritten, its time against the plain
  `DELETE ... WHERE` and one filtered scan on the same lake.

`--scenarios` picks some of them (normalize and delete run on ingest's lake, so they need ingest).

Generated Capture files are cached under `--cache`, keyed by the generation parameters, and reused.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aging
from demo_report import proof
from rss import PeakRss

TARGETS = {"ingest_vs_floor": 1.5, "incremental_vs_full_normalize": 0.10, "delete_vs_scan": 2.0}
_START = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
_SPACING = timedelta(seconds=2)  # the generator enqueues one message every two seconds
_PARTITIONS = 4


def _positive(name: str, kind=int):
    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name} must be a {kind.__name__}, got {text!r}") from None
        if value <= 0:
            raise argparse.ArgumentTypeError(f"{name} must be above 0, got {text}")
        return value

    return parse


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--events", type=_positive("--events"), default=1_000_000)
    p.add_argument("--users", type=_positive("--users"), default=10_000)
    p.add_argument("--files", type=_positive("--files"), default=400, help="Capture files, about")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--increment", type=_positive("--increment", float), default=0.01, help="new data, share")
    p.add_argument("--repeat", type=_positive("--repeat"), default=2, help="samples of ingest and delete")
    p.add_argument("--cache", default=".cache/bench", help="generated Capture files, reused across runs")
    p.add_argument("--work", default=".cache/bench/work", help="lakes written here, emptied first")
    p.add_argument("--json", help="also write every figure to this file")
    p.add_argument("--scenarios", type=_scenarios, default=",".join(SCENARIOS), help="comma-separated, in order")
    p.add_argument("--age-users", type=_positive("--age-users"), default=2000)
    p.add_argument("--age-events", type=_positive("--age-events"), default=20_000, help="events per hour")
    p.add_argument("--ages", type=_ages, default="2,24,96", help="hours of hourly batches at which to delete")
    p.add_argument(
        "--age-daily-every", type=_positive("--age-daily-every"), default=24, help="hours between daily delete runs"
    )
    return p


SCENARIOS = ("ingest", "normalize", "floor", "delete", "aging")


def _scenarios(text: str) -> list[str]:
    chosen = [s.strip() for s in text.split(",") if s.strip()]
    unknown = [s for s in chosen if s not in SCENARIOS]
    if unknown or not chosen:
        raise argparse.ArgumentTypeError(f"--scenarios takes some of {','.join(SCENARIOS)}, got {text!r}")
    if {"normalize", "delete"} & set(chosen) and "ingest" not in chosen:
        raise argparse.ArgumentTypeError("--scenarios: normalize and delete run on ingest's lake; add ingest")
    return chosen


def _ages(text: str) -> list[int]:
    try:
        ages = sorted({int(a) for a in text.split(",")})
    except ValueError:
        raise argparse.ArgumentTypeError(f"--ages takes whole hours like 2,24,96, got {text!r}") from None
    if not ages or ages[0] < 1:
        raise argparse.ArgumentTypeError(f"--ages takes hours of 1 or more, got {text!r}")
    return ages


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def timed(action):
    started = time.perf_counter()
    result = action()
    return time.perf_counter() - started, result


def generated_capture(args: argparse.Namespace) -> tuple[Path, Path, float | None]:
    """Base and increment Capture folders for these parameters; generation time, or None when cached."""
    from h3_ml.generate import generate

    windows = max(1, args.files // _PARTITIONS)
    window = timedelta(seconds=max(60, int(args.events * _SPACING.total_seconds() / windows)))
    key = f"capture-e{args.events}-u{args.users}-f{args.files}-s{args.seed}-i{args.increment}"
    folder = Path(args.cache) / key
    base, extra, done = folder / "base", folder / "increment", folder / "generated.json"
    if done.exists():
        return base, extra, None
    shutil.rmtree(folder, ignore_errors=True)
    log(f"generating {args.events} events into {folder} (cached for later runs)")
    started = time.perf_counter()
    sample = generate(base, users=args.users, events=args.events, seed=args.seed, window=window, start=_START)
    # The increment starts after the base's last window, as the next hours of traffic would.
    later = _START + window * (args.events * _SPACING // window + 2)
    more = generate(
        extra,
        users=args.users,
        events=max(1, int(args.events * args.increment)),
        seed=args.seed + 1,
        window=window,
        start=later,
    )
    seconds = time.perf_counter() - started
    done.write_text(json.dumps({"base": asdict(sample), "increment": asdict(more), "seconds": seconds}))
    return base, extra, seconds


def bench_ingest(spark, capture: Path, work: Path, repeat: int) -> dict:
    from h3_ml.capture import read_capture_batch
    from h3_ml.ingest import run_ingest, to_bronze
    from h3_ml.lake import Lake

    def floor(out: Path) -> None:
        read_capture_batch(spark, str(capture)).write.parquet(str(out))

    def parsed(out: Path) -> None:
        # The floor plus the one piece of the job's work it cannot skip: the envelope parse (deletion finds a
        # user's bronze rows by the parsed `userId`). No stream, no shuffle, no Delta.
        to_bronze(read_capture_batch(spark, str(capture))).write.parquet(str(out))

    # One untimed run of each side on all the data first, so no sample pays class loading and JIT alone. A
    # warm-up on one folder was not enough: the first samples after it still ran 1.6x (floor) and 1.2x
    # (ingest) slower than the second (1M events: 11.4 s vs 7.2 s, 18.3 s vs 15.1 s).
    floor(work / "warm-up" / "floor")
    parsed(work / "warm-up" / "parsed")
    run_ingest(spark, str(capture), Lake.local(str(work / "warm-up" / "lake")), progress=lambda _: None)
    floors, parses, job, lake = [], [], [], None
    for r in range(repeat):
        seconds, _ = timed(lambda r=r: floor(work / f"floor-{r}"))
        floors.append(seconds)
        seconds, _ = timed(lambda r=r: parsed(work / f"parsed-{r}"))
        parses.append(seconds)
        lake = Lake.local(str(work / f"lake-{r}"))
        seconds, summary = timed(lambda lake=lake: run_ingest(spark, str(capture), lake, progress=log))
        job.append(seconds)
        log(f"ingest sample {r + 1}/{repeat}: floor {floors[-1]:.1f}s, parsed {parses[-1]:.1f}s, ingest {seconds:.1f}s")
    shutil.rmtree(work / "warm-up")
    rss_seconds, rss = ingest_process_rss(capture, work / "rss-lake")
    return {
        "floor_seconds": floors,
        "parsed_floor_seconds": parses,
        "ingest_seconds": job,
        "rows": summary.bronze_rows,
        "ratio": statistics.median(job) / statistics.median(floors),
        "parsed_ratio": statistics.median(parses) / statistics.median(floors),
        "vs_parsed_ratio": statistics.median(job) / statistics.median(parses),
        "peak_rss_bytes": rss,
        "rss_run_seconds": rss_seconds,
        "lake": lake,
    }


def ingest_process_rss(capture: Path, lake_root: Path) -> tuple[float, int]:
    """Runs `python -m h3_ml ingest` on the same data in a process of its own; its wall time and peak tree RSS.

    Its own process, because a JVM keeps the heap it once grew to: sampled inside this one, the figure would
    be whatever the benchmark ran before.
    """
    command = [sys.executable, "-m", "h3_ml", "ingest", "--capture", str(capture), "--lake", str(lake_root)]
    output = lake_root.parent / "rss-run.log"
    started = time.perf_counter()
    with output.open("w") as sink:
        child = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT)
        with PeakRss(child.pid) as peak:
            code = child.wait()
    if code:
        raise RuntimeError(f"{' '.join(command)} exited {code}; its output is in {output}")
    return time.perf_counter() - started, peak.bytes


def bench_normalize(spark, lake, capture: Path, increment: Path) -> dict:
    from h3_ml.ingest import run_ingest
    from h3_ml.normalize import run_normalize

    full_seconds, full = timed(lambda: run_normalize(spark, lake, progress=log))
    # New Capture files land beside the old ones, as Capture keeps writing into the same folders.
    shutil.copytree(increment, capture, dirs_exist_ok=True)
    ingest_seconds, _ = timed(lambda: run_ingest(spark, str(capture), lake, progress=log))
    inc_seconds, inc = timed(lambda: run_normalize(spark, lake, progress=log))
    return {
        "full_seconds": full_seconds,
        "full_rows": full.rows_read,
        "increment_ingest_seconds": ingest_seconds,
        "increment_seconds": inc_seconds,
        "increment_rows": inc.rows_read,
        "ratio": inc_seconds / full_seconds,
    }


def filtered_scan(spark, tables: list, user: str) -> int:
    from pyspark.sql import functions as F

    return sum(t.read(spark).filter(F.col(t.spec.user_column) == user).count() for t in tables)


def bench_delete(spark, lake, capture: Path, repeat: int) -> dict:
    from h3_ml.deletion import DeleteSettings, run_delete_job
    from h3_ml.tables import user_tables

    tables = lake.existing(spark, user_tables())
    # The generated traffic's own deletion requests, and the first scan of the lake, go to an untimed daily run.
    aging.daily_run(spark, lake, capture, lambda _: None)
    samples = []
    for user in aging.pick_users(spark, lake, repeat):
        request_id = aging.request_deletion(spark, lake, capture, user)
        holding = {t.label: set(proof.rows_by_file(spark, t, [user])) for t in tables}
        versions = {t.label: proof.version(spark, t) for t in tables}
        files = {t.label: proof.live_files(spark, t) for t in tables}
        scan_seconds, rows = timed(lambda user=user: filtered_scan(spark, tables, user))
        phases = []
        started = time.perf_counter()

        def progress(message: str, phases=phases, started=started) -> None:
            phases.append((round(time.perf_counter() - started, 2), message))

        settings = DeleteSettings(request_id=request_id, capture_root=str(capture))
        delete_seconds, summary = timed(
            lambda settings=settings, progress=progress: run_delete_job(spark, lake, settings, progress=progress)
        )
        rewritten = {t.label: proof.files_removed_since(t, versions[t.label]) for t in tables}
        # The request is done when its audit row is completed; the run-now ends soon after (the request's row for
        # the run summary). VACUUM is the daily run's.
        completed = summary.seconds_to_completed_audit
        samples.append(
            {
                "user": user,
                "rows": rows,
                "rows_removed": sum(summary.rows_removed.values()),
                "table_files": files,
                "files_holding": {k: len(v) for k, v in holding.items()},
                "files_rewritten": {k: len(v) for k, v in rewritten.items()},
                "rewritten_equals_holding": all(rewritten[k] == holding[k] for k in holding),
                "scan_seconds": scan_seconds,
                "delete_seconds": completed,
                "whole_run_seconds": delete_seconds,
                "phases": phases,
            }
        )
        log(f"delete {user}: {rows} rows, scan {scan_seconds:.1f}s, delete {completed:.1f}s ({delete_seconds:.1f}s)")
    scan = statistics.median(s["scan_seconds"] for s in samples)
    delete = statistics.median(s["delete_seconds"] for s in samples)
    whole = statistics.median(s["whole_run_seconds"] for s in samples)
    return {
        "samples": samples,
        "scan_seconds": scan,
        "delete_seconds": delete,
        "whole_run_seconds": whole,
        "ratio": delete / scan,
        "whole_run_ratio": whole / scan,
    }


def bench_command_floor(spark, work: Path, repeat: int = 5) -> dict[str, float]:
    """What one Delta command costs with no data to move: the fixed cost a job pays for each command it runs.

    On one-row tables: a filtered count, a one-row append, a MERGE that deletes the row (the delete's command per
    table) and a MERGE that updates it (the audit's completion). Medians of `repeat` after one untimed round, so
    a checkpoint (Delta writes one every tenth commit) is mostly left out.
    """
    from delta.tables import DeltaTable

    row = spark.createDataFrame([("u-1", 1)], "userId string, n bigint")
    key = spark.createDataFrame([("u-1",)], "userId string")
    paths = {name: str(work / "command-floor" / name) for name in ("scan", "append", "merge_delete", "merge_update")}
    for path in paths.values():
        row.write.format("delta").option("delta.enableDeletionVectors", "false").save(path)

    def merge(name: str):
        return DeltaTable.forPath(spark, paths[name]).alias("t").merge(key.alias("s"), "t.userId = s.userId")

    commands = {
        "scan": lambda: spark.read.format("delta").load(paths["scan"]).filter("userId = 'u-1'").count(),
        "append": lambda: row.write.format("delta").mode("append").save(paths["append"]),
        "merge_delete": lambda: merge("merge_delete").whenMatchedDelete().execute(),
        "merge_update": lambda: merge("merge_update").whenMatchedUpdate(set={"n": "t.n + 1"}).execute(),
    }
    seconds: dict[str, list[float]] = {name: [] for name in commands}
    for r in range(repeat + 1):
        for name, command in commands.items():
            took, _ = timed(command)
            if r:
                seconds[name].append(took)
        row.write.format("delta").mode("append").save(paths["merge_delete"])  # the row to delete next round
    return {name: statistics.median(values) for name, values in seconds.items()}


def _verdict(name: str, ratio: float) -> str:
    target = TARGETS[name]
    return f"(target <= {target:g}x) {'ok' if ratio <= target else 'MISSED'}"


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    # Delta path identifiers in SQL (`delta.`<path>``) must be absolute.
    work = Path(args.work).resolve()
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    chosen = args.scenarios

    from h3_ml.session import local_spark

    spark = local_spark("h3-ml-bench")
    print(
        f"pipeline benchmark {datetime.now(UTC):%Y-%m-%d %H:%M} UTC: scenarios={','.join(chosen)} "
        f"cores={os.cpu_count()} spark=local[2] driver-memory=2g"
    )
    figures: dict = {"args": vars(args)}
    if "ingest" in chosen:
        figures.update(run_pipeline_scenarios(spark, args, work, chosen))
    if "floor" in chosen:
        figures["floor"] = print_floor(bench_command_floor(spark, work))
    if "aging" in chosen:
        from h3_ml.tables import USER_BUCKETS

        figures["aging"] = aging.bench_aging(
            spark,
            work,
            Path(args.cache),
            users=args.age_users,
            per_hour=args.age_events,
            ages=args.ages,
            daily_every=args.age_daily_every,
            seed=args.seed,
            log=log,
        )
        print("\n".join(aging.report(figures["aging"], USER_BUCKETS)))
    spark.stop()
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(figures, indent=2, default=str))
    return 0


def run_pipeline_scenarios(spark, args: argparse.Namespace, work: Path, chosen: list[str]) -> dict:
    base, increment, gen_seconds = generated_capture(args)
    capture = work / "capture"
    shutil.copytree(base, capture)
    print(
        f"  data: events={args.events} users={args.users} files={sum(1 for _ in base.rglob('*.avro'))} "
        f"seed={args.seed} increment={args.increment:g} repeat={args.repeat}; "
        f"generation {'cached' if gen_seconds is None else f'{gen_seconds:.1f} s'} ({base.parent})"
    )
    figures = {}
    ingest = bench_ingest(spark, capture, work, args.repeat)
    lake = ingest.pop("lake")
    figures["ingest"] = ingest
    fmt = lambda xs: " ".join(f"{x:.1f}" for x in xs)  # noqa: E731
    print(
        f"  ingest {ingest['rows']} rows: job [{fmt(ingest['ingest_seconds'])}] s, "
        f"floor avro->parquet [{fmt(ingest['floor_seconds'])}] s, "
        f"floor with the envelope parse [{fmt(ingest['parsed_floor_seconds'])}] s"
    )
    print(f"RATIO ingest_vs_floor {ingest['ratio']:.2f}x {_verdict('ingest_vs_floor', ingest['ratio'])}")
    print(
        f"RATIO parsed_floor_vs_floor {ingest['parsed_ratio']:.2f}x and ingest_vs_parsed_floor "
        f"{ingest['vs_parsed_ratio']:.2f}x (the envelope parse alone, then the stream, shuffle and Delta; no target)"
    )
    print(
        f"PEAK_RSS ingest {ingest['peak_rss_bytes'] / 2**30:.2f} GiB (`python -m h3_ml ingest` on the same data in "
        f"its own process, {ingest['rss_run_seconds']:.1f} s with Spark's start: Python driver + JVM, sampled every "
        "0.1 s)"
    )
    if "normalize" in chosen:
        normalize = bench_normalize(spark, lake, capture, increment)
        figures["normalize"] = normalize
        print(
            f"  normalize full {normalize['full_rows']} rows {normalize['full_seconds']:.1f} s; "
            f"increment {normalize['increment_rows']} rows {normalize['increment_seconds']:.1f} s "
            f"(its ingest {normalize['increment_ingest_seconds']:.1f} s)"
        )
        print(
            f"RATIO incremental_vs_full_normalize {normalize['ratio']:.3f}x "
            f"{_verdict('incremental_vs_full_normalize', normalize['ratio'])}"
        )
    if "delete" in chosen:
        delete = bench_delete(spark, lake, capture, args.repeat)
        figures["delete"] = delete
        print_delete(delete)
    return figures


def print_floor(floor: dict[str, float]) -> dict[str, float]:
    print(
        "FLOOR one Delta command on a one-row table: "
        + ", ".join(f"{name.replace('_', ' ')} {seconds:.2f} s" for name, seconds in floor.items())
        + " (medians; the fixed cost behind each command of the jobs)"
    )
    print(
        f"RATIO floor_merge_delete_vs_scan {floor['merge_delete'] / floor['scan']:.1f}x (one-row tables: a MERGE "
        "that deletes the row against a count of it, before any data moves; no target)"
    )
    return floor


def print_delete(delete: dict) -> None:
    for s in delete["samples"]:
        holding, rewritten = s["files_holding"], s["files_rewritten"]
        print(
            f"  delete {s['user']}: {s['rows_removed']} rows removed, scan {s['scan_seconds']:.1f} s, "
            f"delete {s['delete_seconds']:.1f} s to the completed audit, {s['whole_run_seconds']:.1f} s the whole run"
        )
        for table in holding:
            print(
                f"    {table:34} files {s['table_files'][table]:4}  held the user {holding[table]:3}  "
                f"rewritten {rewritten[table]:3}"
            )
        for at, message in s["phases"]:
            print(f"    {at:7.2f}s  {message}")
    equal = all(s["rewritten_equals_holding"] for s in delete["samples"])
    print(f"FILES delete_rewritten_vs_holding {'equal' if equal else 'DIFFERENT'} (target: equal)")
    print(f"RATIO delete_vs_scan {delete['ratio']:.2f}x {_verdict('delete_vs_scan', delete['ratio'])}")
    print(
        f"RATIO delete_whole_run_vs_scan {delete['whole_run_ratio']:.2f}x (the same run-nows, start to end; no target)"
    )


if __name__ == "__main__":
    sys.exit(main())
