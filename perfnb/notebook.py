"""Helpers the evaluation notebook (notebooks/evaluation.ipynb) calls.

The notebook holds no logic: each cell is one call into this module.  Its ``parameters``
cell declares every key of the unit YAML (see docs/architecture.md) plus ``base_dir``;
:func:`validate_parameters` checks what papermill injected and turns it into the
arguments of :func:`perfnb.reading.load_unit`, raising a Chinese
:class:`perfnb.errors.ParameterError` for anything unusable.
"""
from __future__ import annotations

import json
import math
import numbers
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from perfnb.errors import ParameterError
# the charts' PNG/SVG rendering lives in the reporting layer; importable from here as before
from perfnb.reporting.figures import FIGURE_DPI, figure_bundle, figure_png, figure_svg, kept_layout
from perfnb.reporting.display import evaluation_html, evaluation_typst, register_formatters

__all__ = ["PARAMETER_NAMES", "SECTION_KEYS", "Parameters", "validate_parameters", "load",
           "evaluate", "show_title", "show_section", "show_chart", "show_figure", "show_tables",
           "show_findings", "review", "FIGURE_DPI", "figure_png", "figure_svg", "figure_bundle",
           "kept_layout"]

TEXT_PARAMETERS = ("unit_id", "department", "implementing_unit", "project")
SECTION_KEYS = {
    "budget": {"initial": "number", "adjusted": "number", "executed": "number",
               "weight": "number", "reported_rate": "rate", "reported_score": "number",
               "reason": "text"},
    "goals": {"planned": "text", "actual": "text"},
    "reported": {"total": "number", "grade": "text"},
    "evaluation": {"problems": "text", "measures": "text", "plans": "text", "notes": "text"},
}
PARAMETER_NAMES = ("data", "rules", *TEXT_PARAMETERS, "year", *SECTION_KEYS, "review", "base_dir",
                   "form", "review_rules")
# Optional, not a unit YAML key and not in the template's parameters cell: earlier years to
# compare with (issue 19), given to papermill as -p previous DIR_OR_PARQUET, and the rule that
# links a unit to its project of earlier years (-p link auto|name|code; default auto).
EXTRA_PARAMETER_NAMES = ("previous", "link")


@dataclass(frozen=True)
class Parameters:
    """The notebook's parameters after validation."""

    data: Path                         # the input file, resolved
    rules: str                         # rule-set name or YAML path
    overrides: dict = field(default_factory=dict)   # YAML-shaped values that override the data
    # the evaluator's review: None = look for it (the unit YAML's review:, <unit>.review.yaml),
    # a Path = that file, a dict = the review itself (papermill -f of a YAML with an inline review)
    review: Any = None
    # the review profile (复核口径): a name or YAML path; None = the review's own, else default
    review_rules: str | None = None
    # earlier years (issue 19): paths of results.parquet / output or form folders, () = none
    previous: tuple = ()
    link: str = "auto"                 # LINK_RULES key: how earlier years are linked

    @property
    def unit_id(self) -> str | None:
        return self.overrides.get("unit_id")


def _is_number(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _check_text(name: str, value) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value.strip() or None
    if name == "unit_id" and _is_number(value):
        raise ParameterError(
            f"参数 unit_id（单位编号）应为文字，实际收到数字 {value!r}：像“007”这样的编号会丢失前导零。"
            "请在 YAML 中给编号加引号（unit_id: \"007\"），在 papermill 命令行中用 -r unit_id 007 传入。")
    if _is_number(value):
        return str(value)
    raise ParameterError(f"参数 {name} 应为一段文字，实际收到 {type(value).__name__} 类型的值 {value!r}。")


def _check_year(value) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    text = str(value).strip().removesuffix("年度").removesuffix("年")
    try:
        number = float(text)
    except ValueError:
        number = math.nan
    if isinstance(value, bool) or math.isnan(number) or not number.is_integer() \
            or not 1949 <= number <= 2200:
        raise ParameterError(f"参数 year（年度）应为四位年份，如 2022，实际收到 {value!r}。")
    return int(number)


def _check_form(value) -> int | str | None:
    """Which form of a multi-form file: its number (from 1) or its project name."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool) or (_is_number(value) and (not float(value).is_integer()
                                                          or value < 1)):
        raise ParameterError(f"参数 form 应为自评表的序号（从 1 起的整数）或项目名称，实际收到 {value!r}。")
    if _is_number(value):
        return int(value)
    if isinstance(value, str):
        return value.strip()
    raise ParameterError(f"参数 form 应为自评表的序号（从 1 起的整数）或项目名称，"
                         f"实际收到 {type(value).__name__} 类型的值 {value!r}。")


def _check_section(name: str, value) -> dict | None:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        keys = "、".join(SECTION_KEYS[name])
        raise ParameterError(f"参数 {name} 应为若干“键: 值”（可用的键：{keys}），"
                             f"实际收到 {type(value).__name__} 类型的值 {value!r}。")
    allowed = SECTION_KEYS[name]
    unknown = [str(k) for k in value if k not in allowed]
    if unknown:
        raise ParameterError(f"参数 {name} 中有未知的键：{'、'.join(unknown)}。"
                             f"可用的键：{'、'.join(allowed)}；请检查拼写。")
    result = {}
    for key, kind in allowed.items():
        item = value.get(key)
        if item is None:
            continue
        if kind == "text":
            if not isinstance(item, (str, int, float)) or isinstance(item, bool):
                raise ParameterError(f"参数 {name}.{key} 应为一段文字，实际收到 {item!r}。")
            result[key] = str(item)
        elif kind == "number":
            if not _is_number(item):
                try:
                    item = float(str(item).replace(",", "").strip())
                except ValueError:
                    raise ParameterError(
                        f"参数 {name}.{key} 应为数字，实际收到 {item!r}。") from None
            result[key] = item
        else:  # rate: a fraction (0.8849) or a percentage text ("88.49%")
            if not _is_number(item) and not (isinstance(item, str) and item.strip()):
                raise ParameterError(f"参数 {name}.{key} 应为比例（如 0.8849）或百分数"
                                     f"（如 \"88.49%\"），实际收到 {item!r}。")
            result[key] = item
    return result or None


def _resolve(data, base_dir) -> Path:
    from perfnb.reading import resolve_data_path
    return Path(resolve_data_path(data, base_dir))


def validate_parameters(namespace: Mapping[str, Any]) -> Parameters:
    """Check the notebook's parameters (read from ``namespace``, e.g. ``globals()``).

    Only the names in :data:`PARAMETER_NAMES` are read.  ``data`` must name an existing
    input file (a unit YAML, an Excel workbook or a CSV file); a relative path is resolved
    by :func:`perfnb.reading.resolve_data_path` against ``base_dir``.
    """
    values = {name: namespace.get(name) for name in PARAMETER_NAMES + EXTRA_PARAMETER_NAMES}
    data = values["data"]
    if data is None or not isinstance(data, (str, Path)) or not str(data).strip():
        raise ParameterError("缺少参数 data：请给出单位参数 YAML 或数据文件（Excel、CSV）的路径，"
                             "例如 papermill … -p data params/单位.yaml。")
    base_dir = values["base_dir"]
    if base_dir is not None and not isinstance(base_dir, (str, Path)):
        raise ParameterError(f"参数 base_dir 应为文件夹路径，实际收到 {base_dir!r}。")
    if base_dir is not None and not Path(base_dir).is_dir():
        raise ParameterError(f"参数 base_dir 指向的文件夹“{base_dir}”不存在。")
    rules = values["rules"]
    if rules is None:
        rules = "central"
    if not isinstance(rules, (str, Path)) or not str(rules).strip():
        raise ParameterError(f"参数 rules 应为规则名（如 central、sichuan）或规则 YAML 文件路径，"
                             f"实际收到 {rules!r}。")
    overrides: dict = {}
    for name in TEXT_PARAMETERS:
        text = _check_text(name, values[name])
        if text is not None:
            overrides[name] = text
    form = _check_form(values["form"])
    if form is not None:
        overrides["form"] = form
    year = _check_year(values["year"])
    if year is not None:
        overrides["year"] = year
    for name in SECTION_KEYS:
        section = _check_section(name, values[name])
        if section is not None:
            overrides[name] = section
    review_rules = values["review_rules"]
    if review_rules is not None and (not isinstance(review_rules, (str, Path))
                                     or not str(review_rules).strip()):
        raise ParameterError(f"参数 review_rules 应为复核口径名（如 default）或复核口径 YAML 文件路径，"
                             f"实际收到 {review_rules!r}。")
    if review_rules is not None and str(review_rules).strip().lower().endswith((".yaml", ".yml")):
        review_rules = _resolve(str(review_rules).strip(), base_dir)
    return Parameters(data=_resolve(str(data).strip(), base_dir), rules=str(rules).strip(),
                      overrides=overrides, review=_check_review(values["review"], base_dir),
                      review_rules=str(review_rules).strip() if review_rules is not None else None,
                      previous=_check_previous(values["previous"], base_dir),
                      link=_check_link(values["link"]))


def _check_link(value) -> str:
    """``link``: auto (default), name or code (see perfnb.evaluation.checks.across.LINK_RULES)."""
    from perfnb.evaluation.checks.across import LINK_RULES
    if value is None or (isinstance(value, str) and not value.strip()):
        return "auto"
    if not isinstance(value, str) or value.strip() not in LINK_RULES:
        raise ParameterError(f"参数 link 应为 {'、'.join(LINK_RULES)} 之一（与上年对应项目的规则），"
                             f"实际收到 {value!r}。")
    return value.strip()


def _check_previous(value, base_dir) -> tuple:
    """``previous``: None, a path, or a list of paths (each must exist)."""
    if value is None or value == [] or value == "":
        return ()
    items = [value] if isinstance(value, (str, Path)) else value
    if not isinstance(items, (list, tuple)) or not all(isinstance(v, (str, Path)) for v in items):
        raise ParameterError(f"参数 previous 应为上年输出目录或 results.parquet 的路径（或路径列表），"
                             f"实际收到 {value!r}。")
    paths = []
    for item in items:
        path = _resolve(str(item).strip(), base_dir)
        if not path.exists():
            raise ParameterError(f"参数 previous 指向的“{item}”不存在（查找位置：{path}）。")
        paths.append(path)
    return tuple(paths)


def _check_review(value, base_dir):
    if value is None or value is False or isinstance(value, Mapping):
        return dict(value) if isinstance(value, Mapping) else value
    if isinstance(value, (str, Path)) and str(value).strip():
        path = _resolve(str(value).strip(), base_dir)
        if not path.is_file():
            raise ParameterError(f"参数 review 指向的复核文件“{value}”不存在（查找位置：{path}）。")
        return path
    raise ParameterError(f"参数 review 应为复核文件（.review.yaml）的路径，实际收到 {value!r}。")


def load(parameters: Parameters):
    """The unit's tables, read from ``parameters.data`` with the overrides applied."""
    from perfnb.reading import load_unit
    return load_unit(parameters.data, parameters.overrides or None, review=parameters.review)


def evaluate(tables, parameters: Parameters):
    """Score and audit the unit with the rule set the parameters name."""
    from perfnb.evaluation.evaluator import evaluate as score
    # a kernel forked from a server that imported this module before any shell existed has
    # no formatters yet: a bare ``result`` in a later cell must still show its tables
    register_formatters()
    evaluation = score(tables, parameters.rules, review_rules=parameters.review_rules)
    if parameters.previous:   # 与上年比较 (issue 19)
        from perfnb.evaluation.redflags import with_previous_year
        from perfnb.running.yeartables import read_previous
        evaluation = with_previous_year(evaluation, read_previous(parameters.previous),
                                        parameters.link)
    return evaluation


# --- display ---------------------------------------------------------------------------

def _display_both(html: str, typst: str, plain: str = "", metadata: dict | None = None) -> None:
    """Display an output with its HTML and its Typst (text/x-typst) representation."""
    from IPython.display import display
    from perfnb.reporting.typst_markup import bundle
    if metadata:
        display(bundle(html, typst, plain), raw=True, metadata=metadata)
    else:
        display(bundle(html, typst, plain), raw=True)


def show_title(result, unit_id=None) -> None:
    """The report title (project, unit, year) as a heading.

    The output also carries, in its metadata under ``perfnb.result``, the unit's result as
    this kernel computed it (:meth:`Evaluation.to_dict`, the JSON of ``result.json``) and
    under ``perfnb.title`` the report's title: invisible in the report, this record is what
    ``perfnb run``/``batch`` write result.json, the manifest entry and the summaries from
    (the unit is read and evaluated once, in the kernel), and what ``perfnb verify``
    compares ``result.json`` with (see :mod:`perfnb.running.crosscheck`).
    """
    from perfnb.reporting.narrative import environment, render_title_typst, report_context
    context = report_context(result, unit_id)
    figures = json.loads(json.dumps(result.to_dict(unit_id), ensure_ascii=False))
    _display_both(environment().get_template("title.html.j2").render(**context),
                  render_title_typst(context), context["title"],
                  metadata={"perfnb": {"result": figures, "title": context["title"]}})


def show_section(result, section_id: str, unit_id=None, heading: bool = False) -> None:
    """One section of the narrative report (under the notebook's own heading by default)."""
    from perfnb.reporting.narrative import render_section, render_section_typst, report_context
    context = report_context(result, unit_id)
    _display_both(render_section(result, section_id, context=context, heading=heading),
                  render_section_typst(result, section_id, context=context, heading=heading))


def show_figure(figure, alt: str | None = None) -> None:
    """Display a Figure as a PNG image (works with any matplotlib backend), with its SVG for
    the PDF."""
    from IPython.display import display
    if alt is None:
        titles = [ax.get_title() for ax in figure.get_axes() if ax.get_title()]
        suptitle = getattr(figure, "_suptitle", None)
        alt = titles[0] if titles else (suptitle.get_text() if suptitle is not None else "图表")
    display(figure_bundle(figure, alt), raw=True)


def show_chart(result, name: str, unit_id=None) -> None:
    """Display one chart of :mod:`perfnb.reporting.charts` by function name."""
    from perfnb.reporting import charts
    if name not in ("score_vs_weight", "dimension_rates", "budget_chart", "target_vs_actual"):
        raise ParameterError(f"没有名为 {name} 的图表。")
    show_figure(getattr(charts, name)(result, unit_id))


def show_tables(result) -> None:
    """The scored tables; the findings already have their own section in the report."""
    _display_both(evaluation_html(result, findings=False), evaluation_typst(result, findings=False))


def show_findings(result, unit_id=None) -> None:
    """The audit findings as a table (the 审核发现 section)."""
    show_section(result, "findings", unit_id)


def review(result, path=None):
    """The review panel (复核): edit 复核得分 / 档次 / 理由, decide on each finding, write the
    复核意见, save ``<unit>.review.yaml``.  Inert (a static note) when papermill runs the
    notebook.  Returns the panel (None in batch) so tests and power users can drive it."""
    from IPython.display import display
    from perfnb.panel import ReviewPanel, review_panel
    shown = review_panel(result, path)
    display(shown)
    return shown if isinstance(shown, ReviewPanel) else None


# A bare ``result`` in a cell shows its tables (text/html) and carries their Typst for the PDF.
register_formatters()
