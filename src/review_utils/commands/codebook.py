"""`review-utils codebook`: the codebook as a Markdown page (docs/codebook.md) or CSV."""
from __future__ import annotations

import csv
import io
import sys


def add_arguments(parser) -> None:
    parser.add_argument("--format", choices=("markdown", "csv"), default="markdown")
    parser.add_argument("-o", "--output", help="write to this file (default: standard output)")


def render_markdown() -> str:
    from ..codebook import load_codebook
    from ..template import CODEBOOK_HEADER, codebook_rows

    codebook = load_codebook()
    lines = ["# Codebook", "",
             "Generated from `src/review_utils/codebook.yaml` by `make docs`; do not edit by hand.", "",
             "`NR` = not reported, `NA` = not applicable, blank = not yet extracted.", ""]
    for title, sheets in (("Report workbooks", codebook.report_sheets), ("Screening log", codebook.screening_sheets)):
        lines += [f"## {title}", ""]
        for sheet in sheets.values():
            lines += [f"### Sheet `{sheet.name}`", "", sheet.definition, ""]
            lines.append("| " + " | ".join(CODEBOOK_HEADER[1:]) + " |")
            lines.append("|" + "---|" * (len(CODEBOOK_HEADER) - 1))
            for row in codebook_rows(codebook, {sheet.name: sheet}):
                cells = [str(c).replace("|", "\\|") for c in row[1:]]
                lines.append("| " + " | ".join(cells) + " |")
            lines.append("")
    lines += ["## Definitions and their sources", ""]
    for term, source in codebook.definition_sources.items():
        lines.append(f"- **{term}**: {source}")
    lines += ["", "## Appraisal checklists", ""]
    for name, checklist in codebook.checklists.items():
        lines += [f"### {name}", "", f"Source: {checklist['source']}", ""]
        lines += [f"{i}. {q}" for i, q in checklist["items"].items()]
        lines.append("")
    return "\n".join(lines)


def render_csv() -> str:
    from ..codebook import load_codebook
    from ..template import CODEBOOK_HEADER, codebook_rows

    codebook = load_codebook()
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CODEBOOK_HEADER)
    for sheets in (codebook.report_sheets, codebook.screening_sheets):
        writer.writerows(codebook_rows(codebook, sheets))
    return out.getvalue()


def run(args) -> int:
    text = render_markdown() if args.format == "markdown" else render_csv()
    if args.output:
        from ..io.atomic import write_text_atomic

        write_text_atomic(args.output, text)
    else:
        sys.stdout.write(text)
    return 0
