"""manifest.json bookkeeping and `perfnb verify` (changed, missing, unlisted files; exit codes)."""
from __future__ import annotations

import json

import pytest

from perfnb import evaluate
from perfnb.cli import main
from perfnb.running.manifest import (MANIFEST_NAME, Manifest, ManifestError, file_record, hash_tree,
                             sha256_file, verify)
from tables import seed_tables


@pytest.fixture
def batch_dir(tmp_path):
    """A small output folder with a manifest that lists every file."""
    unit = tmp_path / "某部门" / "u1"
    unit.mkdir(parents=True)
    result = evaluate(seed_tables("u1")).to_dict()  # a real result: verify checks it against its schema
    (unit / "result.json").write_text(json.dumps(result, ensure_ascii=False), encoding="utf-8")
    (unit / "report.html").write_text("<p>报告</p>", encoding="utf-8")
    (tmp_path / "summary.xlsx").write_bytes(b"PK\x03\x04 workbook")
    manifest = Manifest.load_or_new(tmp_path)
    manifest.record("units", "unit:某部门/u1", {"status": "passed"}, hash_tree(tmp_path, unit))
    manifest.record("summaries", "summary:workbook", {"status": "passed"},
                    [file_record(tmp_path, tmp_path / "summary.xlsx")])
    manifest.save()
    return tmp_path


def test_manifest_lists_files_with_hash_and_size(batch_dir):
    data = json.loads((batch_dir / MANIFEST_NAME).read_text(encoding="utf-8"))
    record = data["files"]["某部门/u1/result.json"]
    assert record["sha256"] == sha256_file(batch_dir / "某部门" / "u1" / "result.json")
    assert record["size"] == (batch_dir / "某部门" / "u1" / "result.json").stat().st_size
    assert data["units"]["unit:某部门/u1"]["files"] == ["某部门/u1/report.html",
                                                      "某部门/u1/result.json"]
    assert "summary.xlsx" in data["files"]


def test_clean_directory_verifies(batch_dir, capsys):
    assert verify(batch_dir).ok
    assert main(["verify", str(batch_dir)]) == 0
    assert "校验通过" in capsys.readouterr().out


def test_flipped_byte_is_named(batch_dir, capsys):
    path = batch_dir / "某部门" / "u1" / "result.json"
    data = bytearray(path.read_bytes())
    data[-3] ^= 0x01
    path.write_bytes(bytes(data))  # same size, different content
    report = verify(batch_dir)
    assert report.changed == ["某部门/u1/result.json"] and not report.missing
    assert main(["verify", str(batch_dir)]) == 1
    assert "已被改动：某部门/u1/result.json" in capsys.readouterr().out


def test_deleted_and_added_files_are_named(batch_dir, capsys):
    (batch_dir / "某部门" / "u1" / "report.html").unlink()
    (batch_dir / "某部门" / "extra.txt").write_text("x")
    report = verify(batch_dir)
    assert report.missing == ["某部门/u1/report.html"]
    assert report.unlisted == ["某部门/extra.txt"]
    assert main(["verify", str(batch_dir)]) == 1
    out = capsys.readouterr().out
    assert "缺失：某部门/u1/report.html" in out and "未列入清单：某部门/extra.txt" in out


def test_missing_or_unreadable_manifest_exits_2(tmp_path, capsys):
    assert main(["verify", str(tmp_path / "nowhere")]) == 2
    assert "不存在" in capsys.readouterr().err
    assert main(["verify", str(tmp_path)]) == 2
    assert "manifest.json" in capsys.readouterr().err
    (tmp_path / MANIFEST_NAME).write_text("{not json", encoding="utf-8")
    assert main(["verify", str(tmp_path)]) == 2
    assert "无法读取" in capsys.readouterr().err
    with pytest.raises(ManifestError):
        Manifest.load(tmp_path)


def test_record_replaces_an_owners_files(batch_dir):
    manifest = Manifest.load(batch_dir)
    manifest.record("units", "unit:某部门/u1", {"status": "passed"},
                    [{"path": "某部门/u1/result.json", "sha256": "0" * 64, "size": 1}])
    assert "某部门/u1/report.html" not in manifest.files
    manifest.drop_owner("unit:某部门/u1")
    assert "unit:某部门/u1" not in manifest.units and "某部门/u1/result.json" not in manifest.files
    assert "summary.xlsx" in manifest.files
