"""The scale benchmark's report: a markdown table with the goals of the benchmarks issue, and a
chart of the 95th percentiles (matplotlib), both under bench/results/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

# Our reads, how the report names them, and django-helpdesk's equivalent (if it has one).
READ_LABELS = {
    "team_queue_page": ("Team queue page", "ticket_list"),
    "team_queue_api": ("Team queue, API", None),
    "my_cases_page": ("My cases page", None),
    "case_page": ("Case page (brief + timeline)", "ticket_page"),
    "lookup_phone_page": ("Caller lookup by phone, page", None),
    "lookup_phone_api": ("Caller lookup by phone, API", None),
    "search_page": ("Search page", "search"),
}
HELPDESK_LABELS = {
    "ticket_list": "ticket list (page + its JSON rows)",
    "ticket_page": "ticket page",
    "search": "header search (page + its JSON rows)",
    "ticket_create_api": "ticket create, API",
}
GOAL_PAGE_MS = 50.0
GOAL_LOOKUP_MS = 10.0
GOAL_SEARCH_MS = 150.0
GOAL_FLOOR_RATIO = 5.0
GOAL_GROWTH = 1.5
GOAL_VS_HELPDESK = 20.0
GOAL_OPEN_RATE = 200.0


def _label(run: dict[str, Any]) -> str:
    size = run["size"]
    vendor = "PostgreSQL" if size["vendor"] == "postgresql" else "SQLite"
    return f"{size['cases']:,} cases, {vendor}"


def _ms(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:,.1f}" if value < 100 else f"{value:,.0f}"


def _times(ratio: float) -> str:
    return f"{ratio:,.1f}x" if ratio < 10 else f"{ratio:,.0f}x"


def _yes(ok: bool | None) -> str:
    return "—" if ok is None else ("yes" if ok else "**no**")


def _server(stat: dict[str, Any]) -> dict[str, float]:
    return stat["server"] or stat["client"]


def write_report(
    profile: str, info: dict[str, str], runs: list[dict[str, Any]], elapsed: float, out: Path
) -> None:
    out.mkdir(parents=True, exist_ok=True)
    lines = [
        "# Scale benchmark",
        "",
        f"Written by `python -m bench.scale --profile {profile}` "
        f"(`make bench{'-quick' if profile == 'quick' else ''}`) in {elapsed / 60:.1f} minutes; "
        "see bench/README.md for what each measure is.",
        "",
        "| machine | |",
        "| --- | --- |",
        *(f"| {k} | {v} |" for k, v in info.items()),
        "",
    ]
    for run in runs:
        lines += _run_section(run)
    lines += _goals(runs)
    lines += ["", "![p95 per measure](scale.png)", ""]
    (out / "scale.md").write_text("\n".join(lines))
    _chart(runs, out / "scale.png")


def _run_section(run: dict[str, Any]) -> list[str]:
    ours = run["ours"]
    load = run["load"]
    rows = load["rows"]
    lines = [
        f"## {_label(run)}",
        "",
        f"Loaded by bench.generate in {load['seconds']['total']:,.0f} s: "
        f"{rows.get('cases_case', 0):,} cases ({load['open_cases']:,} open), "
        f"{rows.get('cases_caseevent', 0):,} case events, {rows.get('cases_note', 0):,} notes, "
        f"{rows.get('cases_interaction', 0):,} contacts logged, "
        f"{rows.get('core_searchdocument', 0):,} search documents, "
        f"{load['contacts']:,} customer contacts in {load['organizations']:,} organisations, "
        f"{load['agents']} agents.",
        "",
        "Milliseconds, over sequential requests through gunicorn (2 workers); *server* is the "
        "time inside the desk (Server-Timing), *client* adds gunicorn and the connection; "
        "*floor* is the same rows fetched by one plain SQL query on the same database.",
        "",
        "| read | server p50 | server p95 | server p99 | client p50 | client p95 | "
        "floor p50 | floor p95 | server p50 ÷ floor p50 |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, (label, _) in READ_LABELS.items():
        stat = ours["reads"][name]
        server = _server(stat)
        floor = ours["floors"].get(name)
        ratio = (server["p50"] / floor["p50"]) if floor and floor["p50"] > 0 else None
        lines.append(
            f"| {label} | {_ms(server['p50'])} | {_ms(server['p95'])} | {_ms(server['p99'])} | "
            f"{_ms(stat['client']['p50'])} | {_ms(stat['client']['p95'])} | "
            f"{_ms(floor['p50'] if floor else None)} | {_ms(floor['p95'] if floor else None)} | "
            f"{'—' if ratio is None else _times(ratio)} |"
        )
    opened = ours["case_open_api"]
    take = ours["take_next"]
    outcomes = ", ".join(f"{v} {k}" for k, v in sorted(take["outcomes"].items()))
    lines += [
        "",
        "| write | result |",
        "| --- | --- |",
        f"| Case open through the API, one gunicorn process, {4} clients at once | "
        f"**{opened['rate']:,.0f} cases/s**; latency p50 {_ms(opened['latency']['p50'])} ms, "
        f"p95 {_ms(opened['latency']['p95'])} ms |",
        f'| "Take next" through the API, {take["agents"]} agents of one team at once | '
        f"p50 {_ms(take['latency']['p50'])} ms, p95 {_ms(take['latency']['p95'])} ms, "
        f"p99 {_ms(take['latency']['p99'])} ms; {outcomes}; "
        f"{take['distinct_cases']} distinct cases claimed |",
        "",
    ]
    helpdesk = run.get("helpdesk")
    if helpdesk:
        lines += [
            f"### Beside django-helpdesk 2.6.1 with {run['size']['cases']:,} tickets",
            "",
            "Client milliseconds for both (django-helpdesk sends no Server-Timing), same "
            "database server, same gunicorn settings.",
            "",
            "| measure | Followthrough p50 | Followthrough p95 | django-helpdesk p50 | "
            "django-helpdesk p95 | p95 ratio |",
            "| --- | ---: | ---: | ---: | ---: | ---: |",
        ]
        for name, (label, theirs) in READ_LABELS.items():
            if theirs is None:
                continue
            a, b = ours["reads"][name]["client"], helpdesk[theirs]["client"]
            lines.append(
                f"| {label} / {HELPDESK_LABELS[theirs]} | {_ms(a['p50'])} | {_ms(a['p95'])} | "
                f"{_ms(b['p50'])} | {_ms(b['p95'])} | {b['p95'] / a['p95']:,.1f}x |"
            )
        b = helpdesk["ticket_create_api"]
        lines += [
            f"| Case open, API / {HELPDESK_LABELS['ticket_create_api']} (one client) | "
            f"{_ms(opened['latency']['p50'])} | {_ms(opened['latency']['p95'])} | "
            f"{_ms(b['client']['p50'])} | {_ms(b['client']['p95'])} | — |",
            "",
        ]
    return lines


def _goals(runs: list[dict[str, Any]]) -> list[str]:
    pg = [r for r in runs if r["size"]["vendor"] == "postgresql"]
    if not pg:
        return []
    top = max(pg, key=lambda r: r["size"]["cases"])
    reads = top["ours"]["reads"]
    floors = top["ours"]["floors"]
    where = _label(top)
    lines = [
        f"## Goals (benchmarks issue), at {where}",
        "",
        "| goal | measured | met? |",
        "| --- | --- | --- |",
    ]
    for name in ("team_queue_page", "my_cases_page", "case_page"):
        p95 = _server(reads[name])["p95"]
        lines.append(
            f"| {READ_LABELS[name][0]}: server p95 ≤ {GOAL_PAGE_MS:.0f} ms | {_ms(p95)} ms | "
            f"{_yes(p95 <= GOAL_PAGE_MS)} |"
        )
    for name in ("lookup_phone_api", "lookup_phone_page"):
        p95 = _server(reads[name])["p95"]
        lines.append(
            f"| {READ_LABELS[name][0]}: server p95 ≤ {GOAL_LOOKUP_MS:.0f} ms | {_ms(p95)} ms | "
            f"{_yes(p95 <= GOAL_LOOKUP_MS)} |"
        )
    p95 = _server(reads["search_page"])["p95"]
    lines.append(
        f"| Search: server p95 ≤ {GOAL_SEARCH_MS:.0f} ms | {_ms(p95)} ms | "
        f"{_yes(p95 <= GOAL_SEARCH_MS)} |"
    )
    for name in READ_LABELS:
        floor = floors.get(name)
        if not floor:
            continue
        ratio = _server(reads[name])["p95"] / max(floor["p95"], 0.001)
        lines.append(
            f"| {READ_LABELS[name][0]}: server p95 within {GOAL_FLOOR_RATIO:.0f}x its floor's p95 "
            f"| {ratio:,.1f}x ({_ms(floor['p95'])} ms floor) | {_yes(ratio <= GOAL_FLOOR_RATIO)} |"
        )
    smaller = [r for r in pg if r["size"]["cases"] < top["size"]["cases"]]
    if smaller:
        base = max(smaller, key=lambda r: r["size"]["cases"])
        for name in ("team_queue_page", "case_page", "lookup_phone_api"):
            a = _server(base["ours"]["reads"][name])["p95"]
            b = _server(reads[name])["p95"]
            lines.append(
                f"| {READ_LABELS[name][0]}: p95 at {top['size']['cases']:,} ≤ {GOAL_GROWTH}x "
                f"p95 at {base['size']['cases']:,} | {_ms(b)} vs {_ms(a)} ms ({b / a:.2f}x) | "
                f"{_yes(b <= GOAL_GROWTH * a)} |"
            )
    helpdesk = top.get("helpdesk")
    if helpdesk:
        for name, theirs in (("team_queue_page", "ticket_list"), ("search_page", "search")):
            ratio = helpdesk[theirs]["client"]["p95"] / reads[name]["client"]["p95"]
            lines.append(
                f"| {READ_LABELS[name][0]}: ≥ {GOAL_VS_HELPDESK:.0f}x faster than "
                f"django-helpdesk's {HELPDESK_LABELS[theirs]} (client p95) | {ratio:,.1f}x | "
                f"{_yes(ratio >= GOAL_VS_HELPDESK)} |"
            )
    rate = top["ours"]["case_open_api"]["rate"]
    lines.append(
        f"| Case open through the API ≥ {GOAL_OPEN_RATE:.0f}/s on one process | "
        f"{rate:,.0f}/s | {_yes(rate >= GOAL_OPEN_RATE)} |"
    )
    return [*lines, ""]


def _chart(runs: list[dict[str, Any]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(READ_LABELS)
    series: list[tuple[str, list[float | None]]] = []
    for run in runs:
        series.append(
            (
                f"Followthrough, {_label(run)}",
                [run["ours"]["reads"][n]["client"]["p95"] for n in names],
            )
        )
        helpdesk = run.get("helpdesk")
        if helpdesk:
            values: list[float | None] = [
                helpdesk[theirs]["client"]["p95"] if theirs else None
                for _, theirs in (READ_LABELS[n] for n in names)
            ]
            series.append((f"django-helpdesk, {run['size']['cases']:,} tickets", values))
    fig, ax = plt.subplots(figsize=(11, 6.5), dpi=110)
    height = 0.8 / max(len(series), 1)
    for i, (label, values) in enumerate(series):
        ys = [k + i * height for k in range(len(names))]
        xs = [v if v is not None else 0 for v in values]
        bars = ax.barh(ys, xs, height=height, label=label)
        for bar, v in zip(bars, values, strict=True):
            if v is not None:
                ax.text(bar.get_width() * 1.05, bar.get_y() + bar.get_height() / 2,
                        _ms(v), va="center", fontsize=7)  # fmt: skip
    ax.set_yticks([k + height * (len(series) - 1) / 2 for k in range(len(names))])
    ax.set_yticklabels([READ_LABELS[n][0] for n in names])
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.set_xlabel("client p95, milliseconds (log scale; lower is better)")
    ax.set_title("Followthrough beside django-helpdesk 2.6.1: 95th percentile per read")
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.09), ncol=2, frameon=False)
    ax.grid(axis="x", which="both", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
