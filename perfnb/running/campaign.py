"""The 复核 campaign's commands: ``perfnb workpaper`` (the 复核底稿) and ``perfnb sample``.

Both work on units as their ``result.json`` documents (``Evaluation.to_dict()``): read from a
batch's output folder (``DIR/<部门>/<单位>/result.json``, found recursively, so a screened
folder whose units were scored with ``--json`` into such files works as well), or computed
here from unit files and folders of inputs.
"""
from __future__ import annotations

import json
from pathlib import Path

from perfnb.errors import InputError

__all__ = ["workpaper_command", "unit_results", "review_report_command"]


def _result_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("result.json") if not any(
        part.startswith(".") for part in p.relative_to(folder).parts))


def _unit_rules(path: Path) -> str:
    """The rule set a unit YAML names (``rules:``), else central."""
    from perfnb.reading import YAML_SUFFIXES, read_unit_yaml

    if path.suffix.lower() in YAML_SUFFIXES:
        return str(read_unit_yaml(path).get("rules") or "central")
    return "central"


def unit_results(inputs: list[str], rules: str | None = None, review_rules=None) -> list[dict]:
    """The result documents of the units named: result.json files under a folder, else every
    form of every input file (evaluated now, each with its review)."""
    from perfnb.evaluation.evaluator import evaluate
    from perfnb.evaluation.rules import get_rules
    from perfnb.reading import load_forms, load_unit
    from perfnb.running.screen import discover_files

    results: list[dict] = []
    files: list[Path] = []
    for raw in inputs:
        path = Path(raw)
        if not path.exists():
            raise InputError("找不到该文件或文件夹", file=raw, hint="请检查路径是否正确")
        found = _result_files(path) if path.is_dir() else []
        if found:
            for file in found:
                try:
                    results.append(json.loads(file.read_text(encoding="utf-8")))
                except (OSError, ValueError) as error:
                    raise InputError(f"无法读取评价结果（{error}）", file=file,
                                     hint="请重新运行 perfnb batch 生成该单位的结果") from None
        else:
            files += discover_files([path])
    for file in files:
        rule_set = get_rules(rules or _unit_rules(file))
        forms = load_forms(file)
        if len(forms) == 1:
            if forms[0].error is not None:
                raise forms[0].error
            tables = [load_unit(file)]
        else:
            bad = [f for f in forms if f.error is not None]
            if bad:
                raise bad[0].error
            tables = [f.tables for f in forms]
        for table in tables:
            results.append(evaluate(table, rule_set, review_rules=review_rules).to_dict())
    if not results:
        raise InputError("没有找到可用的单位（result.json 或自评表文件）", file="、".join(inputs),
                         hint="请给出 perfnb batch 的输出目录、单位 YAML、自评表文件或包含它们的文件夹")
    return results


def output_file(raw, suffix: str, what: str, force: bool) -> Path:
    """The output file a campaign command writes: its suffix checked, never overwritten
    without ``--force``."""
    out = Path(raw)
    if out.suffix.lower() != suffix:
        raise InputError(f"{what}必须保存为 {suffix} 文件", file=out, hint=f"例如 --out {what}{suffix}")
    if out.exists() and not force:
        raise InputError("文件已存在，未覆盖", file=out, hint="如需覆盖，请加 --force")
    out.parent.mkdir(parents=True, exist_ok=True)
    return out


def workpaper_command(args) -> int:
    """`perfnb workpaper DIR_OR_UNIT … --out 底稿.xlsx [--rules] [--review-rules] [--force]`."""
    from perfnb.evaluation.review_rules import get_review_rules
    from perfnb.reporting.office.workpaper import write_workpaper

    out = output_file(args.out, ".xlsx", "复核底稿", args.force)
    profile = get_review_rules(args.review_rules)
    results = unit_results(args.inputs, args.rules, profile)
    ids = [r["unit_id"] for r in results]
    duplicated = sorted({u for u in ids if ids.count(u) > 1})
    if duplicated:
        raise InputError(f"单位编号重复：{'、'.join(duplicated)}", file="、".join(args.inputs),
                         hint="底稿按单位编号对应单位，请在单位 YAML 中写不同的 unit_id")
    write_workpaper(results, out, profile,
                    profile_file=str(args.review_rules or "") if args.review_rules else "")
    indicators = sum(len(r.get("indicators") or []) for r in results)
    print(f"已生成复核底稿：{out}（{len(results)} 个单位，{indicators} 个指标；复核口径 {profile.name}）")
    return 0


def review_report_command(args) -> int:
    """`perfnb review-report DIR --out 复核报告.docx [--department NAME] [--review-rules]`."""
    from perfnb.reporting.office.review_docx import write_review_report_docx

    directory = Path(args.directory)
    if not directory.is_dir() or not _result_files(directory):
        raise InputError("该目录中没有评价结果（result.json）", file=directory,
                         hint="请给出 perfnb batch 的输出目录")
    out = output_file(args.out, ".docx", "复核报告", args.force)
    write_review_report_docx(directory, out, args.department, args.review_rules)
    print(f"已生成复核报告：{out}")
    return 0
