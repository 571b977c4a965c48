"""Local runner: the jobs the Databricks notebooks run, with the same functions and the same checked parameters,
on local Spark + Delta with tables in folders under `--lake`.

python -m h3_ml generate --out DIR --users N --events M [--seed S]
python -m h3_ml ingest --capture DIR --lake DIR
python -m h3_ml normalize --lake DIR
python -m h3_ml request-deletion --capture DIR --user ID     # prints the request id
python -m h3_ml delete --lake DIR --capture DIR [--request-id ID]
python -m h3_ml report --lake DIR

Each job command takes the job's parameters from notebooks/h3_ml/job_parameters.json as options
(`--deletion-sla-days 20`), checked as the job checks them; `--lake` stands for catalog, schema_prefix and
checkpoints, `--capture` for capture_root.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict
from pathlib import Path

from h3_ml import parameters

# The local runner's name for a parameter where it is not the parameter's own.
_OPTIONS = {"capture_root": "--capture"}
_HINTS = {"capture_root": "Event Hubs Capture writes to (see `generate`)"}


def _positive(name: str):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name} must be a whole number, got {text!r}") from None
        if value < 1:
            raise argparse.ArgumentTypeError(f"{name} must be 1 or more, got {value}")
        return value

    return parse


def _existing_dir(option: str, hint: str):
    def parse(text: str) -> str:
        if not Path(text).is_dir():
            raise argparse.ArgumentTypeError(f"{option} {text!r} is not a folder: pass the folder {hint}")
        return str(Path(text).resolve())

    return parse


def _job_options(p: argparse.ArgumentParser, job: str) -> None:
    """`--lake` and an option per parameter of the job, taking the text a job run would be given."""
    p.add_argument("--lake", required=True, help="folder of the tables (and of the streams' checkpoints)")
    for param in parameters.of_job(job):
        if param.name in parameters.LAKE_LOCATION:
            continue
        option = _OPTIONS.get(param.name, parameters.option(param.name))
        kind = _existing_dir(option, _HINTS[param.name]) if param.name in _HINTS else str
        default = f" (default {param.widget_default})" if param.widget_default else ""
        p.add_argument(
            option, dest=param.name, type=kind, default="", required=job in param.required, help=param.meaning + default
        )


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m h3_ml", description="H3 ML pipeline on local Spark + Delta")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    g = sub.add_parser("generate", help="write sample Event Hubs Capture files (no Spark)")
    g.add_argument("--out", required=True, help="folder to write Capture files under")
    g.add_argument("--users", required=True, type=_positive("--users"))
    g.add_argument("--events", required=True, type=_positive("--events"))
    g.add_argument("--seed", type=int, default=1)

    _job_options(sub.add_parser("ingest", help="Capture Avro -> bronze.events (exactly once)"), "ingest")
    _job_options(sub.add_parser("normalize", help="bronze -> silver tables + quarantine (incremental)"), "normalize")

    r = sub.add_parser(
        "request-deletion",
        help="write a user.deletion_requested event into a Capture file, as the backend or an operator sends it",
    )
    r.add_argument("--capture", required=True, help="folder Capture writes to")
    r.add_argument("--user", required=True, metavar="ID", help="the user whose data is to be deleted")
    r.add_argument("--request-id", help="the event's id (default: a new UUID); the delete job's request_id")

    d = sub.add_parser(
        "delete",
        help="the delete job: the requests in bronze; without --request-id the daily run (VACUUM of every table, "
        "compaction, expiry, watchdog)",
    )
    _job_options(d, "delete")

    rep = sub.add_parser("report", help="JSON: every table's location and rows, quarantine by reason")
    rep.add_argument("--lake", required=True)
    return p


def _table(rows: list[tuple[str, object]]) -> str:
    width = max(len(k) for k, _ in rows)
    return "\n".join(f"  {k.ljust(width)}  {v}" for k, v in rows)


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def job_parameters(args: argparse.Namespace) -> dict[str, object]:
    """The command's options as the job's checked parameters (`--lake` standing for the lake's location)."""
    raw = {p.name: getattr(args, p.name) for p in parameters.of_job(args.command) if hasattr(args, p.name)}
    return parameters.parse(args.command, raw, local=True)


def run(args: argparse.Namespace) -> int:
    started = time.monotonic()
    if args.command == "generate":
        from h3_ml.generate import generate

        sample = generate(args.out, users=args.users, events=args.events, seed=args.seed)
        print(_table([(k, v) for k, v in asdict(sample).items()]))
        return 0
    if args.command == "request-deletion":
        from h3_ml.generate import write_deletion_request

        print(write_deletion_request(args.capture, args.user, request_id=args.request_id))
        return 0

    from h3_ml.lake import Lake
    from h3_ml.session import local_spark

    lake_dir = Path(args.lake).resolve()
    if args.command != "ingest" and not lake_dir.is_dir():
        raise SystemExit(f"error: --lake {args.lake!r} is not a folder: run `ingest --lake {args.lake}` first")
    if args.command == "report":
        from h3_ml.report import lake_report

        print(json.dumps(lake_report(local_spark(), Lake.local(str(lake_dir))), indent=2, default=str))
        return 0
    params = job_parameters(args)
    lake = Lake.from_parameters(params, root=str(lake_dir))
    spark = local_spark()
    if args.command == "ingest":
        from h3_ml.ingest import run_ingest

        s = run_ingest(spark, params["capture_root"], lake, progress=_progress)
        rows = [("batches", s.batches), ("messages read", s.messages_read), ("bronze rows", s.bronze_rows)]
    elif args.command == "normalize":
        from h3_ml.normalize import run_normalize

        s = run_normalize(spark, lake, progress=_progress)
        rows = [("batches", s.batches), ("bronze rows read", s.rows_read)]
        rows += [(f"silver {t}", n) for t, n in sorted(s.valid.items())]
        rows += [(f"quarantined {r}", n) for r, n in sorted(s.quarantined.items())]
    else:
        from h3_ml.deletion import DeleteSettings, run_delete_job

        s = run_delete_job(spark, lake, DeleteSettings.from_parameters(params), progress=_progress)
        rows = [("requests completed", s.requests), ("already completed", s.already_completed)]
        rows += [(f"removed from {t}", n) for t, n in s.rows_removed.items()]
        rows += [(f"expired from {t}", n) for t, n in s.expired.items()]
        rows += [("vacuumed tables", len(s.vacuumed)), ("salt version", s.salt_version)]
        if s.request is not None:
            rows += [("request", json.dumps(s.request, default=str))]
    print(f"{args.command} done in {time.monotonic() - started:.1f}s")
    print(_table(rows))
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return run(args)
    except (ValueError, FileNotFoundError, RuntimeError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
