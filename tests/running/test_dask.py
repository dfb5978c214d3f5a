"""perfnb batch --scheduler: units on a real (small, in-process) Dask distributed cluster."""
from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

distributed = pytest.importorskip("distributed")

from perfnb.running import execution as batch_module  # noqa: E402
from perfnb.cli import main  # noqa: E402
from perfnb.running.manifest import MANIFEST_NAME, verify  # noqa: E402

PARAMS = Path(__file__).resolve().parents[2] / "params"


def test_batch_on_a_local_dask_cluster(tmp_path, capsys):
    out = tmp_path / "out"
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster:
        code = main(["batch", str(PARAMS / "nmg-rd-2022-rdlz.yaml"), "--out", str(out),
                     "--formats", "html", "--scheduler", cluster.scheduler_address])
        (worker_address,) = cluster.scheduler_info["workers"]
    assert code == 0, capsys.readouterr()
    manifest = json.loads((out / MANIFEST_NAME).read_text(encoding="utf-8"))
    (entry,) = manifest["units"].values()
    assert entry["status"] == "passed" and entry["worker"] == worker_address
    assert all(s["worker"] == worker_address for k, s in manifest["summaries"].items()
               if k != "summary:workbook")
    assert (out / "summary.html").is_file() and verify(out).ok


def test_unreachable_scheduler_fails_fast_in_chinese(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(batch_module, "DASK_CONNECT_TIMEOUT", 2)  # the real bound is 20 s
    started = time.monotonic()
    code = main(["batch", str(PARAMS / "007.yaml"), "--out", str(tmp_path / "out"),
                 "--scheduler", "tcp://127.0.0.1:9"])
    assert code == 2 and time.monotonic() - started < 30
    error = capsys.readouterr().err
    assert "无法连接 Dask 调度器“tcp://127.0.0.1:9”" in error and "Traceback" not in error
    assert not (tmp_path / "out" / MANIFEST_NAME).exists()  # nothing was touched
    assert batch_module.DASK_CONNECT_TIMEOUT < 30
