"""The jobs' parameters, validated against their one declaration, `job_parameters.json`.

Anyone allowed to start a job run (CAN_MANAGE_RUN) can override its parameters, so each job checks every value
it is given against the contract before it touches a table: a value out of range, of the wrong type or shape
fails the run, naming the parameter, the value and the fix. The program's config reads the same file for the
values it sets.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

CONTRACT = Path(__file__).with_name("job_parameters.json")
JOBS = ("ingest", "normalize", "delete")
# Where a job's tables live; the local runner's `--lake` folder stands for all three.
LAKE_LOCATION = ("catalog", "schema_prefix", "checkpoints")
_TRUE, _FALSE = ("true", "1", "yes"), ("false", "0", "no")


class ParameterError(ValueError):
    """A job parameter outside its contract; raised before any table is read or written."""


@dataclass(frozen=True)
class Parameter:
    name: str
    jobs: tuple[str, ...]
    type: str  # integer | string | boolean
    meaning: str
    default: object = None
    # The jobs that fail on an empty value.
    required: tuple[str, ...] = ()
    minimum: int | None = None
    maximum: int | None = None
    pattern: str | None = None

    @property
    def widget_default(self) -> str:
        """The text a notebook widget starts with: the default as a job would pass it, or empty."""
        if self.default is None:
            return ""
        if isinstance(self.default, bool):
            return str(self.default).lower()
        return str(self.default)

    def parse(self, text: str, job: str) -> object:
        """The value of `text` as this parameter's type for `job`; empty gives the default (None if it has none)."""
        value = text.strip()
        if not value:
            if job in self.required:
                raise ParameterError(f"job parameter {self.name} is empty: {self._fix(job)}")
            return self.default
        if self.type == "integer":
            if not re.fullmatch(r"-?\d+", value):
                raise ParameterError(f"job parameter {self.name} is {value!r}, not a whole number: {self._fix(job)}")
            number = int(value)
            if (self.minimum is not None and number < self.minimum) or (
                self.maximum is not None and number > self.maximum
            ):
                raise ParameterError(
                    f"job parameter {self.name} is {number}, outside {self._range()}: {self._fix(job)}"
                )
            return number
        if self.type == "boolean":
            if value.lower() in _TRUE:
                return True
            if value.lower() in _FALSE:
                return False
            raise ParameterError(f"job parameter {self.name} is {value!r}, not true or false: {self._fix(job)}")
        if self.pattern and not re.fullmatch(self.pattern, value):
            raise ParameterError(f"job parameter {self.name} is {value!r}: {self._fix(job)}")
        return value

    def _range(self) -> str:
        return f"{self.minimum}..{self.maximum}"

    def _fix(self, job: str) -> str:
        if self.type == "integer":
            what = f"a whole number from {self._range()}"
        elif self.type == "boolean":
            what = "true or false"
        else:
            what = self.meaning
        default = (
            "" if job in self.required else f", or leave it empty for the default ({self.widget_default or 'empty'})"
        )
        return f"Fix: set it on the job run to {what}{default}"


@cache
def contract() -> dict[str, Parameter]:
    """Every declared parameter by name, in the file's order."""
    declared = json.loads(CONTRACT.read_text())
    out = {}
    for name, d in declared.items():
        unknown = set(d["jobs"]) - set(JOBS)
        if unknown:
            raise ValueError(f"{CONTRACT.name}: {name} names unknown jobs {sorted(unknown)}: use some of {JOBS}")
        out[name] = Parameter(
            name=name,
            jobs=tuple(d["jobs"]),
            type=d["type"],
            meaning=d["meaning"],
            default=d.get("default"),
            required=tuple(d["jobs"]) if d.get("required") is True else tuple(d.get("required") or ()),
            minimum=d.get("min"),
            maximum=d.get("max"),
            pattern=d.get("pattern"),
        )
    return out


def of_job(job: str) -> list[Parameter]:
    if job not in JOBS:
        raise ValueError(f"unknown job {job!r}: use one of {JOBS}")
    return [p for p in contract().values() if job in p.jobs]


def parse(job: str, raw: dict[str, str], *, local: bool = False) -> dict[str, object]:
    """The job's parameters as typed values, each checked against the contract.

    `local`: the local runner, whose `--lake` folder stands for the lake location parameters.
    """
    values = {}
    for p in of_job(job):
        if local and p.name in LAKE_LOCATION:
            continue
        values[p.name] = p.parse(raw.get(p.name, ""), job)
    return values


def declare(dbutils, job: str) -> dict[str, str]:
    """Declares each of the job's parameters as a notebook widget with its default (so the notebook also runs by
    hand) and returns the texts the run was given; `parse` checks them."""
    raw = {}
    for p in of_job(job):
        dbutils.widgets.text(p.name, p.widget_default)
        raw[p.name] = dbutils.widgets.get(p.name)
    return raw


def option(name: str) -> str:
    """The local runner's command-line option of a parameter: `--deletion-sla-days`."""
    return "--" + name.replace("_", "-")


def markdown() -> str:
    """The contract as the table docs/pipeline.md shows (a test keeps the two the same)."""
    lines = [
        f"| parameter | {' | '.join(JOBS)} | type | default | meaning |",
        "|---|" + "---|" * len(JOBS) + "---|---|---|",
    ]
    for p in contract().values():
        marks = " | ".join("yes" if job in p.jobs else "" for job in JOBS)
        kinds = {"integer": f"whole number, at least {p.minimum}, at most {p.maximum}", "boolean": "true or false"}
        kind = kinds.get(p.type, "text")
        if p.required:
            default = "required" if p.required == p.jobs else f"required by {', '.join(p.required)}"
        else:
            default = f"default {p.widget_default}" if p.widget_default else "empty"
        lines.append(f"| `{p.name}` | {marks} | {kind} | {default} | {p.meaning} |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(markdown())
