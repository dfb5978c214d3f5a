"""Drive the review panel (perfnb/panel.py) in a real JupyterLab in headless Chromium.

Shared by the browser test (tests/ui/test_review_panel_browser.py) and the manual script
(tools/drive_review_panel.py), so both do exactly the same clicks.  Needs Debian's
``chromium`` and ``chromium-driver`` and the ``selenium`` package (in the ``[test]`` extra);
:func:`find_browser` says what is missing.

The pieces:

- :func:`prepare_unit` copies the seed unit and notebooks/evaluation.ipynb (pointed at it) to a
  folder;
- :class:`JupyterLab` starts ``jupyter lab`` on 127.0.0.1, a free port and a random token, with
  its settings, workspaces, runtime, config and data files in that folder (no user setting leaks
  in; news off), waits until the server answers, starts the notebook's session through the REST
  API (:meth:`JupyterLab.start_kernel`) and always stops it (context manager);
- :func:`start_browser` opens headless Chromium with its profile in that folder;
- :class:`LabPage` is what a person does on the page: wait until the notebook's kernel is
  connected and idle (asked from ``window.jupyterapp``), run all cells from the Run menu and wait
  for the run to finish (prompts ``[*]`` / ``[n]``), type into the panel's cells found by their
  column header and the row's indicator (or finding code), pick a 复核口径 clause in the tag
  picker, choose from dropdowns, click 保存复核记录.  Every wait polls a condition with a bound
  (STEP, STALL, RUN_LIMIT); nothing sleeps a fixed time.  :meth:`LabPage.save_failure` keeps the
  screenshot, HTML, browser console and kernel/prompt state of a failed run.
- :func:`record_review` is the scenario both callers run; it returns what the page showed.
"""
from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
UNIT = "nmg-rd-2022-rdlz"
NOTEBOOK = "evaluation.ipynb"
# Every wait is bounded.  A page element must appear within STEP seconds (generous for two
# cores shared with another pytest worker, yet a broken step fails well under 90 s); a notebook
# run may take longer as a whole, but fails once no cell has progressed for STALL seconds, and
# at RUN_LIMIT seconds in any case.
STEP = 60
STALL = 60
RUN_LIMIT = 300
SERVER_START = 60
POLL = 0.2


class BrowserMissing(RuntimeError):
    """Chromium, its driver or selenium is not installed."""


def find_browser() -> tuple[str, str]:
    """The Chromium binary and chromedriver (``PERFNB_CHROMIUM`` / ``PERFNB_CHROMEDRIVER``
    override the search on PATH); :class:`BrowserMissing` says what to install."""
    binary = shutil.which(os.environ.get("PERFNB_CHROMIUM") or "chromium") or next(
        (found for name in ("chromium-browser", "google-chrome")
         if not os.environ.get("PERFNB_CHROMIUM") and (found := shutil.which(name))), None)
    driver = shutil.which(os.environ.get("PERFNB_CHROMEDRIVER") or "chromedriver")
    missing = [name for name, path in (("chromium", binary), ("chromedriver", driver)) if not path]
    if missing:
        raise BrowserMissing(f"{' and '.join(missing)} not found (PATH, PERFNB_CHROMIUM, "
                             "PERFNB_CHROMEDRIVER): the review panel's browser check needs "
                             "`apt-get install chromium chromium-driver` (.ci/run does it)")
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

    def __init__(self, folder: Path, timeout: float = SERVER_START) -> None:
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
                 # window.jupyterapp: the page can be asked whether the notebook's kernel is
                 # connected (LabPage.kernel_state), which no element of the page tells
                 "--LabApp.expose_app_in_browser=True",
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

    def _api(self, path: str, body: dict | None = None) -> dict:
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}/api/{path}",
            data=None if body is None else json.dumps(body).encode("utf-8"),
            headers={"Authorization": f"token {self.token}", "Content-Type": "application/json"},
            method="GET" if body is None else "POST")
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read() or b"{}")

    def start_kernel(self, notebook: str = NOTEBOOK) -> str:
        """Start the notebook's session (its kernelspec's kernel) through the server's REST API;
        the kernel id.  The page then attaches to this session when it opens the notebook,
        instead of racing the kernel specs with a Select Kernel dialog.  (The server reports
        the kernel idle only after a client asked it something: LabPage.open waits for that.)"""
        nb = json.loads((self.folder / notebook).read_text("utf-8"))
        kernel = nb["metadata"]["kernelspec"]["name"]
        session = self._api("sessions", {"path": notebook, "name": notebook, "type": "notebook",
                                         "kernel": {"name": kernel}})
        return session["kernel"]["id"]

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
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})  # kept on a failure
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


# What the panel's grids cut off: each grid wider than its box (a horizontal scroll bar) and
# each cell whose text is wider than the cell (clipped), as "grid: text".
_CUT_JS = """
const cut = [];
document.querySelectorAll('.widget-gridbox').forEach((grid, g) => {
  if (grid.scrollWidth > grid.clientWidth + 1) cut.push(`grid ${g}: scrolls (${grid.scrollWidth} > ${grid.clientWidth})`);
  for (const cell of grid.children) {
    for (const box of [cell, ...cell.querySelectorAll('div')]) {
      if (box.scrollWidth > box.clientWidth + 1 && !box.querySelector('input, select'))
        cut.push(`grid ${g}: ${cell.textContent.trim()}`);
    }
  }
});
return cut;
"""


# The open notebook's kernel as the page sees it (needs --LabApp.expose_app_in_browser).
_KERNEL_JS = """
const [path] = arguments;
const app = window.jupyterapp;
if (!app || !app.shell) return 'JupyterLab not loaded';
const panel = Array.from(app.shell.widgets('main')).find(w => w.context && w.context.path === path);
if (!panel || !panel.sessionContext) return 'notebook not open';
const session = panel.sessionContext;
if (!session.isReady) return 'session not ready';
const kernel = session.session && session.session.kernel;
if (!kernel) return 'no kernel';
if (kernel.connectionStatus !== 'connected') return 'kernel ' + kernel.connectionStatus;
return kernel.status;
"""


class LabPage:
    """The notebook page, as a person uses it."""

    def __init__(self, driver, timeout: float = STEP) -> None:
        from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
        from selenium.webdriver.support.ui import WebDriverWait
        self.driver = driver
        self.notebook = NOTEBOOK
        self.retries = 0     # Run All clicks that started no cell
        # a widget re-rendered between finding it and reading it is looked up again
        self.wait = WebDriverWait(driver, timeout, poll_frequency=POLL, ignored_exceptions=(
            NoSuchElementException, StaleElementReferenceException))

    def _until(self, condition, message):
        """Wait for ``condition``; ``message`` (a string, or a function giving one when the
        wait has failed, so it can show the page's last state) says what did not happen."""
        from selenium.common.exceptions import TimeoutException
        try:
            return self.wait.until(condition)
        except TimeoutException:
            text = message() if callable(message) else message
            raise TimeoutException(f"{text} (waited {self.wait._timeout:.0f} s)") from None

    def open(self, url: str, notebook: str = NOTEBOOK) -> None:
        """Open the notebook (then :meth:`wait_kernel`)."""
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support import expected_conditions as ec
        self.notebook = notebook
        self.driver.set_page_load_timeout(self.wait._timeout)
        self.driver.get(url)
        self._until(ec.presence_of_element_located((By.CSS_SELECTOR, ".jp-Notebook")),
                    "the notebook did not open")

    def wait_kernel(self) -> None:
        """Wait until the notebook's kernel is connected and idle.  JupyterLab's idle
        indicator is not enough: it can read idle while the notebook's session has no kernel
        yet, and Run All then clears the cells and runs none of them."""
        from selenium.webdriver.common.by import By
        # should JupyterLab still ask which kernel to start (the session was not found), answer
        # as a person would: the preselected kernel
        select = "//div[contains(@class,'jp-Dialog')]//button[.//div[text()='Select' or text()='选择']]"

        def settled(d):
            buttons = d.find_elements(By.XPATH, select)
            if buttons:
                buttons[0].click()
                return False
            return self.kernel_state() == "idle"
        self._until(settled, lambda: f"the notebook's kernel is not connected and idle "
                                     f"(last: {self.kernel_state()})")

    def kernel_state(self) -> str:
        """``idle``/``busy``/… once the open notebook's session has a connected kernel, else
        what is missing (from ``window.jupyterapp``)."""
        return self.driver.execute_script(_KERNEL_JS, self.notebook)

    def wait_idle(self) -> None:
        self._until(lambda d: self.kernel_state() == "idle",
                    lambda: f"the kernel did not become idle (last: {self.kernel_state()})")

    def prompts(self) -> list[str]:
        """The code cells' input prompts as shown: ``[ ]:``, ``[*]:`` or ``[12]:``."""
        return self.driver.execute_script(
            "return Array.from(document.querySelectorAll('.jp-CodeCell .jp-InputPrompt'))"
            ".map(e => e.textContent.trim());")

    @staticmethod
    def _counts(prompts: list[str]) -> tuple[int, list[int]]:
        """How many prompts show ``[*]``, and the execution counts shown."""
        running = sum("[*]" in p for p in prompts)
        counts = [int(m.group(1)) for p in prompts if (m := re.search(r"\[(\d+)\]", p))]
        return running, counts

    def _click_run_all(self) -> None:
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support import expected_conditions as ec
        self._until(ec.element_to_be_clickable(
            (By.XPATH, "//li[contains(@class,'lm-MenuBar-item')][.//div[text()='Run' or text()='运行']]")),
            "no Run menu").click()
        self._until(ec.element_to_be_clickable(
            (By.XPATH, "//li[contains(@class,'lm-Menu-item') and not(contains(@class,"
                       "'lm-mod-disabled'))][.//div[starts-with(text(),'Run All Cells') or "
                       "starts-with(text(),'运行全部')]]")),
            "no enabled Run All Cells item").click()

    def run_all(self, attempts: int = 3, start: float = 20, stall: float = STALL,
                limit: float = RUN_LIMIT) -> list[str]:
        """Run → Run All Cells (运行 → 运行全部单元格) once the kernel is connected and idle,
        then wait until the run has finished; the prompts at the end.

        The run counts as started only when a code cell's prompt shows ``[*]`` or an execution
        count above the highest one before (a prompt re-rendered with the same text is no
        start); if none did within ``start`` seconds the menu is used again (at most
        ``attempts`` times).  The run then may take as long as the cells keep finishing: it
        fails when no further cell finished for ``stall`` seconds, or after ``limit``."""
        from selenium.common.exceptions import TimeoutException
        from selenium.webdriver.support.ui import WebDriverWait
        self.wait_idle()
        before = max(self._counts(self._until(lambda d: self.prompts(),
                                              "the notebook's cells did not render"))[1], default=0)

        def state():
            running, counts = self._counts(self.prompts())
            return running, sum(c > before for c in counts)
        for attempt in range(1, attempts + 1):
            self._click_run_all()
            try:
                WebDriverWait(self.driver, start, poll_frequency=POLL).until(
                    lambda d: any(state()))
                break
            except TimeoutException:
                self.retries += 1
                if attempt == attempts:
                    raise TimeoutException(
                        f"Run All Cells started no cell ({attempts} tries; kernel "
                        f"{self.kernel_state()}; prompts {self.prompts()})") from None
        began = last_change = time.monotonic()
        progress = None
        while True:
            running, done = state()
            if not running and done and self.kernel_state() == "idle":
                return self.prompts()
            now = time.monotonic()
            if done != progress:
                progress, last_change = done, now
            if now - last_change > stall or now - began > limit:
                raise TimeoutException(
                    f"the notebook run stalled: {done} cells finished, {running} waiting, no "
                    f"progress for {now - last_change:.0f} s ({now - began:.0f} s in all); kernel "
                    f"{self.kernel_state()}; prompts {self.prompts()}")
            time.sleep(POLL)

    def save_failure(self, folder: Path) -> list[Path]:
        """Keep what a failed run leaves to look at in ``folder`` (the server's log is there
        already): screenshot, page HTML, the browser console's last 200 lines, and the kernel
        state and prompts; the files written."""
        folder = Path(folder)
        written = []
        for name, write in (
                ("failure.png", lambda p: self.driver.save_screenshot(str(p))),
                ("failure.html", lambda p: p.write_text(self.driver.page_source, "utf-8")),
                ("browser-console.log", lambda p: p.write_text("\n".join(
                    f"{e.get('level')} {e.get('message')}" for e in self.driver.get_log("browser")[-200:]),
                    "utf-8")),
                ("state.txt", lambda p: p.write_text(
                    f"kernel: {self.kernel_state()}\nprompts: {self.prompts()}\n"
                    f"run-all retries: {self.retries}\n", "utf-8"))):
            try:
                write(folder / name)
                written.append(folder / name)
            except Exception as error:  # a dead browser must not hide the test's own failure
                print(f"could not save {name}: {error}")
        return written

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
        return self._until(found, lambda: f"no {css} containing {text!r}; page shows {self.text_of(css)!r}")

    def totals(self) -> str:
        """The panel's live totals line (the HTML widget just above the save button)."""
        from selenium.webdriver.common.by import By
        return self.driver.find_element(
            By.XPATH, "//button[contains(., '保存复核记录')]/ancestor::div[contains(@class,"
                      "'widget-hbox')][1]/preceding-sibling::div[1]").text

    def wait_for_totals(self, text: str) -> str:
        return self._until(lambda d: text in self.totals() and self.totals(),
                           lambda: f"the panel's totals never showed {text!r} (last: {self.totals()!r})")

    def save(self) -> str:
        from selenium.webdriver.common.by import By
        self.driver.find_element(By.XPATH, "//button[contains(., '保存复核记录')]").click()
        return self.wait_for_text(".widget-html", "已保存到")

    def cut_off(self) -> list[str]:
        """What the panel's grids cut off (a scrolling grid, a clipped cell); [] when every
        name is shown whole."""
        return self.driver.execute_script(_CUT_JS)

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
    cut_off: list[str] = field(default_factory=list)
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
    began = time.monotonic()

    def step(text: str) -> None:
        out.notes.append(f"{time.monotonic() - began:6.1f} s  {text}")
        say(out.notes[-1])
    lab.start_kernel()
    step("内核已启动。")
    page.open(lab.url())
    step("笔记本已打开。")
    page.wait_kernel()
    step("内核已连接。")
    page.run_all()
    step("第一次运行完成。")
    page.wait_for_panel()
    out.first_title = page.wait_for_text("h1.perfnb-report-title", "")
    out.cut_off = page.cut_off()
    step("面板已显示。" + (f"被截断：{'；'.join(out.cut_off)}" if out.cut_off else ""))
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
    step(f"实时合计：{out.totals}")
    page.wait_idle()
    if screenshot:
        page.panel_screenshot(screenshot)
    out.status = page.save()
    out.review_file = lab.folder / f"{UNIT}.review.yaml"
    step(out.status)
    page.run_all()
    out.reviewed_title = page.wait_for_text("h1.perfnb-report-title", reviewed_title)
    out.reviewed_total = page.wait_for_text("p.perfnb-review-total", "复核得分合计")
    step(f"重新运行后：{out.reviewed_title}；{out.reviewed_total}")
    if page.retries:
        step(f"“运行全部”未启动任何单元格而重试 {page.retries} 次。")
    return out
