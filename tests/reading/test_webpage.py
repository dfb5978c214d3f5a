"""Web pages (.html/.htm/.mhtml): each phenomenon of published pages on a small page of its own.

The form is the seed's official form (tests/fixtures/formats/official.xlsx) written as a page
at test time (tests/format_builders.py): it must read exactly as the .xlsx does, whatever is
around it, however it is encoded or cut into tables.
"""
from __future__ import annotations

import pandas as pd
import pytest

from perfnb.errors import InputError
from perfnb.evaluation.evaluator import evaluate
from perfnb.reading import load_forms, load_unit
from perfnb.reading.sources import source_for
from perfnb.reading.sources.webpage import decode_html, html_document, sniff_html, table_grid

from format_builders import (FOOTER, NAV, OFFICIAL, _shown, html_page, html_table, read_grid,
                             write_html, write_mhtml)

INDICATOR_FIELDS = ["level1", "level2", "name", "kind", "operator", "target", "actual",
                    "measure_unit", "weight", "reported_score", "target_grade", "actual_grade"]
BUDGET_FIELDS = ["initial", "adjusted", "executed", "weight", "reported_rate", "reported_score"]
UNIT_FIELDS = ["project", "department", "implementing_unit", "year", "reported_total",
               "reported_grade"]


@pytest.fixture(scope="module")
def reference():
    tables = load_unit(OFFICIAL)
    return tables, evaluate(tables)


@pytest.fixture(scope="module")
def grid():
    return read_grid()


def _same(frame: pd.DataFrame, other: pd.DataFrame, fields: list[str]) -> None:
    pd.testing.assert_frame_equal(frame[fields].reset_index(drop=True).astype(object),
                                  other[fields].reset_index(drop=True).astype(object),
                                  check_dtype=False)


def assert_reads_like_the_xlsx(path, reference) -> None:
    tables, scored = reference
    other = load_unit(path)
    _same(other.indicators, tables.indicators, INDICATOR_FIELDS)
    _same(other.budgets, tables.budgets, BUDGET_FIELDS)
    _same(other.units, tables.units, UNIT_FIELDS)
    result = evaluate(other)
    assert result.totals["total"].tolist() == scored.totals["total"].tolist() == [97.6]
    assert sorted(result.findings["code"]) == sorted(scored.findings["code"])
    assert other.units["layout"].iloc[0] == "html"


def _row_of(grid, text: str) -> int:
    return next(r for r in range(1, grid.max_row + 1) for c in range(1, grid.max_column + 1)
                if grid.text(r, c) == text)


# --- tables: rowspan/colspan, nbsp, <br> --------------------------------------------------------

def test_rowspan_and_colspan_become_merged_cells(grid, tmp_path):
    """A page's table is the Grid the workbook gives: same values, same merged ranges."""
    path = write_html(tmp_path / "form.html", grid, around=False, above="")
    [(page_grid, _)], _ = html_document(path)
    assert page_grid.max_row == grid.max_row and page_grid.max_column == grid.max_column
    for r in range(1, grid.max_row + 1):
        for c in range(1, grid.max_column + 1):
            shown = _shown(grid, *grid.cell_anchor(r, c)) or None
            assert page_grid.get(r, c) == shown, (r, c)
            assert page_grid.cell_anchor(r, c) == grid.cell_anchor(r, c), (r, c)


def test_official_form_page_reads_like_the_xlsx(grid, tmp_path, reference):
    assert_reads_like_the_xlsx(write_html(tmp_path / "official.html", grid), reference)


def test_nbsp_cells_are_blank_and_br_is_an_in_cell_line_break():
    import lxml.html
    table = lxml.html.fragment_fromstring(
        "<table><tr><td>&nbsp;</td><td>满意度<br>指标</td><td> &nbsp;95%&nbsp; </td>"
        "<td><p>偏差原因</p><p>及改进措施</p></td><td>产出\n   指标</td></tr></table>")
    grid = table_grid(table, "x.html", "表格1")
    assert grid.values[0] == [None, "满意度\n指标", "95%", "偏差原因\n及改进措施", "产出指标"]


def test_colspan_and_rowspan_fill_and_anchor():
    import lxml.html
    table = lxml.html.fragment_fromstring(
        "<table><tr><td rowspan='2'>产出指标</td><td colspan='2'>数量指标</td></tr>"
        "<tr><td>A</td><td>B</td></tr><tr><td colspan=3>合计</td></tr></table>")
    grid = table_grid(table, "x.html", "表格1")
    assert grid.values == [["产出指标", "数量指标", "数量指标"], ["产出指标", "A", "B"],
                           ["合计", "合计", "合计"]]
    assert grid.cell_anchor(2, 1) == (1, 1) and grid.cell_anchor(1, 3) == (1, 2)
    assert grid.cell_anchor(3, 3) == (3, 1) and grid.cell_anchor(2, 2) == (2, 2)


def test_page_saved_by_word_or_wps(grid, tmp_path, reference):
    """Word/WPS "save as web page": every cell's text in MsoNormal paragraphs and spans with
    <o:p> tags, an unquoted charset=gb2312, conditional comments, the title as a caption."""
    import re
    table = html_table(grid)
    table = re.sub(r"<td([^>]*)>(.*?)</td>",
                   lambda m: f"<td{m.group(1)} valign=top style='border:solid windowtext 1.0pt'>"
                             f"<p class=MsoNormal align=center><span lang=EN-US style='font-family:"
                             f"宋体'>{m.group(2)}<o:p></o:p></span></p></td>", table, flags=re.S)
    table = table.replace("<table", "<table class=MsoTableGrid", 1).replace(
        ">", "><caption>项目支出绩效自评表</caption>", 1)
    page = ("<html xmlns:o=\"urn:schemas-microsoft-com:office:office\"><head>"
            "<meta http-equiv=Content-Type content=\"text/html; charset=gb2312\">"
            "<!--[if gte mso 9]><xml><o:DocumentProperties></o:DocumentProperties></xml><![endif]-->"
            f"</head><body lang=ZH-CN><div class=WordSection1>{table}"
            "<p class=MsoNormal><span lang=EN-US><o:p>&nbsp;</o:p></span></p></div></body></html>")
    path = tmp_path / "word.htm"
    path.write_bytes(page.encode("gbk", "xmlcharrefreplace"))
    pairs, _ = html_document(path)
    assert pairs[0][1] == ["项目支出绩效自评表"]          # the caption is the text above
    assert_reads_like_the_xlsx(path, reference)


# --- what is around the form -------------------------------------------------------------------

def test_navigation_and_layout_tables_around_the_form(grid, tmp_path, reference):
    """Site navigation, breadcrumb and footer tables, and the whole article inside a layout
    table's cell (a table holding the form table), as government sites print pages."""
    body = (f"{NAV}<table width='980'><tr><td width='200'><a href='/a'>通知公告</a><br>"
            f"<a href='/b'>政策文件</a></td><td><h2>项目支出绩效自评表</h2>{html_table(grid)}"
            f"</td></tr></table>{FOOTER}")
    path = tmp_path / "layout.html"
    path.write_text(html_page(body), encoding="utf-8")
    pairs, paragraphs = html_document(path)
    assert len(pairs) == 1                       # navigation and footer tables are dropped
    assert "首页" not in paragraphs and "通知公告" not in paragraphs   # links are not prose
    assert_reads_like_the_xlsx(path, reference)


def test_form_table_with_a_table_inside_a_cell(grid, tmp_path, reference):
    """A small (empty) layout table inside one of the form's cells does not make the form a
    layout table."""
    table = html_table(grid).replace("<td>&nbsp;</td>", "<td><table><tr><td>&nbsp;</td></tr></table></td>",
                                     1)
    assert table.count("<table") == 2
    path = tmp_path / "inner.html"
    path.write_text(html_page(f"{NAV}{table}{FOOTER}"), encoding="utf-8")
    assert_reads_like_the_xlsx(path, reference)


def test_form_split_over_consecutive_tables_is_one_form(grid, tmp_path, reference):
    """Header block, funds block and indicator block printed as three tables in a row."""
    funds = _row_of(grid, "年度资金总额") - 1
    header = _row_of(grid, "三级指标")
    parts = [range(1, funds), range(funds, header), range(header, grid.max_row + 1)]
    path = write_html(tmp_path / "parts.html", grid, parts=parts)
    pairs, _ = html_document(path)
    assert len(pairs) == 1
    assert len(load_forms(path)) == 1
    assert_reads_like_the_xlsx(path, reference)


def test_form_tables_with_a_line_between_them(grid, tmp_path, reference):
    """The same three tables with "单位：万元" printed between the header and funds tables:
    no longer one grid, still one form — the header table gives the project and units."""
    funds = _row_of(grid, "年度资金总额") - 1
    header = _row_of(grid, "三级指标")
    tables = [html_table(grid, rows) for rows in
              (range(1, funds), range(funds, header), range(header, grid.max_row + 1))]
    path = tmp_path / "parts.html"
    path.write_text(html_page(f"{NAV}{tables[0]}<p>单位：万元</p>{tables[1]}{tables[2]}{FOOTER}"),
                    encoding="utf-8")
    assert len(html_document(path)[0]) == 2
    assert_reads_like_the_xlsx(path, reference)


def test_indicator_table_continued_in_a_second_table(grid, tmp_path, reference):
    """The indicator table cut in two, the header printed again on the second (a page that
    mirrors the printed pages), is joined as the Word reader joins a table continued."""
    header = _row_of(grid, "三级指标")
    split = _row_of(grid, "C2工作完成质量")
    first = html_table(grid, range(1, split))
    rest = html_table(grid, range(header, header + 1)) .replace("</table>", "") + \
        html_table(grid, range(split, grid.max_row + 1)).split(">", 1)[1]
    path = tmp_path / "continued.html"
    path.write_text(html_page(f"{NAV}{first}\n{rest}{FOOTER}"), encoding="utf-8")
    assert_reads_like_the_xlsx(path, reference)


def test_two_forms_on_one_page(grid, tmp_path):
    body = f"<h2>附件1</h2>{html_table(grid)}<h2>附件2</h2>{html_table(grid)}"
    path = tmp_path / "two.html"
    path.write_text(html_page(body), encoding="utf-8")
    results = load_forms(path)
    assert [r.index for r in results] == [1, 2]
    assert all(r.ok and r.tables.indicators.shape[0] == 15 for r in results)


def test_report_page_prose_gives_what_the_tables_lack(tmp_path):
    """A 绩效自评报告 page: the indicator tables between paragraphs, the budget, title,
    total and grade only in the prose (as the Word report path reads them)."""
    from perfnb.reading.sources.textreport import text_document
    seed = _seed_report()
    pairs, paragraphs = text_document(seed.read_text(encoding="utf-8"), str(seed))
    # the page: each prose line a paragraph, each table after the paragraph that announces it
    body, tables = [], iter(pairs)
    for line in paragraphs:
        body.append(f"<p>{line}</p>")
        if line.endswith("如下："):
            body.append(html_table(next(tables)[0], blank=""))
    path = tmp_path / "report.html"
    path.write_text(html_page(f"{NAV}<div>{''.join(body)}</div>{FOOTER}"), encoding="gbk",
                    errors="xmlcharrefreplace")
    tables = load_unit(path)
    unit = tables.units.iloc[0]
    assert unit["project"] == "人大履职保障经费" and str(unit["year"]) == "2022"
    assert unit["department"] == "内蒙古自治区人大常委会办公厅"
    assert tables.budgets.iloc[0]["initial"] == 2229.0 and tables.budgets.iloc[0]["executed"] == 1972.41
    result = evaluate(tables).to_dict()
    assert (result["total"], result["grade"]) == (97.6, "优")


def _seed_report():
    from pathlib import Path
    return Path(__file__).resolve().parents[1] / "fixtures" / "reports" / "seed-report.txt"


# --- encodings ----------------------------------------------------------------------------------

@pytest.mark.parametrize("encoding, charset", [
    ("gbk", "gb2312"),        # declared GB2312, GBK bytes: what old sites serve
    ("gb18030", None),        # undeclared
    ("gbk", "utf-8"),         # declared wrongly
    ("utf-8", None),          # undeclared UTF-8
])
def test_page_encodings(grid, tmp_path, reference, encoding, charset):
    path = write_html(tmp_path / "page.html", grid, encoding=encoding, charset=charset)
    assert_reads_like_the_xlsx(path, reference)


def test_xhtml_declaration_gives_the_encoding():
    text = "<html><body><p>内蒙古自治区人大常委会办公厅人大履职保障经费绩效自评报告</p></body></html>"
    data = b'<?xml version="1.0" encoding="gbk"?>\n' + text.encode("gbk")
    assert decode_html(data).endswith(text)


def test_undeclared_gbk_is_detected():
    text = "<html><body><p>内蒙古自治区人大常委会办公厅人大履职保障经费绩效自评报告</p></body></html>"
    assert decode_html(text.encode("gbk")) == text


@pytest.mark.parametrize("transfer", ["base64", "quoted-printable"])
def test_page_saved_as_mhtml(grid, tmp_path, reference, transfer):
    page = write_html(tmp_path / "page.html", grid).read_bytes()
    path = write_mhtml(tmp_path / "page.mhtml", page, transfer)
    assert_reads_like_the_xlsx(path, reference)


def test_html_named_xls_is_read_as_a_page(grid, tmp_path, reference):
    """Web systems export 'Excel' files that are HTML tables: read by content."""
    path = write_html(tmp_path / "export.xls", grid)
    assert source_for(path).name == "html"
    assert_reads_like_the_xlsx(path, reference)


def test_sniff():
    assert sniff_html(b"\xef\xbb\xbf<!DOCTYPE html><html>")
    assert sniff_html(b"  <html lang='zh'>")
    assert sniff_html(b'<?xml version="1.0" encoding="gb2312"?>\n<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML')
    assert sniff_html(b"MIME-Version: 1.0\r\nContent-Type: multipart/related;")
    assert sniff_html(b"\xff\xfe" + "<table><tr><td>一级指标".encode("utf-16-le"))
    assert not sniff_html(b"PK\x03\x04") and not sniff_html("一级指标\t二级指标".encode())


# --- pages that are no form ---------------------------------------------------------------------

def test_page_without_a_form_is_one_clear_error(tmp_path):
    path = tmp_path / "list.html"
    path.write_text(html_page(f"{NAV}<ul><li><a href='/1'>2022年度绩效自评报告</a></li></ul>{FOOTER}"),
                    encoding="utf-8")
    with pytest.raises(InputError) as excinfo:
        load_unit(path)
    message = str(excinfo.value)
    assert "list.html" in message and "网页中找不到绩效指标表" in message and "正文页" in message


def test_empty_page_and_mhtml_without_html(tmp_path):
    (tmp_path / "empty.html").write_bytes(b"   \n")
    with pytest.raises(InputError, match="网页是空的"):
        load_unit(tmp_path / "empty.html")
    (tmp_path / "css.mhtml").write_bytes(
        b'MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary="b"\r\n\r\n--b\r\n'
        b"Content-Type: text/css\r\n\r\ntd{}\r\n--b--\r\n")
    with pytest.raises(InputError, match="没有网页"):
        load_unit(tmp_path / "css.mhtml")
