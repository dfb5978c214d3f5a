"""Drive the review panel (perfnb/panel.py) in a real JupyterLab in headless Chromium.

Shared by the browser test (tests/ui/test_review_panel_browser.py) and the manual script
(tools/drive_review_panel.py), so both do exactly the same clicks.  Needs Debian's
``chromium`` and ``chromium-driver`` and the ``selenium`` package (in the ``[test]`` extra);
:func:`find_browser` says what is missing.

The pieces:

- :func:`prepare_unit` copies the seed unit and notebooks/evaluation.ipynb (pointed at it) to a
  folder;
- :class:`JupyterLab` starts ``jupyter lab`` on 127.0.0.1, a free port and a random token, with
  its settings, workspaces and runtime files in that folder, waits until the server answers and
  always stops it (context manager);
- :func:`start_browser` opens headless Chromium with its profile in that folder;
- :class:`LabPage` is what a person does on the page: run all cells from the Run menu, type into
  the panel's cells found by their column header and the row's indicator (or finding code), pick
  a 复核口径 clause in the tag picker, choose from dropdowns, click 保存复核记录.  Every wait is an
  explicit WebDriverWait on a condition; nothing sleeps a fixed time.
- :func:`record_review` is the scenario both callers run; it returns what the page showed.
"""
from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
UNIT = "nmg-rd-2022-rdlz"
NOTEBOOK = "evaluation.ipynb"
# generous: two cores are shared by several test workers, and the first run starts a kernel
TIMEOUT = 240
POLL = 0.2


class BrowserMissing(RuntimeError):
    """Chromium, its driver or selenium is not installed."""


def find_browser() -> tuple[str, str]:
    """The Chromium binary and chromedriver (``PERFNB_CHROMIUM`` / ``PERFNB_CHROMEDRIVER``
    override the search on PATH); :class:`BrowserMissing` says what to install."""
    binary = os.environ.get("PERFNB_CHROMIUM") or next(
        (found for name in ("chromium", "chromium-browser", "google-chrome")
         if (found := shutil.which(name))), None)
    driver = os.environ.get("PERFNB_CHROMEDRIVER") or shutil.which("chromedriver")
    missing = [name for name, path in (("chromium", binary), ("chromedriver", driver)) if not path]
    if missing:
        raise BrowserMissing(f"{' and '.join(missing)} not found on PATH: the review panel's browser "
                             "check needs `apt-get install chromium chromium-driver` (.ci/run does it)")
    try:
        import selenium  # noqa: F401
    except ImportError:
        raise BrowserMissing("selenium is not installed: pip install -e '.[test]'") from None
    return binary, driver


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def prepare_unit(folder: Path) -> Path:
    """Copy the seed unit and the evaluation notebook (its ``data`` parameter pointed at the
    copy) into ``folder``; the notebook's path."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copytree(ROOT / "params" / "data", folder / "data")
    shutil.copy(ROOT / "params" / f"{UNIT}.yaml", folder)
    nb = json.loads((ROOT / "notebooks" / NOTEBOOK).read_text("utf-8"))
    pointed = False
    for cell in nb["cells"]:
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            source = "".join(cell["source"])
            changed = source.replace(f'"../params/{UNIT}.yaml"', f'"{UNIT}.yaml"')
            pointed = changed != source
            cell["source"] = changed.splitlines(keepends=True)
    if not pointed:
        raise RuntimeError(f"notebooks/{NOTEBOOK}: its parameters cell no longer names "
                           f"../params/{UNIT}.yaml; update tests/ui/lab_driver.py")
    path = folder / NOTEBOOK
    path.write_text(json.dumps(nb, ensure_ascii=False, indent=1), encoding="utf-8")
    return path


def _wait(condition, timeout: float, message: str):
    """WebDriverWait over anything (it only hands ``None`` to the condition)."""
    from selenium.webdriver.support.ui import WebDriverWait
    return WebDriverWait(None, timeout, poll_frequency=POLL,
                         ignored_exceptions=(OSError,)).until(lambda _: condition(), message)


class JupyterLab:
    """``jupyter lab`` serving ``folder`` on 127.0.0.1 with a token; a context manager that
    always stops the server (and so its kernels).  Its log is ``folder/jupyter-lab.log``."""

    def __init__(self, folder: Path, timeout: float = TIMEOUT) -> None:
        self.folder = Path(folder)
        self.timeout = timeout
        self.port = free_port()
        self.token = secrets.token_hex(16)
        self.log = self.folder / "jupyter-lab.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> "JupyterLab":
        state = self.folder / ".jupyter-state"
        # every cell rendered (no virtual scrolling), so the panel is in the DOM; no news toast
        tracker = '{"windowingMode": "none"}'
        for extension, name, value in (("notebook-extension", "tracker", tracker),
                                        ("apputils-extension", "notification", '{"fetchNews": "false"}')):
            settings = state / "settings" / "@jupyterlab" / extension
            settings.mkdir(parents=True, exist_ok=True)
            (settings / f"{name}.jupyterlab-settings").write_text(value, "utf-8")
        env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
                   JUPYTERLAB_SETTINGS_DIR=str(state / "settings"),
                   JUPYTERLAB_WORKSPACES_DIR=str(state / "workspaces"),
                   JUPYTER_RUNTIME_DIR=str(state / "runtime"),
                   JUPYTER_CONFIG_DIR=str(state / "config"),
                   JUPYTER_DATA_DIR=str(state / "data"))
        env.pop("PERFNB_REVIEW_PANEL", None)   # the panel decides by itself that a person runs it
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--ip=127.0.0.1",
                 f"--port={self.port}", "--port-retries=0", f"--IdentityProvider.token={self.token}",
                 f"--ServerApp.root_dir={self.folder}", "--allow-root",
                 "--ServerApp.open_browser=False", "--LabApp.news_url=",
                 "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"],
                env=env, stdout=log, stderr=subprocess.STDOUT, cwd=self.folder)
        try:
            _wait(self._ready, self.timeout, f"jupyter lab did not answer on port {self.port}")
        except BaseException:
            self.stop()
            raise
        return self

    def _ready(self) -> bool:
        if self.process.poll() is not None:
            raise RuntimeError(f"jupyter lab exited with {self.process.returncode}:\n{self.log_tail()}")
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}/api/status",
                                         headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(request, timeout=2) as response:
            return response.status == 200

    def url(self, notebook: str = NOTEBOOK) -> str:
        return f"http://127.0.0.1:{self.port}/lab/tree/{notebook}?token={self.token}"

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text("utf-8", "replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self) -> None:
        """SIGTERM (the server shuts its kernels down), then SIGKILL if it hangs."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)

    def __enter__(self) -> "JupyterLab":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def start_browser(folder: Path, binary: str, driver_path: str):
    """Headless Chromium (profile under ``folder``), driven by the given chromedriver."""
    from selenium import webdriver

    options = webdriver.ChromeOptions()
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                 "--disable-extensions", "--no-first-run", "--window-size=1600,2400",
                 "--lang=zh-CN", f"--user-data-dir={Path(folder) / 'chromium-profile'}"):
        options.add_argument(flag)
    options.binary_location = binary
    service = webdriver.ChromeService(driver_path, log_output=str(Path(folder) / "chromedriver.log"))
    return webdriver.Chrome(service=service, options=options)


# The cell of a panel grid (ipywidgets GridBox, children laid out row by row under a header of
# <b> cells) in column `header` of the row whose `key_header` column reads `key`.
_CELL_JS = """
const [keyHeader, key, header] = arguments;
for (const grid of document.querySelectorAll('.widget-gridbox')) {
  const cells = Array.from(grid.children);
  let n = 0;
  while (n < cells.length && cells[n].querySelector('b')) n++;
  const heads = cells.slice(0, n).map(c => c.textContent.trim());
  const keyCol = heads.indexOf(keyHeader), col = heads.indexOf(header);
  if (keyCol < 0 || col < 0) continue;
  for (let i = n; i + n <= cells.length; i += n) {
    if (cells[i + keyCol].textContent.trim() === key) return cells[i + col];
  }
}
return null;
"""


class LabPage:
    """The notebook page, as a person uses it."""

    def __init__(self, driver, timeout: float = TIMEOUT) -> None:
        from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
        from selenium.webdriver.support.ui import WebDriverWait
        self.driver = driver
        # a widget re-rendered between finding it and reading it is looked up again
        self.wait = WebDriverWait(driver, timeout, poll_frequency=POLL, ignored_exceptions=(
            NoSuchElementException, StaleElementReferenceException))

    def _until(self, condition, message: str):
        return self.wait.until(condition, message)

    def open(self, url: str) -> None:
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support import expected_conditions as ec
        self.driver.get(url)
        self._until(ec.presence_of_element_located((By.CSS_SELECTOR, ".jp-Notebook")),
                    "the notebook did not open")
        # when the kernel specs arrive after the notebook opened, JupyterLab asks which kernel
        # to start: answer as a person would (the preselected Python 3), else wait for idle
        idle = ".jp-Notebook-ExecutionIndicator[data-status='idle']"
        select = "//div[contains(@class,'jp-Dialog')]//button[.//div[text()='Select' or text()='选择']]"

        def settled(d):
            buttons = d.find_elements(By.XPATH, select)
            if buttons:
                buttons[0].click()
                return False
            return bool(d.find_elements(By.CSS_SELECTOR, idle))
        self._until(settled, "the notebook's kernel did not start")

    def wait_idle(self) -> None:
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support import expected_conditions as ec
        self._until(ec.presence_of_element_located(
            (By.CSS_SELECTOR, ".jp-Notebook-ExecutionIndicator[data-status='idle']")),
            "the kernel did not become idle")

    def _prompts(self) -> list[str]:
        return self.driver.execute_script(
            "return Array.from(document.querySelectorAll('.jp-CodeCell .jp-InputPrompt'))"
            ".map(e => e.textContent.trim());")

    def run_all(self, attempts: int = 3) -> None:
        """Run → Run All Cells (运行 → 运行全部单元格), once the kernel is idle and the item is
        enabled; then wait until a cell has started (its prompt changed).  Right after the page
        loads, JupyterLab can show the kernel idle before the notebook's session is attached and
        then ignores the command: the menu is used again then (at most ``attempts`` times)."""
        from selenium.common.exceptions import TimeoutException
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support import expected_conditions as ec
        from selenium.webdriver.support.ui import WebDriverWait
        for attempt in range(1, attempts + 1):
            self.wait_idle()
            before = self._until(lambda d: self._prompts(), "the notebook's cells did not render")
            self._until(ec.element_to_be_clickable(
                (By.XPATH, "//li[contains(@class,'lm-MenuBar-item')]"
                           "[.//div[text()='Run' or text()='运行']]")), "no Run menu").click()
            self._until(ec.element_to_be_clickable(
                (By.XPATH, "//li[contains(@class,'lm-Menu-item') and not(contains(@class,"
                           "'lm-mod-disabled'))][.//div[starts-with(text(),'Run All Cells') or "
                           "starts-with(text(),'运行全部')]]")),
                "no enabled Run All Cells item").click()
            try:
                WebDriverWait(self.driver, 30, poll_frequency=POLL).until(
                    lambda d: self._prompts() != before)
                return
            except TimeoutException:
                if attempt == attempts:
                    raise TimeoutException(f"Run All Cells started no cell ({attempts} tries)") from None

    def wait_for_panel(self):
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support import expected_conditions as ec
        return self._until(ec.visibility_of_element_located(
            (By.XPATH, "//button[contains(., '保存复核记录')]")), "the review panel did not appear")

    def cell(self, key_header: str, key: str, header: str):
        """The panel's cell in column ``header`` of the row whose ``key_header`` reads ``key``."""
        return self._until(lambda d: d.execute_script(_CELL_JS, key_header, key, header),
                           f"no panel cell {header!r} for {key_header} {key!r}")

    def indicator(self, name: str, header: str):
        return self.cell("三级指标", name, header)

    def type_into(self, element, text: str) -> None:
        from selenium.webdriver.common.by import By
        field_ = element if element.tag_name in ("input", "textarea") else \
            element.find_element(By.CSS_SELECTOR, "input, textarea")
        field_.send_keys(text)
        self._until(lambda d: field_.get_attribute("value") == text, f"typing {text!r} failed")

    def choose(self, element, option: str) -> None:
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support.ui import Select
        Select(element.find_element(By.TAG_NAME, "select")).select_by_visible_text(option)

    def pick_tag(self, element, tag: str) -> None:
        """Type a clause code into a TagsInput and leave the field (Tab): the widget adds the
        tag on the input's change event (Enter is taken by Chromium's suggestion list)."""
        from selenium.webdriver.common.by import By
        from selenium.webdriver.common.keys import Keys
        element.click()
        field_ = element.find_element(By.CSS_SELECTOR, "input.jupyter-widget-taginput")
        field_.send_keys(tag, Keys.TAB)
        self._until(lambda d: any(tag in t.text for t in element.find_elements(
            By.CSS_SELECTOR, ".jupyter-widget-tag:not(input)")), f"the tag {tag} was not added")

    def named_input(self, placeholder: str):
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support import expected_conditions as ec
        return self._until(ec.presence_of_element_located(
            (By.CSS_SELECTOR, f"input[placeholder='{placeholder}']")), f"no {placeholder} field")

    def opinion(self):
        from selenium.webdriver.common.by import By
        return self.driver.find_element(
            By.XPATH, "//div[contains(@class,'widget-textarea')][.//label[contains(.,'复核意见')]]//textarea")

    def text_of(self, css: str) -> str:
        from selenium.webdriver.common.by import By
        return " ".join(e.text for e in self.driver.find_elements(By.CSS_SELECTOR, css))

    def wait_for_text(self, css: str, text: str) -> str:
        """Wait until an element matching ``css`` contains ``text``; its text."""
        from selenium.webdriver.common.by import By

        def found(d):
            return next((e.text for e in d.find_elements(By.CSS_SELECTOR, css) if text in e.text), False)
        return self._until(found, f"no {css} containing {text!r}; page shows {self.text_of(css)!r}")

    def totals(self) -> str:
        """The panel's live totals line (the HTML widget just above the save button)."""
        from selenium.webdriver.common.by import By
        return self.driver.find_element(
            By.XPATH, "//button[contains(., '保存复核记录')]/ancestor::div[contains(@class,"
                      "'widget-hbox')][1]/preceding-sibling::div[1]").text

    def wait_for_totals(self, text: str) -> str:
        return self._until(lambda d: text in self.totals() and self.totals(),
                           f"the panel's totals never showed {text!r} (last: {self.totals()!r})")

    def save(self) -> str:
        from selenium.webdriver.common.by import By
        self.driver.find_element(By.XPATH, "//button[contains(., '保存复核记录')]").click()
        return self.wait_for_text(".widget-html", "已保存到")

    def panel_screenshot(self, path: str | os.PathLike) -> None:
        from selenium.webdriver.common.by import By
        panel = self.driver.find_element(By.XPATH, "//button[contains(., '保存复核记录')]"
                                                   "/ancestor::div[contains(@class,'widget-vbox')][1]")
        self.driver.execute_script("arguments[0].scrollIntoView();", panel)
        panel.screenshot(str(path))


# What the scenario records (the seed unit computes 97.60 优):
#   C14办公设备采购批次  复核得分 5 (computed 3.75)                 +1.25
#   E1服务人员满意度     复核档次 部分达成 (7 of 10)                  -3.00
#   C18维修改造工程个数  复核口径 NOT_VERIFIABLE, 扣分程度 一般: the default profile deducts
#                       60 % of the weight 5, so perfnb computes 2.00 -3.00
#   DIRECTION_CONFLICT  不采纳
SCORED = ("C14办公设备采购批次", "5", "第四批次已于12月完成招标")
LEVELLED = ("E1服务人员满意度", "部分达成", "样本量不足")
CLAUSED = ("C18维修改造工程个数", "NOT_VERIFIABLE", "一般", "维修改造工程验收单未提供，个数无法核实")
REJECTED = ("DIRECTION_CONFLICT", "不采纳", "方向已与单位核实")
EVALUATOR = "张敏"
OPINION = "三项指标复核调整。"


@dataclass
class Outcome:
    """What the page showed while the scenario ran."""
    first_title: str = ""
    totals_after_score: str = ""
    totals: str = ""
    status: str = ""
    review_file: Path | None = None
    reviewed_title: str = ""
    reviewed_total: str = ""
    notes: list[str] = field(default_factory=list)


def record_review(page: LabPage, lab: JupyterLab, expected_total: str, reviewed_title: str,
                  screenshot: str | os.PathLike | None = None, say=lambda _text: None) -> Outcome:
    """Open the notebook, run it, record the review in the panel, save, run it again.

    ``expected_total`` is the 复核总分 the panel must show before saving (the save waits for it:
    every edit has reached the kernel), ``reviewed_title`` the report title to wait for after
    the second run."""
    out = Outcome()
    page.open(lab.url())
    page.run_all()
    page.wait_for_panel()
    out.first_title = page.wait_for_text("h1.perfnb-report-title", "")
    say("面板已显示。")
    page.type_into(page.named_input("姓名"), EVALUATOR)
    # free text first, the choices that change the total last: waiting for the final total
    # then means every earlier edit has been applied by the kernel
    name, score, reason = SCORED
    page.type_into(page.indicator(name, "复核理由"), reason)
    page.type_into(page.indicator(name, "复核得分"), score)
    out.totals_after_score = page.wait_for_totals("复核总分 98.85")
    name, level, reason = LEVELLED
    page.type_into(page.indicator(name, "复核理由"), reason)
    code, decision, reason = REJECTED
    page.type_into(page.cell("代码", code, "理由"), reason)
    page.type_into(page.opinion(), OPINION)
    page.choose(page.cell("代码", code, "复核决定"), decision)
    page.choose(page.indicator(name, "复核档次"), level)
    name, clause, severity, reason = CLAUSED
    page.type_into(page.indicator(name, "复核理由"), reason)
    page.pick_tag(page.indicator(name, "复核口径"), clause)
    page.choose(page.indicator(name, "扣分程度"), severity)
    out.totals = page.wait_for_totals(expected_total)
    say(f"实时合计：{out.totals}")
    page.wait_idle()
    if screenshot:
        page.panel_screenshot(screenshot)
    out.status = page.save()
    out.review_file = lab.folder / f"{UNIT}.review.yaml"
    say(out.status)
    page.run_all()
    out.reviewed_title = page.wait_for_text("h1.perfnb-report-title", reviewed_title)
    out.reviewed_total = page.wait_for_text("p.perfnb-review-total", "复核得分合计")
    say(f"重新运行后：{out.reviewed_title}；{out.reviewed_total}")
    return out
