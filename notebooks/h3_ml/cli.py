"""Local runner: the same job code as the Databricks notebooks, on local Spark + Delta with path-based tables.

python -m h3_ml generate --out DIR --users N --events M [--seed S]
python -m h3_ml ingest --capture DIR --lake DIR
python -m h3_ml normalize --lake DIR
python -m h3_ml delete --lake DIR --user ID [--user ID ...] [--purge]
python -m h3_ml report --lake DIR
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import asdict
from pathlib import Path

SALT_ENV = "H3_AUDIT_SALT"
_SALT_FILE = "_ops/audit-salt"


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


def _existing_dir(name: str):
    def parse(text: str) -> str:
        if not Path(text).is_dir():
            raise argparse.ArgumentTypeError(f"{name} {text!r} is not a folder: pass the folder {_HINTS[name]}")
        return str(Path(text).resolve())

    return parse


_HINTS = {"--capture": "Event Hubs Capture writes to (see `generate`)"}


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m h3_ml", description="H3 ML pipeline on local Spark + Delta")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    g = sub.add_parser("generate", help="write sample Event Hubs Capture files (no Spark)")
    g.add_argument("--out", required=True, help="folder to write Capture files under")
    g.add_argument("--users", required=True, type=_positive("--users"))
    g.add_argument("--events", required=True, type=_positive("--events"))
    g.add_argument("--seed", type=int, default=1)

    i = sub.add_parser("ingest", help="Capture Avro -> bronze.events (exactly once)")
    i.add_argument("--capture", required=True, type=_existing_dir("--capture"))
    i.add_argument("--lake", required=True)

    n = sub.add_parser("normalize", help="bronze -> silver tables + quarantine (incremental)")
    n.add_argument("--lake", required=True)

    d = sub.add_parser("delete", help="delete all data of users, and of users who requested it by event")
    d.add_argument("--lake", required=True)
    d.add_argument("--user", action="append", default=[], metavar="ID", help="user id; repeat for several")
    d.add_argument("--request-id", help="the caller's request id; rerunning the same id is a no-op")
    d.add_argument("--purge", action="store_true", help="VACUUM with zero retention so the bytes go now")
    d.add_argument("--salt", help=f"audit hash salt (default ${SALT_ENV}, else one kept in the lake)")

    r = sub.add_parser("report", help="JSON: every table's location and rows, quarantine by reason")
    r.add_argument("--lake", required=True)
    return p


def _salt(args: argparse.Namespace) -> str:
    if args.salt or os.environ.get(SALT_ENV):
        return args.salt or os.environ[SALT_ENV]
    # Local only: one random salt per lake, so hashes of one user agree across runs.
    path = Path(args.lake) / _SALT_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(os.urandom(16).hex())
    return path.read_text().strip()


def _table(rows: list[tuple[str, object]]) -> str:
    width = max(len(k) for k, _ in rows)
    return "\n".join(f"  {k.ljust(width)}  {v}" for k, v in rows)


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> int:
    started = time.monotonic()
    if args.command == "generate":
        from h3_ml.generate import generate

        sample = generate(args.out, users=args.users, events=args.events, seed=args.seed)
        print(_table([(k, v) for k, v in asdict(sample).items()]))
        return 0

    from h3_ml.lake import Lake
    from h3_ml.session import local_spark

    lake_dir = Path(args.lake).resolve()
    if args.command != "ingest" and not lake_dir.is_dir():
        raise SystemExit(f"error: --lake {args.lake!r} is not a folder: run `ingest --lake {args.lake}` first")
    lake = Lake.local(str(lake_dir))
    spark = local_spark()
    if args.command == "ingest":
        from h3_ml.ingest import run_ingest

        s = run_ingest(spark, args.capture, lake, progress=_progress)
        rows = [("batches", s.batches), ("messages read", s.messages_read), ("bronze rows", s.bronze_rows)]
    elif args.command == "normalize":
        from h3_ml.normalize import run_normalize

        s = run_normalize(spark, lake, progress=_progress)
        rows = [("batches", s.batches), ("bronze rows read", s.rows_read)]
        rows += [(f"silver {t}", n) for t, n in sorted(s.valid.items())]
        rows += [(f"quarantined {r}", n) for r, n in sorted(s.quarantined.items())]
    elif args.command == "delete":
        from h3_ml.deletion import delete_user_data

        s = delete_user_data(
            spark,
            args.user,
            lake,
            salt=_salt(args),
            request_id=args.request_id,
            retain_hours=0 if args.purge else None,
            progress=_progress,
        )
        rows = [("requests", s.requests), ("already completed", s.already_completed)]
        rows += [(f"removed from {t}", n) for t, n in s.rows_removed.items()]
        rows += [("purged tables", len(s.purged))]
    else:
        from h3_ml.report import lake_report

        print(json.dumps(lake_report(spark, lake), indent=2))
        return 0
    print(f"{args.command} done in {time.monotonic() - started:.1f}s")
    print(_table(rows))
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return run(args)
    except (ValueError, FileNotFoundError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
