"""`review-utils reconcile A.xlsx B.xlsx -o CONSENSUS.xlsx`: compare two extractions of one report.

Prints every disagreement (sheet, key, field, value A, value B, cells), the rows found in one copy
only, and agreement per sheet and per field (percent; Cohen's kappa for categorical fields). With -o,
writes a consensus draft to a new file: agreed values filled in, disagreements empty and yellow with
both values in a comment, rows of one copy orange. A and B are never written. Exit status 0.
"""
from __future__ import annotations

import sys


def add_arguments(parser) -> None:
    parser.add_argument("a", metavar="A.xlsx", help="the first extraction, e.g. extraction/reports/<id>.A.xlsx")
    parser.add_argument("b", metavar="B.xlsx", help="the second extraction, e.g. extraction/reports/<id>.B.xlsx")
    parser.add_argument("-o", "--output", metavar="CONSENSUS.xlsx",
                        help="write the consensus draft to this NEW file (an existing file is never overwritten)")
    parser.add_argument("--format", choices=("text", "csv"), default="text",
                        help="text report (default) or the disagreements as CSV")


def run(args) -> int:
    from ..cli import UserError
    from ..coinvestigator.compare import WorkbookError, check_new_output, load
    from ..coinvestigator.reconcile import as_text, disagreements_csv, reconcile, write_consensus

    try:
        if args.output:  # refuse a bad output before any work
            check_new_output(args.output, [args.a, args.b])
        a, b = load(args.a), load(args.b)
        result = reconcile(a, b)
        sys.stdout.write(as_text(result) if args.format == "text" else disagreements_csv(result))
        if args.output:
            to_resolve, rows = write_consensus(result, args.output)
            print(f"\nWrote the consensus draft {args.output}: {to_resolve} cell(s) to resolve (yellow), "
                  f"{rows} row(s) from one copy only to keep or delete (orange).",
                  file=sys.stdout if args.format == "text" else sys.stderr)
    except WorkbookError as error:
        raise UserError(str(error)) from None
    return 0
