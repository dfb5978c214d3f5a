"""Write tests/fixtures/formats/: one official 自评表 as .xlsx, and the .xls / .ods LibreOffice
makes of it (the way a department's office suite saves it).

    .venv/bin/python tools/make_format_fixtures.py

Needs LibreOffice (``soffice``) on PATH; only to make the fixtures, never at test time.  The
workbook is the seed's official form (tests/xlsx_builders.build_official) with one change: the
satisfaction actual is the number 0.95 formatted as a percentage ("95%" on screen), as Excel
stores a typed 95%, so the readers must tell percentage cells apart in every format.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from openpyxl import load_workbook

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "tests" / "fixtures" / "formats"
sys.path.insert(0, str(ROOT / "tests"))

from xlsx_builders import build_official  # noqa: E402


def main() -> int:
    soffice = shutil.which("soffice")
    if soffice is None:
        print("soffice not found (apt-get install libreoffice-calc)", file=sys.stderr)
        return 1
    OUT.mkdir(parents=True, exist_ok=True)
    xlsx = OUT / "official.xlsx"
    build_official(xlsx)
    workbook = load_workbook(xlsx)
    sheet = workbook.active
    for row in sheet.iter_rows():
        if row[2].value == "E1服务人员满意度":
            row[6].value = 0.95
            row[6].number_format = "0%"
    workbook.save(xlsx)
    with tempfile.TemporaryDirectory() as profile:
        for target in ("xls", "ods"):
            subprocess.run([soffice, f"-env:UserInstallation=file://{profile}", "--headless",
                            "--convert-to", target, "--outdir", str(OUT), str(xlsx)],
                           check=True, capture_output=True)
    for path in sorted(OUT.iterdir()):
        print(path.relative_to(ROOT), path.stat().st_size)
    return 0


if __name__ == "__main__":
    sys.exit(main())
