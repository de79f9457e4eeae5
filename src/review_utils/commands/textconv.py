"""`review-utils textconv FILE`: print a workbook as stable, line-oriented text (a git textconv driver).

One line per filled cell, keyed by the row's codebook key rather than its row number, so that
`git diff` and `git log -p` show an edited workbook as the lines that changed. Configure it once per
clone with `make git-diff` (git config diff.xlsx.textconv) and the `.gitattributes` line `*.xlsx diff=xlsx`.

A file that is not a readable workbook prints one line saying so and exits 0, so that `git log -p`
goes on past a damaged file in the history; a missing file exits 2.
"""
from __future__ import annotations

import sys


def add_arguments(parser) -> None:
    parser.add_argument("file", metavar="FILE", help="the workbook (git passes a temporary copy)")


def run(args) -> int:
    from ..cli import UserError
    from ..coinvestigator.compare import WorkbookError
    from ..coinvestigator.diff import textconv_lines

    try:
        lines = textconv_lines(args.file)
    except WorkbookError as error:
        raise UserError(str(error)) from None
    sys.stdout.write("".join(line + "\n" for line in lines))
    return 0
