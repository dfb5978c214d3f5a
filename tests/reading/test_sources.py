"""The sources registry: one module per format, plug-ins through the perfnb.sources entry points,
and every place that discovers inputs asks the registry (a new format needs no edit elsewhere)."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import perfnb.reading
from perfnb.reading import load_unit, sources
from perfnb.reading.forms import Form
from perfnb.running.planning import discover_inputs
from perfnb.running.screen import discover_files

SEED = Path(__file__).resolve().parents[1] / "fixtures" / "reports" / "seed-report.txt"


@pytest.fixture
def registry():
    """The registry as it was, restored after the test."""
    saved = dict(sources._REGISTRY), sources._entry_points_loaded
    yield sources
    sources._REGISTRY.clear()
    sources._REGISTRY.update(saved[0])
    sources._entry_points_loaded = saved[1]


def read_seed_as_text(path: Path) -> list[Form]:
    """A plug-in's reader: a '.frm' file here is a text report under another name."""
    from perfnb.reading.sources.textreport import read_text_forms
    return read_text_forms(path)


PLUGIN = sources.Source("frm", (".frm",), read_seed_as_text, "某系统导出文件（.frm）")


def test_builtin_sources_cover_every_format():
    names = [source.name for source in sources.sources()]
    assert names[:6] == ["spreadsheet", "csv", "docx", "pdf", "html", "text"]
    suffixes = perfnb.reading.DATA_SUFFIXES
    for suffix in (".xlsx", ".xls", ".ods", ".et", ".csv", ".docx", ".pdf", ".html", ".htm",
                   ".mhtml", ".mht", ".txt"):
        assert suffix in suffixes
    assert ".yaml" not in suffixes


def test_pages_and_text_reports_are_discovered_by_score_and_batch(tmp_path):
    for name in ("page.html", "old.htm", "saved.mhtml", "notes.md", "form.xlsx"):
        (tmp_path / name).write_bytes(b"x")
    (tmp_path / "report.txt").write_text("某单位2022年度项目支出绩效自评报告", encoding="gb18030")
    (tmp_path / "unicode.txt").write_text("某单位绩效自评报告", encoding="utf-16")   # Notepad's "Unicode"
    # a folder's other .txt files (read-me, notes) are not taken for reports
    (tmp_path / "readme.txt").write_text("说明：本文件夹收到的材料，2023年6月。", encoding="utf-8")
    wanted = ["form.xlsx", "old.htm", "page.html", "report.txt", "saved.mhtml", "unicode.txt"]
    assert sorted(p.name for p in discover_files([tmp_path])) == wanted
    assert sorted(p.name for p in discover_inputs([str(tmp_path)])) == wanted
    # named on the command line, it is read all the same (and says what it lacks)
    assert [p.name for p in discover_files([tmp_path / "readme.txt"])] == ["readme.txt"]


def test_a_registered_source_is_read_and_discovered_everywhere(registry, tmp_path):
    registry.register(PLUGIN)
    folder = tmp_path / "收到的文件"
    folder.mkdir()
    shutil.copy(SEED, folder / "report.frm")
    (folder / "notes.md").write_text("x", encoding="utf-8")
    assert ".frm" in perfnb.reading.DATA_SUFFIXES
    assert [p.name for p in discover_files([folder])] == ["report.frm"]         # perfnb score
    assert [p.name for p in discover_inputs([str(folder)])] == ["report.frm"]   # perfnb batch
    tables = load_unit(folder / "report.frm")
    assert tables.indicators.shape[0] == 15
    assert "某系统导出文件（.frm）" in sources.formats_hint()


def test_entry_point_sources_are_loaded_once(registry, monkeypatch):
    class EntryPoint:
        def __init__(self, name, value, loaded):
            self.name, self.value, self._loaded = name, value, loaded

        def load(self):
            if isinstance(self._loaded, Exception):
                raise self._loaded
            return self._loaded

    calls = []

    def entry_points(group):
        calls.append(group)
        return [EntryPoint("frm", "plugin:PLUGIN", lambda: PLUGIN),
                EntryPoint("broken", "broken:SOURCE", ImportError("no module named broken"))]

    monkeypatch.setattr(sources.metadata, "entry_points", entry_points)
    registry._entry_points_loaded = False
    assert ".frm" in sources.data_suffixes()
    assert ".frm" in sources.data_suffixes()
    assert calls == ["perfnb.sources"]                 # scanned once per process
    assert "broken" not in [s.name for s in sources.sources()]


def test_a_broken_plugin_is_reported_not_fatal(registry, monkeypatch, capsys):
    class Broken:
        name, value = "broken", "broken:SOURCE"

        def load(self):
            raise ImportError("no module named broken")

    monkeypatch.setattr(sources.metadata, "entry_points", lambda group: [Broken()])
    registry._entry_points_loaded = False
    assert ".xlsx" in sources.data_suffixes()
    assert "无法加载输入格式插件“broken”" in capsys.readouterr().err


def test_register_checks_suffixes(registry):
    with pytest.raises(ValueError):
        registry.register(sources.Source("bad", ("FRM",), read_seed_as_text, "x"))
    with pytest.raises(TypeError):
        registry.register("not a source")


def test_source_by_suffix_then_by_content(tmp_path):
    assert sources.source_for(tmp_path / "missing.pdf").name == "pdf"
    page = tmp_path / "page.htm"
    page.write_text("<html><body><table><tr><td>x</td></tr></table></body></html>", "utf-8")
    assert sources.source_for(page).name == "html"
    renamed = tmp_path / "page.pdf"              # a page saved with the wrong suffix
    shutil.copy(page, renamed)
    assert sources.source_for(renamed).name == "html"
    unknown = tmp_path / "page.bin"
    shutil.copy(page, unknown)
    assert sources.source_for(unknown).name == "html"
    text = tmp_path / "notes.bin"
    text.write_text("一级指标", "utf-8")
    assert sources.source_for(text) is None
