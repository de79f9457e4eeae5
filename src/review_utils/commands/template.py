"""`review-utils template`: write a blank report or screening workbook from the codebook."""
from __future__ import annotations

from ..template import TemplateRefused, write_template


def add_arguments(parser) -> None:
    parser.add_argument("--kind", choices=("report", "screening"), default="report",
                        help="report workbook (one per report) or the screening log")
    parser.add_argument("-o", "--output", required=True,
                        help="path of the new workbook (an existing extraction workbook is never overwritten)")


def run(args) -> int:
    from ..cli import UserError

    try:
        path = write_template(args.output, kind=args.kind)
    except TemplateRefused as error:
        raise UserError(str(error)) from None
    print(f"wrote {path}")
    return 0
