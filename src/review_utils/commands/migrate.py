"""`review-utils migrate OLD.xlsx -o NEW.xlsx [--rename old=new ...]`: carry a workbook into the current codebook.

Columns (and form fields) are matched by name, by --rename, or by a name that matches after folding
case, spaces and punctuation. Dropped columns' values go into the row's notes as "old_column: value"
and are listed in the report. OLD is never written; NEW must not exist. Exit status 0.
"""
from __future__ import annotations


def add_arguments(parser) -> None:
    parser.add_argument("old", metavar="OLD.xlsx", help="the workbook made with an earlier codebook")
    parser.add_argument("-o", "--output", required=True, metavar="NEW.xlsx",
                        help="the migrated workbook: a NEW file (never the input, never an existing file)")
    parser.add_argument("--rename", action="append", default=[], metavar="OLD=NEW",
                        help="a renamed column or form field (repeatable); sheet.OLD=NEW for one sheet only")


def run(args) -> int:
    from ..cli import UserError
    from ..coinvestigator.compare import WorkbookError
    from ..coinvestigator.migrate import as_text, migrate

    try:
        result = migrate(args.old, args.output, args.rename)
    except WorkbookError as error:
        raise UserError(str(error)) from None
    print(as_text(result), end="")
    return 0
