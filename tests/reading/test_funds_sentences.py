"""A report's funds sentences, as published reports write them, read into budget and execution.

Each case is a report without a funds table (a .txt: title, heading, the sentences), read and
evaluated as a user runs it; the expected figures are what a reviewer reads from the
sentences (万元), the rate executed ÷ (adjusted, else initial) or None ("not computable"), and
whether a figure needed a guess (then a FUNDS_FROM_TEXT finding quotes its sentence).  The
sentences come from the stored reports (tests/fixtures/real-forms/pub24–pub28, the seed) and
published reports found in the pages corpus (安徽 池州 委托业务项目, 福州 直达资金 支付情况,
a 财政支出项目绩效评价报告 on 科技项目), others are their common variants (元, 亿元, Chinese
numerals, 调整为, 上年结转, 到位, 决算).  A case whose sentences state no budget is refused
with the one clear message of a report without an indicator table.
"""
from __future__ import annotations

import pytest

from perfnb import evaluate
from perfnb.errors import InputError
from perfnb.reading import load_unit
from perfnb.reading.fundstext import read_funds_sentences

REFUSED = "refused"

# (id, sentences, initial, adjusted, executed, rate, guessed)
CASES = [
    ("seed-initial-executed",
     ["2022年年初我单位安排人大履职障经费绩效项目预算2,229.00万元，全年执行预算数为 1,972.41万元。"],
     2229.0, None, 1972.41, 0.8849, False),
    ("pub24-total-and-spent",
     ["我校2022年按生均1000元安排,共计239万元,其中上级资金179.25万元,本级59.75万元",
      "三、预算支出组织实施情况我校2022年财政安排支出共计87.06万元,余款安排下年支出"],
     None, 239.0, 87.06, 0.3643, True),
    ("pub26-received-is-not-spent",
     ["2024年,红河州数据发展中心实施项目共15个(含2023年转列暂付性款项项目5个),年初批复预算8个项目"
      "985万元(含1个年初结转结余项目50万元),调整预算后项目预算861.46万元,年中增加8个项目,"
      "实际到位资金334.67万元。"],
     985.0, 861.46, None, None, True),
    ("pub25-carryover-plus-this-year",
     ["2021年度我局食品监管资金上年结转结余资金2万元,2021年中央下达中央食品监管专项转移支付预算资金3万元,"
      "进一步细化和量化资金绩效指标,下达我局食品监管补助资金1.5万元、补助资金1.5万元,合格率100%"],
     None, 5.0, None, None, True),
    ("pub28-final-accounts-no-rate",
     ["2021年部门决算收支完成情况。", "1、收入:792.22万元。其中:财政拨款收入792.22万元。",
      "2、支出:799.12万元。其中:人员经费支出434.89万元,公用经费支出77.4万元,项目支出286.83万元。"],
     REFUSED, None, None, None, False),
    ("final-accounts-income-in-one-sentence",
     ["2022年度收入合计523.4万元，支出合计519.8万元。"], REFUSED, None, None, None, False),
    ("chizhou-applied-and-completed",
     ["本项目共申请预算资金90万元。其中：30万元用于基建工程项目预算编制。", "本项目共完成预算资金89.97万元。"],
     None, 90.0, 89.97, 0.9997, True),
    ("yi-yuan-total-and-spent",
     ["截至2021年12月底，项目资金总额75.20亿元，累计支出45.76亿元，支付率为60.8%。"],
     None, 752000.0, 457600.0, 0.6085, True),
    ("yuan-initial-adjusted-spent",
     ["该项目年初预算安排资金350,000元，调整后预算为420,000元，实际支出398,500.50元。"],
     35.0, 42.0, 39.85005, 0.9488, False),
    ("chinese-numerals",
     ["年初预算二百万元，全年实际支出一百八十五万元。"], 200.0, None, 185.0, 0.925, False),
    ("chinese-decimal-yi",
     ["项目总投资三点五亿元，截至年底已完成投资三亿元。"], None, 35000.0, 30000.0, 0.8571, True),
    ("adjusted-to",
     ["年初预算数为120万元，年中调整为100万元，全年执行数为98.5万元，预算执行率98.5%。"],
     120.0, 100.0, 98.5, 0.985, False),
    ("received-and-paid",
     ["年初批复预算80万元，资金到位80万元，已支付72万元。"], 80.0, None, 72.0, 0.9, False),
    ("carryover-and-spent",
     ["上年结转资金12万元，本年度财政安排预算资金30万元，全年支出38万元。"],
     None, 42.0, 38.0, 0.9048, True),
    ("completed-payment",
     ["2023年度项目预算资金共计150万元，截至12月31日完成支付142.6万元。"],
     None, 150.0, 142.6, 0.9507, True),
    ("ceiling-is-a-target",
     ["年初预算2,229.00万元。", "年度经费预算≤2255万元，实际支出1,972.41万元，控制在预算范围内。"],
     2229.0, None, 1972.41, 0.8849, False),
    ("per-head-standard",
     ["按每生每年800元的标准安排公用经费，全年共计安排96万元，实际支出96万元。"],
     None, 96.0, 96.0, 1.0, False),
    ("accumulated-spent",
     ["项目全年预算数为45万元，截至年底累计已支出40.5万元，执行率90%。"], None, 45.0, 40.5, 0.9, False),
    ("science-utilised",
     ["计划安排资金25380万元，实际利用共计24652.4万元。"], None, 25380.0, 24652.4, 0.9713, True),
    ("projects-counted",
     ["年初批复预算3个项目120万元，全年执行数115万元。"], 120.0, None, 115.0, 0.9583, False),
    ("allocated-and-used",
     ["中央下达补助资金50万元，资金已全部到位，截至年底已拨付使用46万元。"],
     None, 50.0, 46.0, 0.92, True),
    ("received-only",
     ["实际到位资金334.67万元。"], REFUSED, None, None, None, False),
    ("bare-total-with-parts",
     ["项目资金合计68万元，其中财政资金50万元，自筹资金18万元。", "全年执行数65万元。"],
     None, 68.0, 65.0, 0.9559, True),
]


def _report(tmp_path, sentences: list[str]):
    lines = ["某县某单位2023年度某项目绩效自评报告", "一、项目基本情况", *sentences]
    path = tmp_path / "report.txt"
    path.write_text("\n\n".join(lines), encoding="utf-8")
    return path


@pytest.mark.parametrize("case_id, sentences, initial, adjusted, executed, rate, guessed", CASES,
                         ids=[case[0] for case in CASES])
def test_funds_sentence_read_as_a_reviewer_reads_it(tmp_path, case_id, sentences, initial, adjusted,
                                                    executed, rate, guessed):
    path = _report(tmp_path, sentences)
    if initial == REFUSED:
        # no budget stated (决算 收入/支出, funds received only): no rate, one clear message
        with pytest.raises(InputError) as raised:
            load_unit(path)
        assert "找不到绩效指标表" in str(raised.value) and "report.txt" in str(raised.value)
        return
    data = evaluate(load_unit(path)).to_dict()
    budget = data["budget"]
    for key, value in (("initial", initial), ("adjusted", adjusted), ("executed", executed)):
        if value is None:
            assert budget[key] is None, (key, budget[key])
        else:
            assert budget[key] == pytest.approx(value, abs=1e-4), (key, budget[key])
    if rate is None:
        assert budget["rate"] is None          # not computable: never 100 % by assumption
        assert "MISSING_VALUE" in {f["code"] for f in data["findings"]}
    else:
        assert budget["rate"] == pytest.approx(rate, abs=1e-4)
    notes = [f for f in data["findings"] if f["code"] == "FUNDS_FROM_TEXT"]
    assert bool(notes) == guessed, [f["message"] for f in notes]
    for finding in notes:
        # located: the paragraph and the sentence, quoted
        assert "第 " in finding["message"] and "段“" in finding["message"]
        quoted = finding["message"].split("段“", 1)[1].split("”：", 1)[0].strip("…")
        assert len(quoted) >= 8 and any(quoted in part for part in sentences), finding["message"]


def test_received_funds_are_said_not_to_be_spent():
    funds = read_funds_sentences(["年初批复预算985万元,调整预算后项目预算861.46万元,实际到位资金334.67万元。"])
    assert funds.executed is None
    (note,) = funds.notes
    assert note.figure == "到位资金" and note.amount == 334.67 and "不是支出" in note.reason


def test_the_first_figure_of_each_kind_counts():
    """A report repeats its funds (pub25 says them in 一 and again in 二): the first stays."""
    funds = read_funds_sentences(["年初预算数为100万元，全年执行数为85万元。",
                                  "二、绩效目标完成情况", "年初预算数为100万元，全年执行数为80万元。"])
    assert (funds.initial, funds.executed) == (100.0, 85.0)


def test_an_unreadable_chinese_numeral_is_not_guessed():
    funds = read_funds_sentences(["年初预算一万万万元，全年执行数为80万元。"])
    assert funds.initial is None and not funds.found
