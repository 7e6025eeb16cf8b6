"""The run's result for people and for CI: a console summary (rich), JUnit XML and a
self-contained HTML page (inline style, no external URL)."""

from __future__ import annotations

import html
from collections.abc import Iterator
from itertools import groupby
from pathlib import Path
from xml.etree import ElementTree as ET

from rich.console import Console
from rich.table import Table
from rich.text import Text

from meclab.conformance.results import Outcome, RunResult, Status

_STYLE = {Status.PASSED: "green", Status.FAILED: "bold red", Status.SKIPPED: "yellow"}


def _by_api(result: RunResult) -> Iterator[tuple[str, list[Outcome]]]:
    order = list(dict.fromkeys(o.api for o in result.outcomes))
    for api in order:
        yield api, [o for o in result.outcomes if o.api == api]


def failure_text(outcome: Outcome) -> str:
    """A failed step as text: each violation (rule, clause, expected, actual), the request
    and the answer."""
    lines = [
        f"{v.rule}: expected {v.expected}, got {v.actual}  [{v.clause}]" for v in outcome.violations
    ]
    if outcome.request:
        lines += ["request:", outcome.request]
    if outcome.response:
        lines += ["answer:", outcome.response]
    return "\n".join(lines)


def totals(result: RunResult) -> str:
    """``N passed, N failed, N skipped in S s``."""
    return (
        f"{result.count(Status.PASSED)} passed, {result.count(Status.FAILED)} failed, "
        f"{result.count(Status.SKIPPED)} skipped in {result.duration_s:.1f} s"
    )


def console(result: RunResult, out: Console, verbose: bool = False) -> None:
    """Per API a line per operation (its steps' verdicts), then every failure in full and
    every skip with its reason; the totals last."""
    out.print(f"[bold]meclab conformance[/] {result.target}")
    for api, outcomes in _by_api(result):
        title = f"{api}: {result.titles[api]}" if api in result.titles else api
        table = Table(title=title, title_justify="left", show_edge=False, expand=False)
        table.add_column("operation")
        table.add_column("passed", justify="right")
        table.add_column("failed", justify="right")
        table.add_column("skipped", justify="right")
        ordered = sorted(outcomes, key=lambda o: o.operation)
        for operation, steps in groupby(ordered, key=lambda o: o.operation):
            items = list(steps)
            counts = [sum(1 for o in items if o.status is s) for s in Status]
            table.add_row(
                operation,
                *(
                    Text(str(n), style=_STYLE[s] if n else "dim")
                    for s, n in zip(Status, counts, strict=True)
                ),
            )
        out.print(table)
    failed = [o for o in result.outcomes if o.status is Status.FAILED]
    for outcome in failed:
        out.print(f"\n[bold red]FAILED[/] {outcome.api} {outcome.operation} — {outcome.step}")
        out.print(failure_text(outcome), markup=False, highlight=False)
    skipped = [o for o in result.outcomes if o.status is Status.SKIPPED]
    if skipped:
        out.print()
    for outcome in skipped if verbose else _one_per_reason(skipped):
        out.print(
            f"[yellow]skipped[/] {outcome.api} {outcome.operation} — {outcome.step}: "
            f"{outcome.reason}",
            highlight=False,
        )
    style = "bold red" if result.failed else "bold green"
    out.print(f"\n[{style}]{totals(result)}[/]")


def _one_per_reason(skipped: list[Outcome]) -> list[Outcome]:
    seen: set[tuple[str, str]] = set()
    kept = []
    for outcome in skipped:
        key = (
            (outcome.api, outcome.reason)
            if outcome.step == "(every step)"
            else (outcome.api, outcome.operation + outcome.step)
        )
        if key not in seen:
            seen.add(key)
            kept.append(outcome)
    return kept


def junit(result: RunResult, path: Path) -> None:
    """JUnit XML: a testsuite per API, a testcase per step."""
    root = ET.Element(
        "testsuites",
        name="meclab conformance",
        tests=str(len(result.outcomes)),
        failures=str(result.count(Status.FAILED)),
        skipped=str(result.count(Status.SKIPPED)),
        time=f"{result.duration_s:.3f}",
    )
    for api, outcomes in _by_api(result):
        suite = ET.SubElement(
            root,
            "testsuite",
            name=api,
            tests=str(len(outcomes)),
            failures=str(sum(o.status is Status.FAILED for o in outcomes)),
            skipped=str(sum(o.status is Status.SKIPPED for o in outcomes)),
            time=f"{sum(o.duration_s for o in outcomes):.3f}",
        )
        for outcome in outcomes:
            case = ET.SubElement(
                suite,
                "testcase",
                classname=f"{api}.{outcome.operation}",
                name=outcome.step,
                time=f"{outcome.duration_s:.3f}",
            )
            if outcome.status is Status.FAILED:
                first = outcome.violations[0] if outcome.violations else None
                message = (
                    f"{first.rule}: expected {first.expected}, got {first.actual} [{first.clause}]"
                    if first
                    else "failed"
                )
                ET.SubElement(case, "failure", message=message).text = failure_text(outcome)
            elif outcome.status is Status.SKIPPED:
                ET.SubElement(case, "skipped", message=outcome.reason)
    ET.indent(root)
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)


_CSS = """
body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}
h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.6em}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:4px 8px;
text-align:left;vertical-align:top}
.passed{color:#17702a}.failed{color:#b00020;font-weight:bold}.skipped{color:#8a6d00}
pre{background:#f6f6f6;padding:6px;white-space:pre-wrap;margin:4px 0}
.summary{font-size:1.1em;font-weight:bold}
"""


def html_page(result: RunResult, path: Path) -> None:
    """A self-contained HTML report: totals, then per API every step with its verdict, a
    failure's violations, request and answer, a skip's reason."""
    esc = html.escape
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>meclab conformance: {esc(result.target)}</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>meclab conformance: {esc(result.target)}</h1>",
        f"<p class='summary {'failed' if result.failed else 'passed'}'>{esc(totals(result))}</p>",
    ]
    for api, outcomes in _by_api(result):
        title = f"{api}: {result.titles[api]}" if api in result.titles else api
        parts.append(f"<h2>{esc(title)}</h2><table>")
        parts.append("<tr><th>operation</th><th>step</th><th>verdict</th><th>detail</th></tr>")
        for o in outcomes:
            detail = ""
            if o.status is Status.FAILED:
                detail = f"<pre>{esc(failure_text(o))}</pre>"
            elif o.status is Status.SKIPPED:
                detail = esc(o.reason)
            parts.append(
                f"<tr><td>{esc(o.operation)}</td><td>{esc(o.step)}</td>"
                f"<td class='{o.status.value}'>{o.status.value}</td><td>{detail}</td></tr>"
            )
        parts.append("</table>")
    parts.append("</body></html>")
    path.write_text("\n".join(parts), encoding="utf-8")
