"""`review-utils summary [DIR]`: what the extraction holds, after overlap resolution."""
from __future__ import annotations

import json
import sys


def add_arguments(parser) -> None:
    parser.add_argument("folder", nargs="?", default="extraction", help="extraction folder (default: extraction)")
    parser.add_argument("--params", default="default", help="parameter set in params/ (default: default)")
    parser.add_argument("--format", choices=("text", "json"), default="text")


def run(args) -> int:
    from ..cli import UserError
    from ..evidence import EvidenceParameters
    from ..extraction import ExtractionInvalid, load_extraction
    from ..params import load_parameters
    from ..summary import as_text, summarise

    try:
        extraction = load_extraction(args.folder)
    except ExtractionInvalid as error:
        raise UserError(f"{error}") from None
    params = EvidenceParameters.from_mapping(load_parameters(args.params))
    summary = summarise(extraction, params)
    if args.format == "json":
        sys.stdout.write(json.dumps(summary, indent=2, ensure_ascii=False) + "\n")
    else:
        sys.stdout.write(as_text(summary))
    return 0
