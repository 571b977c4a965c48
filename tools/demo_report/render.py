"""The report as a terminal summary and as one self-contained HTML file: charts are inline SVG drawn here,
so the file opens anywhere with no network; the figures are embedded as JSON for tools and tests."""

from __future__ import annotations

import json
from html import escape

_BLUE, _RED, _GREY, _GREEN = "#3b6ea5", "#c0392b", "#8a8f98", "#2e8b57"
_PROOF_COLUMNS = (
    ("table", "table"),
    ("user_rows_before", "user's rows before"),
    ("user_rows_after", "after"),
    ("rows_before", "all deleted users' rows before"),
    ("rows_after", "after"),
    ("files", "files"),
    ("files_scanned", "files in the users' buckets (read)"),
    ("files_held", "files that held them"),
    ("files_rewritten", "files rewritten"),
    ("files_on_disk_after", "files on disk with their rows after"),
)


def _num(n) -> str:
    return "-" if n is None else f"{n:,}"


def hbars(items: list[tuple[str, int]], color: str = _BLUE, *, width: int = 640) -> str:
    """Horizontal bars, one per (label, value), value printed at the bar's end."""
    if not items:
        return "<p class='empty'>nothing to show</p>"
    label_w, row_h, pad = 260, 26, 60
    top = max(v for _, v in items) or 1
    scale = (width - label_w - pad) / top
    rows = []
    for i, (label, value) in enumerate(items):
        y = i * row_h
        w = max(1.0, value * scale) if value else 0
        rows.append(
            f"<text x='{label_w - 8}' y='{y + 17}' text-anchor='end'>{escape(label)}</text>"
            f"<rect x='{label_w}' y='{y + 4}' width='{w:.1f}' height='{row_h - 8}' fill='{color}' rx='2'/>"
            f"<text x='{label_w + w + 6:.1f}' y='{y + 17}'>{_num(value)}</text>"
        )
    height = len(items) * row_h
    return f"<svg viewBox='0 0 {width} {height}' width='{width}' height='{height}' role='img'>{''.join(rows)}</svg>"


def columns(hours: list[dict], *, width: int = 760, height: int = 240) -> str:
    """Captured messages per hour as columns, the quarantined part of each drawn in red at its foot."""
    if not hours:
        return "<p class='empty'>nothing to show</p>"
    left, bottom, top_pad = 50, 40, 20
    plot_h = height - bottom - top_pad
    top = max(h["captured"] for h in hours) or 1
    slot = (width - left) / len(hours)
    bar = max(2.0, slot * 0.7)
    parts = [f"<line x1='{left}' y1='{height - bottom}' x2='{width}' y2='{height - bottom}' stroke='{_GREY}'/>"]
    for tick in (0, top // 2, top):
        y = height - bottom - tick / top * plot_h
        parts.append(f"<text x='{left - 6}' y='{y + 4:.1f}' text-anchor='end' class='axis'>{_num(tick)}</text>")
    every = max(1, len(hours) // 12)  # at most about twelve hour labels, however long the run
    for i, h in enumerate(hours):
        x = left + i * slot + (slot - bar) / 2
        total_h = h["captured"] / top * plot_h
        bad_h = h["quarantined"] / top * plot_h
        base = height - bottom
        parts.append(
            f"<rect x='{x:.1f}' y='{base - total_h:.1f}' width='{bar:.1f}' height='{total_h:.1f}' fill='{_BLUE}'>"
            f"<title>{escape(h['hour'])}: {h['captured']} captured, {h['quarantined']} quarantined</title></rect>"
            f"<rect x='{x:.1f}' y='{base - bad_h:.1f}' width='{bar:.1f}' height='{bad_h:.1f}' fill='{_RED}'/>"
        )
        if i % every == 0:
            parts.append(
                f"<text x='{x + bar / 2:.1f}' y='{base + 16}' text-anchor='middle' class='axis'>"
                f"{escape(h['hour'][11:16])}</text>"
            )
    first_day = escape(hours[0]["hour"][:10])
    parts.append(f"<text x='{left}' y='{height - 4}' class='axis'>hour (UTC) from {first_day}</text>")
    return f"<svg viewBox='0 0 {width} {height}' width='{width}' height='{height}' role='img'>{''.join(parts)}</svg>"


def _table(header: list[str], rows: list[list], *, numeric_from: int = 1) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = "".join(
        "<tr>"
        + "".join(
            f"<td class='n'>{_num(c)}</td>" if i >= numeric_from and not isinstance(c, str) else f"<td>{escape(c)}</td>"
            for i, c in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _proof_rows(deletion: dict) -> list[list]:
    return [[t[key] for key, _ in _PROOF_COLUMNS] for t in deletion["tables"]]


def _kpis(figures: dict) -> list[tuple[str, str, str]]:
    tables, deletion = figures["tables"], figures["deletion"]
    silver = sum(n or 0 for k, n in tables.items() if k.startswith("silver.") and k != "silver.quarantine")
    left = sum(t["user_rows_after"] + t["files_on_disk_after"] for t in deletion["tables"])
    plan = figures.get("plan")
    return [
        ("messages captured", _num(figures["generated"]["messages"]), _BLUE),
        ("typed silver rows", _num(silver), _GREEN),
        ("quarantined", _num(sum(figures["quarantine"].values())), _RED),
        (f"{deletion['user']}: rows and files left", _num(left), _GREEN if left == 0 else _RED),
        ("planned resources (dev)", _num(plan["total"]) if plan else "-", _GREY),
    ]


_CSS = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;margin:2rem auto;max-width:1000px;color:#222;
padding:0 1rem}
h1{font-size:1.6rem;margin-bottom:.2rem} h2{font-size:1.15rem;margin-top:2.2rem;border-bottom:1px solid #ddd}
.sub{color:#666;margin-top:0} .kpis{display:flex;gap:.8rem;flex-wrap:wrap;margin:1.2rem 0}
.kpi{border:1px solid #e3e3e3;border-left:5px solid;border-radius:6px;padding:.6rem 1rem;min-width:150px}
.kpi b{display:block;font-size:1.5rem} .kpi span{color:#555;font-size:.85rem}
table{border-collapse:collapse;margin:.6rem 0;font-size:.9rem} th,td{padding:.3rem .7rem;border-bottom:1px solid #eee}
th{text-align:left;background:#f6f7f9;font-weight:600} td.n{text-align:right;font-variant-numeric:tabular-nums}
svg text{font-size:12px;fill:#333} svg text.axis{fill:#777;font-size:11px} .legend span{margin-right:1rem}
.sw{display:inline-block;width:.8rem;height:.8rem;margin-right:.3rem;vertical-align:-1px} .ok{color:#2e8b57}
.bad{color:#c0392b} .empty{color:#999}
"""


def html_report(figures: dict) -> str:
    deletion, plan = figures["deletion"], figures.get("plan")
    kpis = "".join(
        f"<div class='kpi' style='border-left-color:{c}'><b>{escape(v)}</b><span>{escape(k)}</span></div>"
        for k, v, c in _kpis(figures)
    )
    tables = sorted(figures["tables"].items(), key=lambda kv: -(kv[1] or 0))
    reasons = sorted(figures["quarantine"].items(), key=lambda kv: -kv[1])
    clean = all(t["user_rows_after"] == 0 and t["files_on_disk_after"] == 0 for t in deletion["tables"])
    verdict = (
        f"<p class='ok'>No table and no data file under any table holds {escape(deletion['user'])} any more.</p>"
        if clean
        else f"<p class='bad'>Rows or files of {escape(deletion['user'])} remain: see the table.</p>"
    )
    if plan:
        plan_html = hbars([(f"{c['name']} ({c['type'].split(':')[-1]})", c["resources"]) for c in plan["components"]])
        plan_html += f"<p>{plan['total']} resources in stack <b>{escape(plan['stack'])}</b>, under Pulumi mocks.</p>"
    else:
        plan_html = "<p class='empty'>No plan JSON was given: `make demo` writes one.</p>"
    timings = ", ".join(f"{k} {v:.1f} s" for k, v in figures["timings"].items())
    data = json.dumps(figures, sort_keys=True).replace("</", "<\\/")
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>H3 ML demo report</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>{_CSS}</style></head>
<body>
<h1>H3 ML demo report</h1>
<p class="sub">{escape(figures["created"])} · {figures["generated"]["messages"]:,} generated messages ·
{figures["generated"]["files"]} Capture files · local Spark, one session: {escape(timings)}</p>
<div class="kpis">{kpis}</div>

<h2>Rows per table</h2>
{hbars([(k, n or 0) for k, n in tables])}
{_table(["table", "rows"], [[k, n] for k, n in tables])}

<h2>Quarantine reasons</h2>
{hbars(reasons, _RED)}
{_table(["reason", "messages"], [[k, n] for k, n in reasons])}

<h2>Events per hour</h2>
<p class="legend"><span><i class="sw" style="background:{_BLUE}"></i>captured (bronze)</span>
<span><i class="sw" style="background:{_RED}"></i>of which quarantined</span></p>
{columns(figures["events_per_hour"])}

<h2>Plan: resources per component</h2>
{plan_html}

<h2>Deletion proof</h2>
<p><b>{escape(deletion["user"])}</b> asked for deletion with an event, and the delete job ran as production runs
it: a run-now for that request, which also completed every other pending request ({deletion["users"]} users,
{deletion["requests"]} requests), then the daily run, which vacuumed every table once the files the run-now rewrote
were past the retention (one second on the demo's tables, days in production). Per table: rows before and after,
files the delete read, the files that held the rows against the files the delete's commits rewrote (Delta log),
and every parquet file on disk read again afterwards, referenced or not.</p>
{_table([h for _, h in _PROOF_COLUMNS], _proof_rows(deletion))}
{verdict}

<script type="application/json" id="figures">{data}</script>
</body></html>
"""


def _text_table(header: list[str], rows: list[list]) -> str:
    cells = [header, *[[_num(c) if not isinstance(c, str) else c for c in r] for r in rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]

    def line(row: list[str]) -> str:
        return "  " + "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True))
        )

    rule = "  " + "-" * (sum(widths) + 2 * len(widths) - 2)
    return "\n".join([line(cells[0]), rule, *map(line, cells[1:])])


def terminal_summary(figures: dict) -> str:
    deletion, plan = figures["deletion"], figures.get("plan")
    parts = [
        "rows per table",
        _text_table(["table", "rows"], [[k, n] for k, n in sorted(figures["tables"].items())]),
        "quarantine reasons",
        _text_table(["reason", "messages"], sorted(figures["quarantine"].items())),
        f"deletion proof: {deletion['user']} and {deletion['users'] - 1} users who asked by event",
        _text_table(
            ["table", "user before", "after", "all before", "after", "files", "in bucket", "held", "rewritten", "left"],
            _proof_rows(deletion),
        ),
    ]
    if plan:
        parts += [
            f"plan {plan['stack']}: {plan['total']} resources",
            _text_table(["component", "resources"], [[c["name"], c["resources"]] for c in plan["components"]]),
        ]
    return "\n".join(parts)
