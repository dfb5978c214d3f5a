"""Drive the review panel once in a real JupyterLab, in headless Chromium, and watch it.

The same clicks as the suite's browser test (tests/ui/test_review_panel_browser.py, which CI
runs): both use tests/ui/lab_driver.py.  This script is for looking at it by hand — it prints
each step, can keep the folder and save a PNG of the panel.  Needs Debian's ``chromium`` and
``chromium-driver`` and ``selenium`` (in the ``[test]`` extra)::

    apt-get install chromium chromium-driver && pip install -e '.[test]'
    python tools/drive_review_panel.py [--keep DIR] [--screenshot PNG]

It copies the seed unit to a temporary folder, starts ``jupyter lab`` on a copy of
notebooks/evaluation.ipynb pointed at it, runs all cells from the Run menu, records in the panel
a 复核得分, a 复核档次, a 复核口径 clause with its 扣分程度 and a decision on one finding, clicks
保存复核记录, prints the review file, then runs the notebook again and checks that the report is
the reviewed one.  Exits 0 on success.
"""
from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "ui")]

import lab_driver  # noqa: E402

REVIEWED_TOTAL = "复核总分 92.85（优）"
REVIEWED_TITLE = "内蒙古自治区人大常委会办公厅人大履职保障经费2022年度绩效自评复核报告"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", default=None, help="work in this folder and keep it")
    parser.add_argument("--screenshot", default=None, help="save a PNG of the panel here")
    args = parser.parse_args(argv)
    try:
        browser = lab_driver.find_browser()
    except lab_driver.BrowserMissing as missing:
        print(f"无法运行：{missing}", file=sys.stderr)
        return 2
    folder = Path(args.keep or tempfile.mkdtemp(prefix="perfnb-lab-"))
    driver, keep = None, bool(args.keep)
    try:
        lab_driver.prepare_unit(folder)
        with lab_driver.JupyterLab(folder) as lab:
            driver = lab_driver.start_browser(folder, *browser)
            page = lab_driver.LabPage(driver)
            try:
                out = lab_driver.record_review(page, lab, REVIEWED_TOTAL, REVIEWED_TITLE,
                                               screenshot=args.screenshot, say=print)
            except Exception as error:
                keep = True
                kept = page.save_failure(folder)
                print(f"失败：{type(error).__name__}: {error}\n已保留 {'、'.join(map(str, kept))}，"
                      f"服务器日志 {lab.log}", file=sys.stderr)
                return 1
        print(f"复核记录 {out.review_file}：\n" + out.review_file.read_text("utf-8"))
        import perfnb
        block = perfnb.evaluate(perfnb.load_unit(folder / f"{lab_driver.UNIT}.yaml")).to_dict()["reviewed"]
        figures = (block["total"], block["grade"], block["adjusted"], block["rejected"])
        print(f"perfnb 读回：复核总分 {figures[0]}（{figures[1]}），调整指标 {figures[2]} 项，"
              f"不采纳 {figures[3]} 条。")
        return 0 if figures == (92.85, "优", 3, 1) else 1
    finally:
        if driver is not None:
            driver.quit()
        if not keep:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
