"""The analysis parameters: read from params/<name>.yaml (their one home)."""
from __future__ import annotations

from pathlib import Path

import yaml

PROJECT_ROOT = Path(__file__).resolve().parents[2]
PARAMS_DIR = PROJECT_ROOT / "params"


def load_parameters(name_or_path: str | Path = "default") -> dict:
    """Parameters of a run: default.yaml, overlaid by a sensitivity file when one is named."""
    path = Path(name_or_path)
    if not path.suffix:
        path = PARAMS_DIR / f"{name_or_path}.yaml"
    params = yaml.safe_load((PARAMS_DIR / "default.yaml").read_text(encoding="utf-8"))
    if path.resolve() != (PARAMS_DIR / "default.yaml").resolve():
        params.update(yaml.safe_load(path.read_text(encoding="utf-8")) or {})
    return params
