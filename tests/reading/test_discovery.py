"""One input discovery for perfnb batch and perfnb score (perfnb/reading/discovery.py)."""
from __future__ import annotations

from pathlib import Path

import pytest

from perfnb.reading.discovery import DiscoveryError, discover, unit_data_paths
from perfnb.running.planning import BatchError, discover_inputs
from perfnb.running.screen import discover_files


@pytest.fixture
def tree(tmp_path):
    root = tmp_path / "in"
    (root / "data").mkdir(parents=True)
    for name in ("a.xlsx", "b.csv", "c.xlsx", "d.pdf", "loose.docx", "~$a.xlsx", ".hidden.xlsx"):
        (root / "data" / name).write_bytes(b"x")
    (root / "one.yaml").write_text("unit_id: one\ndata: data/a.xlsx\n", encoding="utf-8")
    # a list for data (batch accepted it, screening did not): both files are the unit's
    (root / "two.yaml").write_text("form: 2\ndata: [data/b.csv, data/c.xlsx]\n", encoding="utf-8")
    (root / "one.review.yaml").write_text("evaluator: 张三\n", encoding="utf-8")
    (root / "settings.yaml").write_text("colour: blue\n", encoding="utf-8")   # no unit
    (root / "broken.yaml").write_text("unit_id: [\n", encoding="utf-8")       # a unit: says why
    (root / "outputs").mkdir()
    (root / "outputs" / "old.xlsx").write_bytes(b"x")
    (root / "_drafts").mkdir()
    (root / "_drafts" / "x.xlsx").write_bytes(b"x")
    return root


def test_batch_and_screening_find_the_same_units(tree):
    expected = [tree / "broken.yaml", tree / "one.yaml", tree / "two.yaml",
                tree / "data" / "d.pdf", tree / "data" / "loose.docx"]
    found = discover([tree])
    assert sorted(found) == sorted(p.resolve() for p in expected)
    assert discover_inputs([str(tree)]) == found == discover_files([tree])


def test_data_lists_resolve_against_the_yaml(tree):
    assert unit_data_paths(tree / "two.yaml") == [(tree / "data" / "b.csv").resolve(),
                                                   (tree / "data" / "c.xlsx").resolve()]
    assert unit_data_paths(tree / "settings.yaml") == []


def test_a_data_file_named_beside_its_yaml_is_one_unit(tree):
    found = discover([tree / "one.yaml", tree / "data" / "a.xlsx", tree / "data" / "d.pdf"])
    assert found == [(tree / "one.yaml").resolve(), (tree / "data" / "d.pdf").resolve()]


def test_missing_or_unknown_inputs_stop_a_batch_but_are_screened_rows(tree):
    (tree / "notes.rtf").write_text("x", encoding="utf-8")
    with pytest.raises(BatchError, match="不存在"):
        discover_inputs([str(tree / "nope.xlsx")])
    with pytest.raises(DiscoveryError, match="不是可识别的单位文件"):
        discover([tree / "notes.rtf"])
    kept = discover_files([tree / "nope.xlsx", tree / "notes.rtf"])
    assert kept == [Path(tree / "nope.xlsx"), (tree / "notes.rtf").resolve()]


def test_the_output_folder_is_never_an_input(tree):
    out = tree / "results"
    (out / "部门" / "单位").mkdir(parents=True)
    (out / "部门" / "单位" / "form.xlsx").write_bytes(b"x")
    assert not [p for p in discover([tree], out_root=out) if out in p.parents]
