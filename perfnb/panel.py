"""The review panel of the evaluation notebook: ``nb.review(result)`` (ipywidgets).

The evaluator sees every indicator with its three figures (自评得分, 计算得分, 复核得分) and
edits the 复核得分 / 复核档次 / 理由 of those they adjust; decides 采纳 / 不采纳 on each audit
finding; writes the 复核意见 and 复核结论; the totals follow every change.  "保存复核记录"
checks the review exactly as a review file is checked (perfnb.reading.review) and writes
``<unit>.review.yaml`` atomically; re-running the notebook then gives the reviewed report.

In batch (papermill, nbconvert --execute) nobody can answer a widget: the panel is inert and
shows a static note instead.  A kernel asked to run code by a client that cannot answer input
requests (``allow_stdin`` false, as nbclient — hence papermill — always asks) is taken to be
such a run; ``PERFNB_REVIEW_PANEL=1`` / ``0`` forces the panel on / off.
"""
from __future__ import annotations

import datetime as _dt
import math
import os
from dataclasses import replace
from pathlib import Path

from perfnb.cells import as_text

__all__ = ["ReviewPanel", "review_panel", "interactive_kernel", "UNDECIDED"]

UNDECIDED = "未决定"
LEVEL_CHOICES = ("", "达成", "部分达成", "未达成")
# what an unweighted unit (its form prints no 分值) shows in the 分值 column
UNWEIGHTED_WEIGHT = "—（未加权）"
DECISION_CHOICES = (UNDECIDED, "采纳", "不采纳")


def interactive_kernel() -> bool:
    """True when a person runs this cell (JupyterLab), False under papermill / nbconvert."""
    forced = os.environ.get("PERFNB_REVIEW_PANEL", "").strip()
    if forced in ("0", "1"):
        return forced == "1"
    try:
        from IPython import get_ipython
    except ImportError:   # pragma: no cover - IPython is a dependency of ipykernel
        return False
    shell = get_ipython()
    kernel = getattr(shell, "kernel", None)
    if kernel is None:
        return False
    return bool(getattr(kernel, "_allow_stdin", False))


# The panel's grids fit the notebook's width: the name columns take what is left (fr) and
# their cells wrap long names instead of clipping them (an ipywidgets Label cuts its text at
# the column's edge with "…"); the inputs fill their columns.
INDICATOR_COLUMNS = ("minmax(4.5em, 6em) minmax(5em, 7em) minmax(8em, 1.6fr) 4.5em 4.5em 4.5em "
                     "6.5em 7.5em minmax(9em, 13em) 5.5em minmax(10em, 1fr)")
FINDING_COLUMNS = "minmax(9em, 14em) minmax(9em, 15em) minmax(14em, 2fr) 7.5em minmax(10em, 1fr)"
CELL_STYLE = "line-height:1.35;white-space:normal;overflow-wrap:anywhere;padding:5px 0"
MESSAGE_SHOWN = 60   # characters of a finding's message in the grid; the whole on hover


def _cell(text: str, title: str | None = None):
    """A read-only grid cell: the whole text (escaped), wrapped within its column."""
    import html

    import ipywidgets as w

    hover = f" title='{html.escape(title)}'" if title else ""
    body = f"<div class='perfnb-panel-cell' style='{CELL_STYLE}'{hover}>{html.escape(text)}</div>"
    return w.HTML(body, layout=w.Layout(min_width="0"))


def _fill():
    """The layout of an input that fills its grid column (auto: the column less the widget's
    margins; 100% would overflow the grid by them and give it a scroll bar)."""
    import ipywidgets as w

    return w.Layout(width="auto", min_width="0")


def _show(value) -> str:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return ""
    if math.isnan(number):
        return ""
    return f"{number:.2f}"


class ReviewPanel:
    """The widgets of one unit's review; usable without a frontend (tests set the values
    and call :meth:`save` or ``panel.save_button.click()``)."""

    def __init__(self, result, path: str | os.PathLike | None = None) -> None:
        import ipywidgets as w

        self.result = result.unit()
        units = self.result.units
        if path is None:
            path = units["review_path"].iloc[0] if "review_path" in units.columns else None
        if not path:
            source = Path(str(units["source"].iloc[0]))
            path = source.with_name(source.stem + ".review.yaml")
        self.path = Path(path)
        record = self.result.review_record() or {}
        tables = self.result.tables
        existing = {int(r["seq"]): r for r in tables.review_indicators.to_dict("records")}
        # the review profile (复核口径) whose clauses the pickers offer
        from perfnb.evaluation.review_rules import get_review_rules

        named = tables.reviews["review_rules"].iloc[0] if "review_rules" in tables.reviews.columns \
            and len(tables.reviews) else ""
        self.review_rules = as_text(named)
        self.profile = get_review_rules(self.review_rules or None)
        clause_codes = list(self.profile.clauses)
        severities = ("", *self.profile.levels)

        self.evaluator = w.Text(value=record.get("evaluator", ""), description="复核人",
                                placeholder="姓名")
        self.date = w.Text(value=record.get("date") or _dt.date.today().isoformat(),
                           description="复核日期", placeholder="2026-11-30")
        self.conclusion = w.Text(value=record.get("conclusion", ""), description="复核结论",
                                 placeholder="如：良")
        self.opinion = w.Textarea(value=record.get("opinion", ""), description="复核意见",
                                  placeholder="对本单位绩效自评的总体复核意见",
                                  layout=w.Layout(width="95%", height="6em"))

        # one row per indicator: name, figures, then the editable cells
        self.rows: list[dict] = []
        cells = [w.HTML(f"<b>{h}</b>") for h in
                 ("一级指标", "二级指标", "三级指标", "分值", "自评得分", "计算得分", "复核得分",
                  "复核档次", "复核口径", "扣分程度", "复核理由")]
        from perfnb.model import STATUS_LABELS, UNWEIGHTED

        weighting = units["weighting"].iloc[0] if "weighting" in units.columns else None
        self.unweighted = as_text(weighting) == UNWEIGHTED
        for r in self.result.indicators.to_dict("records"):
            old = existing.get(int(r["seq"]))
            score = w.Text(value="" if old is None or _show(old["score"]) == "" else _show(old["score"]),
                           placeholder="不调整", layout=_fill())
            level = w.Dropdown(options=LEVEL_CHOICES,
                               value=(as_text(old["level"]) if old is not None else "") or "",
                               layout=_fill())
            reason = w.Text(value=as_text(old["reason"]) if old is not None else "",
                            placeholder="调整时必填", layout=_fill())
            old_clauses = [c for c in (list(old["clauses"]) if old is not None
                                       and isinstance(old.get("clauses"), list) else [])
                           if c in clause_codes]
            clauses = w.TagsInput(value=old_clauses, allowed_tags=clause_codes,
                                  allow_duplicates=False, layout=_fill())
            old_severity = self.profile.level(old.get("severity")) if old is not None else None
            severity = w.Dropdown(options=severities, value=old_severity or "", layout=_fill())
            self.rows.append({"record": r, "score": score, "level": level, "reason": reason,
                              "clauses": clauses, "severity": severity})
            cells += [_cell(as_text(r.get("level1"))), _cell(as_text(r.get("level2"))),
                      _cell(as_text(r.get("name"))),
                      # unweighted: no 分值, and the computed column shows the achievement
                      _cell(UNWEIGHTED_WEIGHT if self.unweighted else _show(r.get("weight"))),
                      _cell(_show(r.get("reported_score"))),
                      _cell(STATUS_LABELS.get(as_text(r.get("status")), "") if self.unweighted
                            else _show(r.get("score"))),
                      score, level, clauses, severity, reason]
        self.indicator_grid = w.GridBox(cells, layout=w.Layout(
            grid_template_columns=INDICATOR_COLUMNS, grid_gap="2px 6px", align_items="center"))

        self.findings: list[dict] = []
        finding_cells = [w.HTML(f"<b>{h}</b>") for h in ("代码", "位置", "说明", "复核决定", "理由")]
        for f in self.result.findings.to_dict("records"):
            decision = as_text(f.get("decision")) or UNDECIDED
            choice = w.Dropdown(options=DECISION_CHOICES, value=decision, layout=_fill())
            reason = w.Text(value=as_text(f.get("decision_reason")), placeholder="不采纳时必填",
                            layout=_fill())
            self.findings.append({"record": f, "decision": choice, "reason": reason})
            where = "，".join(x for x in (as_text(f.get("indicator")),
                                          f"“{as_text(f.get('column'))}”列" if as_text(f.get("column")) else "")
                              if x)
            message = as_text(f.get("message"))
            shown = message[:MESSAGE_SHOWN] + ("…" if len(message) > MESSAGE_SHOWN else "")
            finding_cells += [_cell(as_text(f["code"])), _cell(where),
                              _cell(shown, title=message), choice, reason]
        self.finding_grid = w.GridBox(finding_cells, layout=w.Layout(
            grid_template_columns=FINDING_COLUMNS, grid_gap="2px 6px", align_items="center"))

        self.totals = w.HTML()
        self.status = w.HTML()
        self.save_button = w.Button(description="保存复核记录", button_style="primary",
                                    icon="save", layout=w.Layout(width="12em"))
        self.save_button.on_click(lambda _button: self.save())
        for widget in self._inputs():
            widget.observe(lambda _change: self.refresh(), names="value")
        self.widget = w.VBox([
            w.HTML(f"<p>复核记录将保存到 <code>{self.path}</code>。只填写需要调整的指标；"
                   "复核档次单独填写时按评分规则的默认比例计分；引用复核口径条款时按条款计算复核得分（perfnb review-rules 列出条款）。</p>"),
            w.HBox([self.evaluator, self.date, self.conclusion]),
            w.HTML("<h4>绩效指标（自评 / 计算 / 复核）</h4>"), self.indicator_grid,
            w.HTML("<h4>审核发现</h4>"), self.finding_grid,
            self.opinion, self.totals, w.HBox([self.save_button]), self.status])
        self.refresh()

    # -- state ----------------------------------------------------------------------------
    def _inputs(self):
        yield from (self.evaluator, self.date, self.conclusion, self.opinion)
        for row in self.rows:
            yield from (row["score"], row["level"], row["clauses"], row["severity"], row["reason"])
        for item in self.findings:
            yield from (item["decision"], item["reason"])

    def row(self, name: str) -> dict:
        """The widgets of the indicator whose 三级指标 contains ``name``."""
        for row in self.rows:
            if name in as_text(row["record"].get("name")):
                return row
        raise KeyError(name)

    def finding(self, code: str, indicator: str | None = None) -> dict:
        for item in self.findings:
            f = item["record"]
            if f["code"] == code and (indicator is None or indicator in as_text(f.get("indicator"))):
                return item
        raise KeyError(code)

    def build_review(self):
        """The review the widgets describe (:class:`perfnb.reading.review.Review`)."""
        from perfnb.errors import InputError
        from perfnb.reading.review import Review, ReviewFinding, ReviewIndicator

        indicators = []
        for row in self.rows:
            score_text = row["score"].value.strip()
            level = row["level"].value or None
            reason = row["reason"].value.strip()
            clauses = list(row["clauses"].value)
            severity = row["severity"].value or None
            if not score_text and level is None and not clauses:
                continue
            record = row["record"]
            score = None
            if score_text:
                try:
                    score = float(score_text.replace(",", ""))
                except ValueError:
                    raise InputError(f"指标“{record['name']}”的复核得分“{score_text}”不是数字",
                                     hint="请填写 0 到该指标分值之间的数字") from None
            indicators.append(ReviewIndicator(
                name=as_text(record.get("name")), level1=as_text(record.get("level1")),
                level2=as_text(record.get("level2")), score=score, level=level, reason=reason,
                clauses=clauses, severity=severity))
        findings = []
        for item in self.findings:
            decision = item["decision"].value
            if decision == UNDECIDED:
                continue
            f = item["record"]
            findings.append(ReviewFinding(code=as_text(f["code"]), decision=decision,
                                          reason=item["reason"].value.strip(),
                                          indicator=as_text(f.get("indicator")) or None,
                                          column=as_text(f.get("column")) or None))
        return Review(evaluator=self.evaluator.value.strip(), date=self.date.value.strip(),
                      opinion=self.opinion.value.strip(), conclusion=self.conclusion.value.strip(),
                      indicators=indicators, findings=findings, source=str(self.path),
                      review_rules=self.review_rules)

    def reviewed(self):
        """The result as it would be with this review (the checks of a review file apply)."""
        import yaml

        from perfnb.evaluation.reviewing import apply_review
        from perfnb.evaluation.result import Evaluation
        from perfnb.reading.review import attach_review, review_from_node, review_to_yaml

        review = self.build_review()
        text = review_to_yaml(review)
        checked = review_from_node(yaml.compose(text, Loader=yaml.SafeLoader), self.path)
        result = self.result
        plain = replace(result.tables, reviews=result.tables.reviews.iloc[0:0],
                        review_indicators=result.tables.review_indicators.iloc[0:0],
                        review_findings=result.tables.review_findings.iloc[0:0])
        tables = attach_review(plain, checked)
        base = {k: v for k, v in result.scored.items()}
        findings = result.findings.drop(columns=["decision", "decision_reason"], errors="ignore")
        scored, findings = apply_review(tables, base, findings, result.rules)
        return Evaluation(tables=tables, rules=result.rules, scored=scored, findings=findings), review

    def refresh(self) -> None:
        """Recompute the live totals (or show what is wrong)."""
        import html

        from perfnb.errors import PerfnbError

        computed = self.result.totals.iloc[0]
        try:
            reviewed, review = self.reviewed()
        except PerfnbError as error:
            self.totals.value = (f"<p>计算总分 {_show(computed['total'])}（{computed['grade']}）。"
                                 f"<span style='color:#b71c1c'>复核记录尚不完整：{html.escape(str(error))}</span></p>")
            return
        final = reviewed.final_totals.iloc[0]
        self.totals.value = (
            f"<p><b>复核总分 {_show(final['total'])}（{final['grade']}）</b>；计算总分 "
            f"{_show(computed['total'])}（{computed['grade']}）；调整指标 {len(review.indicators)} 项，"
            f"采纳审核发现 {sum(f.decision == '采纳' for f in review.findings)} 条，"
            f"不采纳 {sum(f.decision == '不采纳' for f in review.findings)} 条。</p>")

    def save(self) -> Path | None:
        """Check and write the review file atomically; the status line says what happened."""
        import html

        from perfnb.errors import PerfnbError
        from perfnb.reading.review import write_review

        try:
            _, review = self.reviewed()
            path = write_review(review, self.path)
        except PerfnbError as error:
            self.status.value = f"<p style='color:#b71c1c'>未保存：{html.escape(str(error))}</p>"
            return None
        self.status.value = (f"<p style='color:#1b5e20'>已保存到 <code>{html.escape(str(path))}</code>。"
                             "重新运行本笔记本即得到复核报告。</p>")
        self.saved_path = path
        return path

    def _ipython_display_(self) -> None:
        from IPython.display import display
        display(self.widget)


def review_panel(result, path=None):
    """The review panel in JupyterLab; a static note (no widgets) in batch runs."""
    if not interactive_kernel():
        record = result.unit().review_record()
        note = ("本单元格在 JupyterLab 中显示交互式复核面板；批量运行时不显示。"
                + (f"本报告已采用 {record['evaluator']}（{record['date']}）"
                   "的复核记录。" if record else "本单位尚无复核记录。"))
        return StaticNote(note)
    return ReviewPanel(result, path)


class StaticNote:
    """What the review cell shows in batch: one sentence, as HTML and as Typst (every output
    of an executed notebook has both; the cell is tagged remove-cell and never printed)."""

    def __init__(self, text: str) -> None:
        self.text = text

    def _repr_mimebundle_(self, include=None, exclude=None):
        from perfnb.reporting.typst_markup import bundle, text
        return bundle(f"<p class='perfnb-review-note'>{html_escape(self.text)}</p>", text(self.text),
                      self.text)


def html_escape(text) -> str:
    import html
    return html.escape(as_text(text))
