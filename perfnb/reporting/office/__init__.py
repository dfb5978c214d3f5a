"""Office formats: the 绩效自评报告 as Word (.docx), the completed 自评表 as Excel (.xlsx).

``write_docx_report(evaluation, path, unit_id=None, charts=None)`` (``docx_report``) and
``write_xlsx_form(evaluation, path, unit_id=None)`` (``xlsx_form``); ``write_table_sheet``
(``xlsx_style``) styles any DataFrame as a bordered table sheet (the batch summary reuses it).
Reading a department's Word report is ``perfnb.reading.wordreport.load_docx``.
"""
from __future__ import annotations

__all__ = ["write_docx_report", "write_xlsx_form", "write_table_sheet"]


def write_docx_report(evaluation, path, unit_id=None, charts=None):
    from perfnb.reporting.office.docx_report import write_docx_report as write
    return write(evaluation, path, unit_id=unit_id, charts=charts)


def write_xlsx_form(evaluation, path, unit_id=None):
    from perfnb.reporting.office.xlsx_form import write_xlsx_form as write
    return write(evaluation, path, unit_id=unit_id)


def write_table_sheet(worksheet, dataframe, title=None):
    from perfnb.reporting.office.xlsx_style import write_table_sheet as write
    return write(worksheet, dataframe, title=title)
