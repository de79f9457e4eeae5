"""The environment is pinned, and the conda file says the same as the pip lock."""
from __future__ import annotations

import re
import subprocess
from importlib import metadata
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
PIN = re.compile(r"^([A-Za-z0-9_.\-]+)==([^\s;]+)$")


def _pins(lines) -> dict[str, str]:
    pins = {}
    for line in lines:
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        match = PIN.match(line)
        assert match, f"not an exact pin: {line!r} (every package is pinned with ==)"
        pins[match.group(1).lower().replace("_", "-")] = match.group(2)
    return pins


def lock_pins() -> dict[str, str]:
    return _pins((ROOT / "requirements.lock").read_text().splitlines())


def conda_pins() -> dict[str, str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d)
    return _pins(pip_section)


def test_environment_yml_lists_exactly_the_packages_and_versions_of_the_lock():
    lock, conda = lock_pins(), conda_pins()
    assert set(conda) == set(lock), f"only in lock: {set(lock) - set(conda)}; only in environment.yml: {set(conda) - set(lock)}"
    drift = {name: (lock[name], conda[name]) for name in lock if lock[name] != conda[name]}
    assert not drift, f"versions differ (lock, environment.yml): {drift}"


def test_environment_yml_asks_for_the_python_the_project_supports():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert "python=3.11" in env["dependencies"]


def test_the_running_environment_is_the_locked_one():
    """What `make` installed is what the lock says (so figures are the same bytes everywhere)."""
    wrong = {}
    for name, version in lock_pins().items():
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            wrong[name] = (version, "missing")
            continue
        if installed != version:
            wrong[name] = (version, installed)
    assert not wrong, f"installed versions differ from requirements.lock: {wrong}"


def test_jupyterlab_stays_out_of_the_pipeline_environment():
    """jupyterlab pulls rfc3987-syntax, which costs ~1.7 s at every papermill/nbval start; it lives in .venv-lab."""
    assert "jupyterlab" not in lock_pins()
    assert "rfc3987-syntax" not in lock_pins()
    lab = _pins((ROOT / "requirements-lab.lock").read_text().splitlines())
    assert "jupyterlab" in lab
    clash = {n: (v, lab[n]) for n, v in lock_pins().items() if n in lab and lab[n] != v}
    assert not clash, f"the lab lock must not change pipeline versions: {clash}"


def test_a_second_make_setup_has_nothing_to_do():
    """`make` a second time does no setup work: the stamp is newer than the lock and pyproject."""
    run = subprocess.run(["make", "-q", "setup"], cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0, "make setup would run again: " + run.stdout + run.stderr


def test_make_lock_writes_the_same_pins_to_both_files(tmp_path):
    """`make lock` turns one pip freeze into requirements.lock and environment.yml; today's pins round-trip."""
    from review_utils.lockfile import write

    write((ROOT / "requirements.lock").read_text(), tmp_path)
    assert (tmp_path / "requirements.lock").read_text() == (ROOT / "requirements.lock").read_text()
    assert (tmp_path / "environment.yml").read_text() == (ROOT / "environment.yml").read_text()
