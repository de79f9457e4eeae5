"""`review-utils check [DIR]`: validate the extraction workbooks; every problem, grouped by workbook.

Exit status 0 when there are no errors (warnings allowed), 1 when there are errors.
"""
from __future__ import annotations

import sys

from ..problems import as_csv, as_json, as_text


def add_arguments(parser) -> None:
    parser.add_argument("folder", nargs="?", default="extraction",
                        help="extraction folder holding reports/ and screening.xlsx (default: extraction)")
    parser.add_argument("--format", choices=("text", "json", "csv"), default="text", help="output format")
    parser.add_argument("--html", metavar="FILE", help="also write the report as an HTML page for clinicians")
    parser.add_argument("--errors-only", action="store_true", help="leave warnings out of the listing")


def run(args) -> int:
    from ..validate import check_folder

    result = check_folder(args.folder)
    problems = [p for p in result.problems if not args.errors_only or p.severity == "error"]
    if args.format == "json":
        sys.stdout.write(as_json(problems, result.workbooks_checked))
    elif args.format == "csv":
        sys.stdout.write(as_csv(problems))
    else:
        sys.stdout.write(as_text(problems, result.workbooks_checked))
    if args.html:
        from ..check_report import write_html

        write_html(args.html, result.problems, result.workbooks_checked, args.folder)
    return 1 if result.errors else 0
