"""Drive the review panel once in a real JupyterLab, in headless Chromium (a manual check).

Not part of the test suite (tests/test_panel.py drives the panel in a real kernel): this one
needs Debian's ``chromium`` and ``chromium-driver`` and the ``selenium`` package::

    apt-get install chromium chromium-driver && pip install selenium
    PYTHONPATH=$PWD python tools/drive_review_panel.py [--keep DIR] [--screenshot PNG]

It copies the seed unit to a temporary folder, starts ``jupyter lab`` on a copy of
notebooks/evaluation.ipynb pointed at it, runs all cells from the Run menu, records a 复核得分
for two indicators and a decision on one finding in the panel, clicks 保存复核记录, checks the
review file, then runs the notebook again and checks that the report title and totals are the
reviewed ones.  Prints what it did and exits 0 on success.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def prepare(folder: Path) -> Path:
    shutil.copytree(ROOT / "params" / "data", folder / "data")
    shutil.copy(ROOT / "params" / "nmg-rd-2022-rdlz.yaml", folder)
    nb = json.loads((ROOT / "notebooks" / "evaluation.ipynb").read_text("utf-8"))
    for cell in nb["cells"]:
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            source = "".join(cell["source"]).replace('"../params/nmg-rd-2022-rdlz.yaml"',
                                                     '"nmg-rd-2022-rdlz.yaml"')
            cell["source"] = source.splitlines(keepends=True)
    path = folder / "evaluation.ipynb"
    path.write_text(json.dumps(nb, ensure_ascii=False, indent=1), encoding="utf-8")
    return path


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--keep", default=None, help="work in this folder and keep it")
    parser.add_argument("--screenshot", default=None, help="save a PNG of the panel here")
    args = parser.parse_args(argv)
    from selenium import webdriver
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import Select, WebDriverWait

    folder = Path(args.keep or tempfile.mkdtemp(prefix="perfnb-lab-"))
    folder.mkdir(parents=True, exist_ok=True)
    notebook = prepare(folder)
    port, token = free_port(), "perfnb-check"
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    env.pop("PERFNB_REVIEW_PANEL", None)
    settings = folder / ".lab-settings" / "@jupyterlab" / "notebook-extension"
    settings.mkdir(parents=True, exist_ok=True)
    (settings / "tracker.jupyterlab-settings").write_text('{"windowingMode": "none"}', "utf-8")
    env["JUPYTERLAB_SETTINGS_DIR"] = str(folder / ".lab-settings")
    lab = subprocess.Popen(
        [sys.executable, "-m", "jupyter", "lab", "--no-browser", f"--port={port}",
         f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={folder}",
         "--allow-root", "--ServerApp.open_browser=False", "--LabApp.news_url=",
         "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    options = webdriver.ChromeOptions()
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                 "--window-size=1600,2400", "--lang=zh-CN"):
        options.add_argument(flag)
    options.binary_location = "/usr/bin/chromium"
    driver = None
    try:
        for _ in range(60):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.5)
        driver = webdriver.Chrome(service=webdriver.ChromeService("/usr/bin/chromedriver"),
                                  options=options)
        wait = WebDriverWait(driver, 120)
        driver.get(f"http://127.0.0.1:{port}/lab/tree/{notebook.name}?token={token}")

        def run_all() -> None:
            wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, ".jp-Notebook")))
            # wait for the kernel to be idle before running
            wait.until(ec.presence_of_element_located(
                (By.XPATH, "//*[contains(@class,'jp-Notebook-ExecutionIndicator') and "
                           "@data-status='idle']")))
            menu = wait.until(ec.element_to_be_clickable(
                (By.XPATH, "//li[contains(@class,'lm-MenuBar-item')][.//div[text()='Run' or text()='运行']]")))
            menu.click()
            item = wait.until(ec.element_to_be_clickable(
                (By.XPATH, "//li[contains(@class,'lm-Menu-item')][.//div[starts-with(text(),'Run All Cells') or starts-with(text(),'运行全部')]]")))
            item.click()

        run_all()
        try:
            evaluator = wait.until(ec.presence_of_element_located(
                (By.CSS_SELECTOR, "input[placeholder='姓名']")))
        except Exception:
            driver.save_screenshot(str(folder / "failure.png"))
            raise
        print("面板已显示。")
        evaluator.send_keys("张敏")
        scores = driver.find_elements(By.CSS_SELECTOR, "input[placeholder='不调整']")
        reasons = driver.find_elements(By.CSS_SELECTOR, "input[placeholder='调整时必填']")
        selects = driver.find_elements(By.CSS_SELECTOR, ".widget-dropdown select")
        print(f"指标行 {len(scores)} 行，下拉框 {len(selects)} 个。")
        # row 4 = C14办公设备采购批次 (computed 3.75): 复核得分 5
        scores[3].send_keys("5")
        reasons[3].send_keys("第四批次已于12月完成招标")
        # row 15 = E1服务人员满意度: 复核档次 部分达成 (7 of 10)
        Select(selects[len(scores) - 1]).select_by_visible_text("部分达成")
        reasons[len(scores) - 1].send_keys("样本量不足")
        # the findings' decisions follow the indicator levels; DIRECTION_CONFLICT is the 7th
        decisions = selects[len(scores):]
        finding_reasons = driver.find_elements(By.CSS_SELECTOR, "input[placeholder='不采纳时必填']")
        Select(decisions[6]).select_by_visible_text("不采纳")
        finding_reasons[6].send_keys("方向已与单位核实")
        opinion = driver.find_element(By.CSS_SELECTOR, ".widget-textarea textarea")
        opinion.send_keys("两项指标复核调整。")
        wait.until(lambda d: "复核总分 95.85" in d.page_source)
        print("实时合计：复核总分 95.85（优）。")
        if args.screenshot:
            panel = driver.find_element(By.XPATH, "//button[.//text()[contains(., '保存复核记录')]]"
                                                  "/ancestor::div[contains(@class,'widget-vbox')][1]")
            driver.execute_script("arguments[0].scrollIntoView();", panel)
            panel.screenshot(args.screenshot)
        driver.find_element(By.XPATH, "//button[contains(., '保存复核记录')]").click()
        wait.until(lambda d: "已保存到" in d.page_source)
        review = folder / "nmg-rd-2022-rdlz.review.yaml"
        print(f"已保存：{review}\n" + review.read_text("utf-8"))

        import perfnb
        reviewed = perfnb.evaluate(perfnb.load_unit(folder / "nmg-rd-2022-rdlz.yaml")).to_dict()
        block = reviewed["reviewed"]
        assert (block["total"], block["grade"], block["adjusted"], block["rejected"]) == \
            (95.85, "优", 2, 1), block
        # run the notebook again: the report is now the reviewed one
        title = "内蒙古自治区人大常委会办公厅人大履职保障经费2022年度绩效自评复核报告"
        first = driver.find_element(By.CSS_SELECTOR, "h1.perfnb-report-title").text
        assert first != title, first
        run_all()
        wait.until(lambda d: any(e.text == title for e in d.find_elements(
            By.CSS_SELECTOR, "h1.perfnb-report-title")))
        print("重新运行后，标题为《……绩效自评复核报告》。完成。")
        return 0
    finally:
        if driver is not None:
            driver.quit()
        lab.terminate()
        try:
            lab.wait(timeout=20)
        except subprocess.TimeoutExpired:
            lab.kill()
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
