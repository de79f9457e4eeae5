"""`review-utils diff OLD.xlsx NEW.xlsx` or `review-utils diff --git REV [PATHS...]`: what changed.

Rows are matched by their codebook keys: rows added, rows removed, and cells changed with the old and
the new value. With --git REV, every workbook under extraction/ (or the given files and folders) is
compared with its version at git revision REV (read with `git show` into a temporary folder outside
the repository). Exit status: 0 no change, 1 changes found, 2 a wrong command line or unreadable file.
"""
from __future__ import annotations

import sys


def add_arguments(parser) -> None:
    parser.add_argument("paths", nargs="*", metavar="PATH",
                        help="OLD.xlsx NEW.xlsx; with --git: workbooks or folders (default: extraction)")
    parser.add_argument("--git", metavar="REV", help="compare with the version at git revision REV (HEAD, HEAD~1, a commit)")


def run(args) -> int:
    from ..cli import UserError
    from ..coinvestigator.compare import WorkbookError, load
    from ..coinvestigator.diff import as_text, diff_against_git, diff_workbooks

    try:
        if args.git:
            results = diff_against_git(args.git, args.paths)
        else:
            if len(args.paths) != 2:
                raise UserError("give two workbooks: review-utils diff OLD.xlsx NEW.xlsx (or --git REV [PATHS])")
            old, new = args.paths
            results = [diff_workbooks(load(old), load(new), old, new)]
    except WorkbookError as error:
        raise UserError(str(error)) from None
    if args.git:  # many workbooks: show those that changed, then a count
        changed = [r for r in results if not r.empty]
        sys.stdout.write("\n".join(as_text(r) for r in changed))
        print(("\n" if changed else "") + f"{len(results)} workbook(s) compared with {args.git}, {len(changed)} changed.")
    else:
        sys.stdout.write(as_text(results[0]))
    return 1 if any(not r.empty for r in results) else 0
