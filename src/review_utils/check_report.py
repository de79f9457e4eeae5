"""`review-utils check --html FILE`: the validation report as one self-contained HTML page for clinicians.

Counts at the top; then one section per workbook, one table per sheet, one line per problem with the
cell, the value as typed, the rule and the fix. Every piece of text from a workbook is escaped
(html.escape), the page has no scripts and loads nothing, and the same problems always give the same
bytes (no timestamps). The page is written atomically (io/atomic.py).
"""
from __future__ import annotations

import html
import os
from itertools import groupby

from .io.atomic import write_text_atomic
from .problems import ERROR, WARNING, Problem, count, sort_key

STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Arial, sans-serif; margin: 2em auto; max-width: 70em;
       padding: 0 1em; color: #1a1a1a; line-height: 1.4; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; }
h2 { font-size: 1.25em; margin-top: 2em; border-bottom: 2px solid #1f4e79; padding-bottom: 0.2em; }
h3 { font-size: 1.05em; margin: 1.2em 0 0.4em; color: #1f4e79; }
table { border-collapse: collapse; width: 100%; margin-bottom: 0.8em; }
th, td { text-align: left; vertical-align: top; padding: 0.35em 0.6em; border: 1px solid #c8c8c8; }
th { background: #1f4e79; color: #fff; font-weight: 600; }
td.cell { font-family: ui-monospace, Consolas, monospace; white-space: nowrap; }
td.value { font-family: ui-monospace, Consolas, monospace; word-break: break-word; max-width: 18em; }
tr.error td.severity { background: #f8d7da; color: #721c24; font-weight: 700; }
tr.warning td.severity { background: #fff3cd; color: #665200; }
.counts td, .counts th { width: auto; }
.verdict { font-size: 1.2em; font-weight: 700; padding: 0.5em 0.8em; display: inline-block; border-radius: 4px; }
.verdict.failed { background: #f8d7da; color: #721c24; }
.verdict.ok { background: #d4edda; color: #155724; }
nav ul { columns: 2; }
.muted { color: #555; }
"""


def _e(value) -> str:
    return html.escape(str(value), quote=True)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def render_html(problems: list[Problem], workbooks_checked: int, folder) -> str:
    """The page as text (deterministic: depends only on the arguments)."""
    problems = sorted(problems, key=sort_key)
    errors, warnings = count(problems, ERROR), count(problems, WARNING)
    with_errors = len({p.workbook for p in problems if p.severity == ERROR})
    folder_text = os.fspath(folder)
    verdict = ("failed", f"FAILED: {_plural(errors, 'error')} to fix before the analysis can run") if errors else \
        ("ok", "OK: no errors" + (f" ({_plural(warnings, 'warning')} to look at)" if warnings else ""))
    out = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>Extraction check: {_e(folder_text)}</title>",
        f"<style>{STYLE}</style>",
        "</head>",
        "<body>",
        "<h1>Extraction check</h1>",
        f'<p class="muted">Folder <code>{_e(folder_text)}</code>. Each line names the workbook, the sheet and the '
        "cell, the value as typed, the rule it breaks and how to fix it. Errors stop the analysis; warnings do not. "
        "Fix the workbook in Excel, save, and run <code>make check</code> again.</p>",
        f'<p class="verdict {verdict[0]}">{_e(verdict[1])}</p>',
        '<table class="counts"><tr><th>workbooks checked</th><th>workbooks with errors</th>'
        "<th>errors</th><th>warnings</th></tr>",
        f"<tr><td>{workbooks_checked}</td><td>{with_errors}</td><td>{errors}</td><td>{warnings}</td></tr></table>",
    ]
    by_workbook = [(name, list(group)) for name, group in groupby(problems, key=lambda p: p.workbook)]
    if by_workbook:
        out.append("<nav><h2>Workbooks with problems</h2><ul>")
        for index, (name, group) in enumerate(by_workbook, start=1):
            out.append(f'<li><a href="#wb{index}">{_e(name)}</a>: {_plural(count(group, ERROR), "error")}, '
                       f'{_plural(count(group, WARNING), "warning")}</li>')
        out.append("</ul></nav>")
    else:
        out.append("<p>No problems found.</p>")
    for index, (name, group) in enumerate(by_workbook, start=1):
        out.append(f'<section id="wb{index}">')
        out.append(f"<h2>{_e(name)}: {_plural(count(group, ERROR), 'error')}, "
                   f"{_plural(count(group, WARNING), 'warning')}</h2>")
        for sheet, rows in groupby(group, key=lambda p: p.sheet):
            rows = list(rows)
            out.append(f"<h3>{'sheet ' + _e(sheet) if sheet else 'the whole file'}</h3>")
            out.append("<table><tr><th>severity</th><th>cell</th><th>value</th><th>rule</th><th>fix</th></tr>")
            for p in rows:
                out.append(
                    f'<tr class="{_e(p.severity)}"><td class="severity">{_e(p.severity)}</td>'
                    f'<td class="cell">{_e(p.cell) if p.cell else "&ndash;"}</td>'
                    f'<td class="value">{_e(p.value)}</td><td>{_e(p.rule)}</td><td>{_e(p.fix)}</td></tr>')
            out.append("</table>")
        out.append("</section>")
    out.append("</body>")
    out.append("</html>")
    return "\n".join(out) + "\n"


def write_html(path, problems: list[Problem], workbooks_checked: int, folder) -> None:
    """Write the report page to `path` atomically."""
    write_text_atomic(path, render_html(problems, workbooks_checked, folder))
