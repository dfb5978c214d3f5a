"""Atomic writes, safe path components and the inside-the-output-folder check."""
from __future__ import annotations

import os
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from perfnb.errors import InputError
from perfnb.fsutil import (MAX_COMPONENT_BYTES, TEMP_SUFFIX, atomic_path, atomic_write_bytes,
                           atomic_write_text, ensure_inside, safe_component)

WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL"} | {f"COM{i}" for i in range(1, 10)} | {
    f"LPT{i}" for i in range(1, 10)}


def test_atomic_write_replaces_and_leaves_no_temporaries(tmp_path):
    target = tmp_path / "sub" / "report.html"
    atomic_write_text(target, "旧内容")
    atomic_write_bytes(target, "新内容\r\n".encode("utf-8"))
    assert target.read_bytes() == "新内容\r\n".encode("utf-8")
    assert os.listdir(target.parent) == ["report.html"]
    assert oct(target.stat().st_mode & 0o777) != oct(0o600)  # usual mode, not mkstemp's


def test_atomic_write_failure_keeps_the_old_file(tmp_path, monkeypatch):
    target = tmp_path / "result.json"
    atomic_write_text(target, "old")

    def broken_replace(*_args):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError):
        atomic_write_text(target, "new")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["result.json"]


def test_atomic_path_commits_on_success_and_discards_on_error(tmp_path):
    target = tmp_path / "report.pdf"
    with atomic_path(target) as temporary:
        assert temporary.parent == tmp_path and temporary.name.endswith(TEMP_SUFFIX)
        temporary.write_bytes(b"%PDF-1.7")
    assert target.read_bytes() == b"%PDF-1.7"
    with pytest.raises(RuntimeError):
        with atomic_path(target) as temporary:
            temporary.write_bytes(b"half")
            raise RuntimeError("killed")
    assert target.read_bytes() == b"%PDF-1.7"
    assert [p.name for p in tmp_path.iterdir()] == ["report.pdf"]


@pytest.mark.parametrize("name", ["nmg-rd-2022-rdlz", "内蒙古自治区人大常委会办公厅", "007", "单位 A.1"])
def test_ordinary_names_are_kept(name):
    assert safe_component(name) == name


@pytest.mark.parametrize("name", ["../../etc/passwd", "/etc/passwd", "a\\..\\b", "C:\\x", "a\x00b",
                                  "a\nb", "CON", "con.txt", "Lpt1", "COM9 ", "nul.tar.gz",
                                  "name. . ", "..hidden", "a\u202eb", "x" * 400, "中" * 200])
def test_dangerous_names_become_one_harmless_component(name):
    component = safe_component(name)
    assert component == safe_component(name)  # deterministic
    assert "/" not in component and "\\" not in component and "\x00" not in component
    assert component not in (".", "..") and not component.startswith(".")
    assert not component.endswith((".", " "))
    assert component.split(".")[0].upper().rstrip() not in WINDOWS_RESERVED
    assert all(unicodedata.category(c) not in ("Cc", "Cf") for c in component)
    assert len(component.encode("utf-8")) <= MAX_COMPONENT_BYTES
    assert component != name  # changed names carry a hash of the original


def test_changed_names_do_not_collide():
    assert safe_component("a/b") != safe_component("a_b")
    assert safe_component("a/b") != safe_component("a:b")
    assert safe_component("x" * 300) != safe_component("x" * 301)


@pytest.mark.parametrize("name", ["", "   ", ".", "..", "...", " / ", "\x00"])
def test_empty_results_are_errors(name):
    with pytest.raises(InputError, match="不能用作文件夹名"):
        safe_component(name)


@settings(max_examples=150, deadline=None)
@given(st.text(min_size=1, max_size=300))
def test_any_name_stays_inside_the_folder(tmp_path_factory, name):
    root = tmp_path_factory.getbasetemp()
    try:
        component = safe_component(name)
    except InputError:
        return
    assert ensure_inside(root, root / component).parent == root.resolve()


def test_ensure_inside(tmp_path):
    assert ensure_inside(tmp_path, "a/b.json") == (tmp_path / "a" / "b.json").resolve()
    assert ensure_inside(tmp_path, tmp_path) == tmp_path.resolve()
    for escaping in ("../x", "/etc/passwd", "a/../../x", tmp_path.parent / "y"):
        with pytest.raises(InputError, match="输出目录"):
            ensure_inside(tmp_path, escaping)
    (tmp_path / "link").symlink_to(tmp_path.parent)
    with pytest.raises(InputError):
        ensure_inside(tmp_path, "link/z")
