"""The batch's closing table."""
from types import SimpleNamespace

from perfnb.running.progress import format_table


def job(unit_id, **outcome):
    return SimpleNamespace(unit_id=unit_id, department="江西省交通运输厅",
                           outcome={"status": "passed", "seconds": 3.0, **outcome})


def test_closing_table_shows_the_review_beside_the_computed_total_when_a_unit_has_one():
    table = format_table([job("jtt-2023-ncgl", total=94.29, grade="优", reviewed_total=89.29,
                              reviewed_grade="良"),
                          job("jtt-2023-gsgyh", total=96.96, grade="优")])
    header, _, reviewed, plain = table.splitlines()
    assert header.split() == ["单位", "主管部门", "总分", "等级", "复核", "状态", "用时（秒）"]
    assert "94.29" in reviewed and "89.29 良" in reviewed
    assert plain.split()[4] == "—"


def test_closing_table_without_reviews_has_no_review_column():
    header = format_table([job("007", total=99.75, grade="优")]).splitlines()[0]
    assert "复核" not in header
