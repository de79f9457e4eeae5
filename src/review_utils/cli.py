"""`review-utils`: the command line of the suite. Each subcommand lives in its own module; this only dispatches.

Errors meant for people are printed as one readable message (never a traceback), with exit status
1 for problems found in the data and 2 for a wrong command line.
"""
from __future__ import annotations

import argparse
import sys
from importlib import import_module

# subcommand -> (module, help). Each module has add_arguments(parser) and run(args) -> int.
SUBCOMMANDS = {
    "check": ("review_utils.commands.check", "validate the extraction workbooks and list every problem"),
    "summary": ("review_utils.commands.summary", "what the extraction holds: reports, unique patients, NR counts"),
    "pool": ("review_utils.pooling.command", "pool proportions from events and totals with every method"),
    "template": ("review_utils.commands.template", "write a blank extraction workbook from the codebook"),
    "codebook": ("review_utils.commands.codebook", "print the codebook (markdown or CSV)"),
    "reconcile": ("review_utils.commands.reconcile", "compare two extractions (A, B) of one report; write a consensus draft"),
    "diff": ("review_utils.commands.diff", "what changed between two versions of a workbook (rows by key)"),
    "textconv": ("review_utils.commands.textconv", "print a workbook as stable text lines (git diff driver)"),
    "migrate": ("review_utils.commands.migrate", "carry a workbook into the current codebook's template"),
}


class UserError(Exception):
    """An error caused by input, reported as a single message for a person."""


def build_parser(names: list[str] | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="review-utils", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module, help_text) in SUBCOMMANDS.items():
        sp = sub.add_parser(name, help=help_text, description=help_text)
        if names is None or name in names:
            sp.set_defaults(_module=module)
            import_module(module).add_arguments(sp)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["pool"]:  # `--events -1,3`: a negative value is a value, not an option
        from .pooling.command import join_option_values

        argv = ["pool", *join_option_values(argv[1:])]
    # Import only the module of the subcommand being run: `check` must not pay for scipy.
    chosen = [a for a in argv if a in SUBCOMMANDS][:1]
    parser = build_parser(chosen or list(SUBCOMMANDS))
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return 2
    try:
        return int(import_module(args._module).run(args) or 0)
    except UserError as error:
        print(f"review-utils {args.command}: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
