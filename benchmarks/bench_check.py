"""Benchmark (not a test): `review-utils check` on a synthetic extraction folder.

500 report workbooks with 200 measurement rows each (100,000 measurement rows in all), plus a
screening log. Prints wall time and peak memory of the check, run as a separate process.

    .venv/bin/python benchmarks/bench_check.py [--reports 500] [--rows 200]
"""
from __future__ import annotations

import argparse
import io
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from workbook_factory import ROWS, write_report, write_screening  # noqa: E402

BASE_ID = "bench00000report"


def make_folder(root: Path, reports: int, rows: int) -> Path:
    (root / "reports").mkdir(parents=True)
    measurements = [{**ROWS["measurements"][0], "day_since_infusion": day - 10, "value": day % 40}
                    for day in range(rows)]
    patient = {**ROWS["patients"][0], "follow_up_months": 12}
    base = write_report(root / f"{BASE_ID}.xlsx", form={"report_id": BASE_ID},
                        rows={"measurements": measurements, "patients": [patient]})
    data = base.read_bytes()
    base.unlink()
    ids = []
    for i in range(reports):
        rid = f"bench{i:05d}report"
        ids.append(rid)
        out = io.BytesIO()
        with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
            for info in src.infolist():
                content = src.read(info.filename)
                if info.filename.endswith(".xml"):
                    content = content.replace(BASE_ID.encode(), rid.encode())
                dst.writestr(info, content)
        (root / "reports" / f"{rid}.xlsx").write_bytes(out.getvalue())
    write_screening(root / "screening.xlsx", ids)
    return root


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reports", type=int, default=500)
    parser.add_argument("--rows", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        folder = make_folder(Path(tmp) / "extraction", args.reports, args.rows)
        made = time.perf_counter() - t0
        t0 = time.perf_counter()
        run = subprocess.run([sys.executable, "-m", "review_utils", "check", str(folder), "--errors-only"],
                             capture_output=True, text=True)
        elapsed = time.perf_counter() - t0
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(f"synthetic folder: {args.reports} workbooks x {args.rows} measurement rows "
              f"= {args.reports * args.rows:,} rows (made in {made:.1f} s)")
        print(f"review-utils check: {elapsed:.2f} s wall, peak memory {peak_mb:.0f} MB, exit {run.returncode}")
        print(run.stdout.strip().splitlines()[-1] if run.stdout.strip() else run.stderr[-500:])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
