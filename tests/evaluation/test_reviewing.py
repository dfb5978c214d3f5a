"""Scoring with the evaluator's review: three figures, final totals and grade, decisions."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

import perfnb
from perfnb.errors import InputError
from perfnb.model import UnitTables
from perfnb.reading.review import review_path_for

ROOT = Path(__file__).resolve().parents[2]
PARAMS = ROOT / "params"
SEED = PARAMS / "nmg-rd-2022-rdlz.yaml"

REVIEW = """\
evaluator: 张敏
date: 2024-05-06
indicators:
  - name: 办公设备采购批次     # computed 3.75
    score: 5
    reason: 第四批次已于 12 月完成招标，佐证齐全
  - name: 工作完成质量         # 定性, weight 3, computed 3
    level: 未达成
    reason: 质量评价无佐证
  - name: 服务人员满意度       # weight 10, 部分达成 band [6, 8)
    level: 部分达成
    score: 7.5
    reason: 样本量不足
findings:
  - code: SCORE_MISMATCH
    indicator: 服务人员满意度
    decision: 采纳
  - code: DIRECTION_CONFLICT
    decision: 不采纳
    reason: 上限指标的方向已与单位核实
"""


def reviewed_unit(tmp_path: Path, text: str = REVIEW) -> Path:
    shutil.copytree(PARAMS / "data", tmp_path / "data", dirs_exist_ok=True)
    unit = tmp_path / SEED.name
    shutil.copy(SEED, unit)
    review_path_for(unit).write_text(text, encoding="utf-8")
    return unit


def test_three_figures_and_final_total(tmp_path):
    result = perfnb.evaluate(perfnb.load_unit(reviewed_unit(tmp_path)))
    rows = result.indicators.set_index("name")
    # 自评 / 计算 / 复核 side by side
    assert rows.loc["C14办公设备采购批次", ["reported_score", "score", "final_score"]].tolist() == \
        [3.75, 3.75, 5.0]
    # 未达成 alone: the rule set's default share 30 % x 3 = 0.90
    assert rows.loc["C2工作完成质量", "final_score"] == pytest.approx(0.9)
    assert rows.loc["E1服务人员满意度", ["reported_score", "score", "final_score"]].tolist() == \
        [9.5, 10.0, 7.5]
    assert not rows.loc["C4经费总额", "reviewed"]
    assert rows.loc["C4经费总额", "final_score"] == rows.loc["C4经费总额", "score"]
    # 97.60 + 1.25 - 2.10 - 2.50 = 94.25
    final = result.final_totals.iloc[0]
    assert final["total"] == pytest.approx(94.25) and final["grade"] == "优"
    assert result.totals.iloc[0]["total"] == pytest.approx(97.60)   # computed unchanged
    dims = dict(zip(result.final_dimensions["level1"], result.final_dimensions["score"]))
    assert dims["产出指标"] == pytest.approx(48.75 + 1.25 - 2.10)
    assert dims["满意度指标"] == pytest.approx(7.5)
    decisions = dict(zip(result.findings["code"], result.findings["decision"]))
    assert decisions["SCORE_MISMATCH"] == "采纳" and decisions["DIRECTION_CONFLICT"] == "不采纳"
    assert decisions["LOW_EXECUTION"] is None or decisions["LOW_EXECUTION"] != decisions["LOW_EXECUTION"]


def test_json_reviewed_block_is_additive(tmp_path):
    plain = perfnb.evaluate(perfnb.load_unit(SEED)).to_dict()
    reviewed = perfnb.evaluate(perfnb.load_unit(reviewed_unit(tmp_path))).to_dict()
    assert plain["reviewed"] is None
    assert {k: v for k, v in reviewed.items() if k != "reviewed"}.keys() == \
        {k: v for k, v in plain.items() if k != "reviewed"}.keys()
    assert reviewed["total"] == plain["total"] == 97.6 and reviewed["grade"] == "优"
    assert reviewed["indicators"] == plain["indicators"]
    block = reviewed["reviewed"]
    assert (block["total"], block["grade"], block["adjusted"]) == (94.25, "优", 3)
    assert (block["adopted"], block["rejected"]) == (1, 1)
    item = next(i for i in block["indicators"] if i["name"] == "C2工作完成质量")
    assert item == {**item, "computed_score": 3.0, "final_score": 0.9, "level": "未达成",
                    "reason": "质量评价无佐证", "reviewed": True}
    rejected = next(f for f in block["findings"] if f["decision"] == "不采纳")
    assert rejected["code"] == "DIRECTION_CONFLICT" and rejected["reason"].startswith("上限指标")


def test_score_outside_the_level_band_is_an_error(tmp_path):
    unit = reviewed_unit(tmp_path, REVIEW.replace("score: 7.5", "score: 9"))
    with pytest.raises(InputError) as info:
        perfnb.evaluate(perfnb.load_unit(unit))
    message = str(info.value)
    assert "复核得分 9 不在复核档次“部分达成”的得分区间（6 至 8 分）内" in message
    assert "nmg-rd-2022-rdlz.review.yaml" in message and "第 10 行" in message


def test_decision_on_a_finding_that_does_not_exist(tmp_path):
    unit = reviewed_unit(tmp_path, REVIEW.replace("code: DIRECTION_CONFLICT",
                                                  "code: TOTAL_MISMATCH"))
    with pytest.raises(InputError) as info:
        perfnb.evaluate(perfnb.load_unit(unit))
    message = str(info.value)
    assert "审核发现 TOTAL_MISMATCH不在单位“nmg-rd-2022-rdlz”的审核发现中" in message
    assert "第 18 行" in message and "DIRECTION_CONFLICT（C4经费总额）" in message


def test_many_units_at_once_match_one_by_one(tmp_path):
    one = perfnb.load_unit(reviewed_unit(tmp_path))
    others = [perfnb.load_unit(PARAMS / name) for name in
              ("jtt-2023-ncgl.yaml", "wjw-2023-jbgw.yaml", "007.yaml")]
    together = perfnb.evaluate(UnitTables.concat([one, *others]))
    for tables in (one, *others):
        alone = perfnb.evaluate(tables)
        uid = tables.unit_ids[0]
        part = together.unit(uid)
        assert np.allclose(part.final_scores(), alone.final_scores())
        assert part.final_totals.iloc[0]["total"] == alone.final_totals.iloc[0]["total"]
        assert part.to_dict()["reviewed"] == alone.to_dict()["reviewed"]
    assert together.unit("wjw-2023-jbgw").to_dict()["reviewed"] is None
    finals = dict(zip(together.final_totals["unit_id"], together.final_totals["grade"]))
    assert finals["jtt-2023-ncgl"] == "良"
    summary = together.summary().set_index("unit_id")
    assert summary.loc["jtt-2023-ncgl", ["total", "reviewed_total", "reviewed_grade", "reviewed"]
                       ].tolist() == [94.29, 89.29, "良", True]
    assert not summary.loc["wjw-2023-jbgw", "reviewed"]


def test_score_command_review_flag(tmp_path, capsys):
    from perfnb.cli import main
    review = tmp_path / "elsewhere.yaml"
    review.write_text(REVIEW, encoding="utf-8")
    assert main(["score", str(SEED), "--review", str(review), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["reviewed"]["total"] == 94.25 and data["total"] == 97.6
    assert main(["score", str(SEED), "--review", str(review)]) == 0
    text = capsys.readouterr().out
    assert "复核：94.25 分，优" in text and "复核得分" in text and "〔复核：不采纳，上限指标" in text
    assert main(["score", str(SEED), "--review", str(tmp_path / "none.yaml")]) == 2
    assert "复核文件不存在" in capsys.readouterr().err
