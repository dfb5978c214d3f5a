"""What a ``perfnb batch`` tells its user while and after it runs.

:func:`progress` (batch and screening) is a tqdm bar on a terminal, plain lines in a log;
:func:`format_table` is the closing table (unit, department, total, grade, status,
seconds) and :func:`closing_lines` the failures and the count that follow it.
"""
from __future__ import annotations

import sys
import time
from typing import Any, Iterable

from perfnb.model import UNWEIGHTED, WEIGHTING_LABELS
from perfnb.textwidth import display_width, pad

STATUS_LABELS = {"passed": "完成", "failed": "失败", "skipped": "跳过（未变化）"}
UNWEIGHTED_REVIEW = "按达成"   # the 复核 cell of a reviewed unweighted unit (no total)


def progress(total: int, stream=None, desc: str = "批量评价", unit: str = "项",
             noun: str = "", every: str = "item"):
    """The one progress reporter of perfnb (batch and screening): a tqdm bar on a terminal;
    plain lines when ``stream`` (stderr) is a log file or a pipe (a bar redrawn with
    carriage returns makes a log unreadable): one per finished item (``every="item"``) or
    one per tenth of the way (``every="tenth"``, for thousands of quick items)."""
    stream = stream or sys.stderr
    if not (hasattr(stream, "isatty") and stream.isatty()):
        step = max(1, total // 10) if every == "tenth" else 1
        return LineProgress(total, stream, desc=desc, noun=noun, step=step)
    from tqdm import tqdm
    return tqdm(total=total, file=stream, unit=unit, desc=desc, dynamic_ncols=True,
                bar_format="{desc}: {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} "
                           "[已用 {elapsed}，预计剩余 {remaining}{postfix}]")


class LineProgress:
    """The part of tqdm's interface perfnb uses, printing a line per ``step`` items (and at
    the end): ``批量评价：2/3，已用 00:05，成功 2，失败 0``."""

    def __init__(self, total: int, stream, desc: str = "批量评价", noun: str = "",
                 step: int = 1) -> None:
        self.total, self.count, self.postfix, self.stream = total, 0, "", stream
        self.desc, self.noun, self.step = desc, noun, max(1, step)
        self.next = self.step
        self.started = time.monotonic()

    def set_postfix_str(self, text: str, refresh: bool = True) -> None:
        self.postfix = text

    def update(self, count: int = 1) -> None:
        self.count += count
        if self.count < self.next and self.count != self.total:
            return
        self.next = self.count + self.step
        elapsed = int(time.monotonic() - self.started)
        line = (f"{self.desc}：{self.count}/{self.total}{' ' + self.noun if self.noun else ''}，"
                f"已用 {elapsed // 60:02d}:{elapsed % 60:02d}")
        print(line + (f"，{self.postfix}" if self.postfix else ""), file=self.stream, flush=True)

    def close(self) -> None:
        pass


def format_table(jobs: list) -> str:
    """The closing table: unit, department, total, grade, (the 复核 total and grade, when any
    unit has a review), status, seconds."""
    reviewed = any(isinstance((job.outcome or {}).get("reviewed_total"), (int, float))
                   or (job.outcome or {}).get("reviewed") for job in jobs)
    header = ["单位", "主管部门", "总分", "等级", *(["复核"] if reviewed else []), "状态", "用时（秒）"]
    rows = []
    for job in jobs:
        outcome = job.outcome or {}
        total, review_total = outcome.get("total"), outcome.get("reviewed_total")
        review = [f"{review_total:.2f} {outcome.get('reviewed_grade') or ''}".rstrip()
                  if isinstance(review_total, (int, float)) else
                  UNWEIGHTED_REVIEW if outcome.get("reviewed") else "—"] if reviewed else []
        rows.append([job.unit_id, job.department or "—",
                     f"{total:.2f}" if isinstance(total, (int, float)) else "—",
                     str(outcome.get("grade") or (WEIGHTING_LABELS[UNWEIGHTED] if outcome.get(
                         "weighting") == UNWEIGHTED else "—")), *review,
                     STATUS_LABELS.get(outcome.get("status"), "—"),
                     f"{outcome['seconds']:.1f}" if outcome.get("seconds") is not None else "—"])
    widths = [max(display_width(row[i]) for row in [header] + rows) for i in range(len(header))]
    lines = ["  ".join(pad(cell, widths[i]) for i, cell in enumerate(row)).rstrip()
             for row in [header] + rows]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


def closing_lines(jobs: list, failed_summaries: Iterable[tuple[str, str]], out_root: Any,
                  review_reports: Iterable[str] = ()) -> list[str]:
    """The lines printed after the table: each failure, the departments' 复核报告 (when any unit
    was reviewed), then the counts."""
    failed = [job for job in jobs if (job.outcome or {}).get("status") == "failed"]
    lines = [f"失败：{job.unit_id}（{job.input_path}）：{job.outcome.get('message') or '原因未知'}"
             for job in failed]
    lines += [f"汇总失败：{key}：{message}" for key, message in failed_summaries]
    lines += [f"复核报告：{department}/review_report.docx（另有 .pdf、.html、.ipynb）"
              for department in review_reports]
    skipped = sum(1 for job in jobs if (job.outcome or {}).get("status") == "skipped")
    lines.append(f"共 {len(jobs)} 个单位：完成 {len(jobs) - len(failed) - skipped}，"
                 f"失败 {len(failed)}，跳过 {skipped}。输出目录：{out_root}")
    return lines
