"""Handlers of the small CLI subcommands: score, template, rules, checks, explain, lab."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from perfnb.errors import InputError, PerfnbError


def score_command(args) -> int:
    """`perfnb score INPUT ... [--rules NAME|FILE] [--json] [--form N] [--csv|--xlsx|--jsonl]`.

    One file, no table output: today's report of that unit (text, or ``--json``); findings
    never change the exit code, bad input exits 2.  A file holding several forms reports each
    (``--json``: a JSON array), ``--form`` picks one.  Several inputs, a folder, or
    ``--csv/--xlsx/--jsonl``: screening (:mod:`perfnb.running.screen`), one row per unit,
    exit 1 if any unit could not be read or scored.
    """
    inputs = args.input if isinstance(args.input, list) else [args.input]
    tables_out = getattr(args, "csv", None) or getattr(args, "xlsx", None) or \
        getattr(args, "jsonl", None)
    if len(inputs) == 1 and not Path(inputs[0]).is_dir() and not tables_out:
        return _score_one(inputs[0], args)
    if getattr(args, "form", None) is not None:
        raise InputError("--form 只能用于单个文件", hint="筛查多个文件时每个自评表各为一行，不需要 --form")
    if getattr(args, "review", None) is not None:
        raise InputError("--review 只能用于单个文件", hint="筛查时各单位使用各自文件旁的 .review.yaml")
    if args.json:
        raise InputError("--json 只能用于单个文件", hint="多个文件请用 --jsonl（每行一个单位的 JSON）")
    from perfnb.running.screen import screen_command_rows, summary_line, text_rows, write_rows

    for raw in inputs:
        if not Path(raw).exists():
            raise InputError("找不到该文件或文件夹", file=raw, hint="请检查路径是否正确")
    previous = _previous(args)
    files, rows, seconds = screen_command_rows(inputs, args.rules, getattr(args, "jobs", None))
    if not files:
        from perfnb.reading.sources import formats_hint
        raise InputError("没有找到可评分的文件", file="、".join(inputs),
                         hint=f"请检查文件夹中的文件类型：可读取 {formats_hint()} 和单位参数 YAML")
    from perfnb.running.screen import screen_across
    from perfnb.running.yeartables import write_tables

    across = screen_across(rows, args.rules, previous, getattr(args, "link", None) or "auto")
    written = write_rows(rows, csv_path=getattr(args, "csv", None),
                         xlsx_path=getattr(args, "xlsx", None), jsonl=getattr(args, "jsonl", None),
                         across=across)
    if written:   # the flat tables beside the first output file (later years' --previous)
        written += write_tables(across[1], across[2], written[0].parent)
    if not tables_out:
        print(text_rows(rows))
    print(summary_line(len(files), rows, seconds, written), file=sys.stderr)
    return 1 if any(row["status"] != "scored" for row in rows) else 0


def _previous(args):
    """Earlier years' flat tables of ``--previous`` (None without it)."""
    paths = getattr(args, "previous", None)
    if not paths:
        return None
    from perfnb.running.yeartables import read_previous
    return read_previous(paths)


def _score_one(input_path, args) -> int:
    from perfnb.reading import load_unit, load_unit_or_forms
    from perfnb.evaluation.rules import get_rules
    from perfnb.evaluation.evaluator import evaluate
    from perfnb.reporting.terminal import format_text

    from perfnb.evaluation.checks.catalog import validate

    rules = validate(get_rules(args.rules or unit_rules(input_path)))
    review = getattr(args, "review", None)
    if review is not None and not Path(review).is_file():
        raise InputError("复核文件不存在", file=review, hint="请检查 --review 的路径")
    form = getattr(args, "form", None)
    if form is not None:
        tables = [load_unit(input_path, {"form": form}, review=review)]
    else:
        # one form: read as a unit, with its review (<unit>.review.yaml or --review)
        results = load_unit_or_forms(input_path, review=review)
        if not isinstance(results, list):
            tables = [results]
        else:
            if review is not None:
                raise InputError("--review 只能用于只含一个自评表的文件", file=input_path,
                                 hint="请用 --form 指定其中一个自评表")
            return _score_forms(results, rules, args)
    evaluation = evaluate(tables[0], rules, review_rules=_review_rules(args))
    previous = _previous(args)
    if previous is not None:
        from perfnb.evaluation.redflags import with_previous_year
        evaluation = with_previous_year(evaluation, previous, getattr(args, "link", None) or "auto")
    if args.json:
        json.dump(evaluation.to_dict(), sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        print(format_text(evaluation))
    return 0


def _review_rules(args):
    """The review profile ``--review-rules`` names (validated now), or None."""
    spec = getattr(args, "review_rules", None)
    if spec is None:
        return None
    from perfnb.evaluation.review_rules import get_review_rules

    return get_review_rules(spec)


def _score_forms(results, rules, args) -> int:
    """A file holding several forms: each form's report; exit 1 if any form failed."""
    from perfnb.evaluation.evaluator import evaluate
    from perfnb.reporting.terminal import format_text

    documents, failed = [], 0
    for result in results:
        if result.error is not None:
            failed += 1
            documents.append({"unit_id": result.unit_id, "form": result.index,
                              "error": str(result.error)})
            if not args.json:
                print(f"【第 {result.index} 个表：{result.title}】读取失败：{result.error}\n")
            continue
        evaluation = evaluate(result.tables, rules, review_rules=_review_rules(args))
        if args.json:
            documents.append({**evaluation.to_dict(), "form": result.index})
        else:
            print(f"【第 {result.index} 个表：{result.title}】")
            print(format_text(evaluation) + "\n")
    if args.json:
        json.dump(documents, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    return 1 if failed else 0


def unit_rules(input_path) -> str:
    """The rule set a unit asks for: its YAML's ``rules`` key, else ``central``."""
    from perfnb.reading import YAML_SUFFIXES, read_unit_yaml

    path = Path(input_path)
    if path.suffix.lower() in YAML_SUFFIXES and path.is_file():
        return str(read_unit_yaml(path).get("rules") or "central")
    return "central"


def template_command(args) -> int:
    """`perfnb template OUT.xlsx`: the empty three-sheet workbook departments fill in."""
    from perfnb.reading.workbook import write_template

    output = Path(args.output)
    if output.suffix.lower() != ".xlsx":
        raise InputError("填报模板必须保存为 .xlsx 文件", file=output,
                         hint="请把文件名改为以 .xlsx 结尾，例如 perfnb template 自评表.xlsx")
    if output.is_dir():
        raise InputError("这是一个文件夹，不是文件", file=output, hint="请给出要写入的 .xlsx 文件名")
    if output.exists() and not args.force:
        raise InputError("文件已存在，未覆盖", file=output, hint="如需覆盖，请加 --force")
    output.parent.mkdir(parents=True, exist_ok=True)
    write_template(output)
    print(f"已生成填报模板：{output}")
    return 0


def rules_command(args) -> int:
    """`perfnb rules [NAME|FILE]`: list the rule sets, or show one in full."""
    from perfnb.evaluation.rules import get_rules, list_rules

    if args.name:
        rules = get_rules(args.name)
        print(rules.to_yaml() if hasattr(rules, "to_yaml") else rules)
        print(_check_settings_text(rules))
        return 0
    for name in list_rules():
        try:
            title = get_rules(name).title
        except PerfnbError as error:  # a broken plug-in must not hide the others
            title = f"（无法加载：{error}）"
        print(f"{name:12s} {title}")
    return 0


def _check_settings_text(rules) -> str:
    """The audit checks a rule set runs and their parameters, as YAML comments (so the output
    of ``perfnb rules NAME`` stays a valid rule set file)."""
    from perfnb.evaluation.checks.catalog import all_checks, settings
    from perfnb.evaluation.checks.docs import parameter_rows

    checks = all_checks()
    config = settings(rules, checks)
    lines = ["# 审核检查项（perfnb checks 列出全部，perfnb explain 代码 查看说明）：",
             f"#   启用 {len(config.enabled)} 项，停用 {len(config.disabled)} 项"
             + (f"：{'、'.join(config.disabled)}" if config.disabled else "")]
    for check in checks:
        rows = parameter_rows(check, rules, config)
        if not rows:
            continue
        state = "" if check.code in config.enabled else "（已停用）"
        values = "，".join(f"{row['name']} = {_show(row['value'])}（{row['source']}）" for row in rows)
        lines.append(f"#   {check.code}{state}：{values}")
    return "\n".join(lines)


def _show(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return f"{value:g}" if isinstance(value, float) else str(value)


def checks_command(args) -> int:
    """`perfnb checks [--rules NAME|FILE] [--json]`: every registered audit check."""
    from perfnb.evaluation.checks.catalog import all_checks, settings
    from perfnb.evaluation.checks.docs import check_record, list_text
    from perfnb.evaluation.rules import get_rules

    rules = get_rules(args.rules)
    checks = all_checks()
    config = settings(rules, checks)
    if args.json:
        json.dump({"rules": {"name": rules.name, "sha256": rules.sha256},
                   "checks": [check_record(check, rules, config) for check in checks]},
                  sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        print(list_text(checks, rules, config))
    return 0


def explain_command(args) -> int:
    """`perfnb explain CODE [--rules NAME|FILE] [--json]`: one check, explained in Chinese."""
    from perfnb.evaluation.checks.catalog import all_checks, get_check, settings
    from perfnb.evaluation.checks.docs import check_record, explain_text
    from perfnb.evaluation.rules import get_rules

    from perfnb.errors import CheckError

    checks = all_checks()
    try:
        check = get_check(args.code, checks)
    except CheckError as error:
        found = _clause_or_none(args)
        if found is None:
            from perfnb.evaluation.checks.catalog import close_codes
            from perfnb.evaluation.review_rules import get_review_rules

            profile = get_review_rules(getattr(args, "review_rules", None))
            near = close_codes(args.code, profile.clauses)
            raise CheckError(f"{error}复核口径“{profile.name}”中也没有这一条款"
                             + (f"（相近的条款：{'、'.join(near)}）" if near else "")
                             + f"；perfnb review-rules {profile.name} 列出全部条款。") from None
        profile, clause = found
        if args.json:
            json.dump(_clause_record(profile, clause), sys.stdout, ensure_ascii=False, indent=2)
            sys.stdout.write("\n")
        else:
            print(_clause_text(profile, clause))
        return 0
    rules = get_rules(args.rules)
    config = settings(rules, checks)
    if args.json:
        json.dump(check_record(check, rules, config), sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        print(explain_text(check, rules, config))
    return 0


def _clause_or_none(args):
    from perfnb.evaluation.review_rules import get_review_rules

    profile = get_review_rules(getattr(args, "review_rules", None))
    clause = profile.clause(args.code)
    return None if clause is None else (profile, clause)


def _clause_record(profile, clause) -> dict:
    return {"code": clause.code, "title": clause.title, "text": clause.text,
            "deduction": {"kind": clause.kind, "value": clause.value,
                          "label": clause.describe(profile.levels)},
            "levels": dict(profile.levels) if clause.kind == "levels" else {},
            "review_rules": {"name": profile.name, "title": profile.title, "sha256": profile.sha256}}


def _clause_text(profile, clause) -> str:
    from perfnb.textwidth import wrap

    example = 10.0
    if clause.kind == "levels":
        shown = "；".join(f"{k} {clause.score(example, v):g} 分" for k, v in profile.levels.items())
    else:
        shown = f"{clause.score(example):g} 分"
    lines = [f"{clause.code}  {clause.title}", "",
             f"复核口径：{profile.name}（{profile.title}）", "", "条文",
             *wrap(clause.text, 76, "  "), "", "扣分", f"  {clause.describe(profile.levels)}",
             "", "示例", f"  分值 {example:g} 分的指标引用此条款，复核得分：{shown}。", "",
             "在复核记录中引用",
             f"  clauses: [{clause.code}]" + ("    severity: " + " / ".join(profile.levels)
                                              if clause.kind == "levels" else "")]
    return "\n".join(lines)


def review_rules_command(args) -> int:
    """`perfnb review-rules [NAME|FILE] [--json]`: the review profiles, or one in full."""
    from perfnb.evaluation.review_rules import get_review_rules, list_review_rules
    from perfnb.textwidth import pad

    if not args.name:
        names = list_review_rules()
        if args.json:
            json.dump([{"name": n, "title": get_review_rules(n).title} for n in names], sys.stdout,
                      ensure_ascii=False, indent=2)
            sys.stdout.write("\n")
            return 0
        for name in names:
            profile = get_review_rules(name)
            print(f"{name:12s} {profile.title}（{len(profile.clauses)} 条）")
        print("\n运行 perfnb review-rules 名称 查看全部条款；perfnb explain 条款代码 查看一条。")
        return 0
    profile = get_review_rules(args.name)
    if args.json:
        json.dump({**profile.to_dict(), "sha256": profile.sha256}, sys.stdout, ensure_ascii=False,
                  indent=2)
        sys.stdout.write("\n")
        return 0
    width = max(len(code) for code in profile.clauses) + 2
    print(f"{profile.name}：{profile.title}")
    if profile.levels:
        print("扣分程度：" + "、".join(f"{k} 扣减 {v * 100:g}%" for k, v in profile.levels.items()))
    bands = "、".join(f"{b.grade}（≤{b.max * 100:g}%）" if b.max is not None else f"{b.grade}（其余）"
                      for b in profile.quality_bands)
    print(f"自评质量（按项目偏离度的绝对值）：{bands}\n")
    for clause in profile.clauses.values():
        print(f"{pad(clause.code, width)}{clause.title}：{clause.describe(profile.levels)}")
    print(f"\n共 {len(profile.clauses)} 条。perfnb explain 条款代码 显示条文；"
          "复核记录中用 clauses: [代码] 引用。")
    return 0


def lab_command(args) -> int:
    """`perfnb lab`: JupyterLab on the project's notebooks/ folder."""
    notebooks = Path(__file__).resolve().parents[1] / "notebooks"
    if not notebooks.is_dir():
        notebooks = Path.cwd()
    jupyter = shutil.which("jupyter", path=str(Path(sys.executable).parent) + os.pathsep
                           + os.environ.get("PATH", ""))
    if jupyter is None:
        raise PerfnbError("找不到 jupyter 命令。请先安装 perfnb 的依赖：pip install -e .")
    extra = [a for a in (args.extra or []) if a != "--"]
    if hasattr(os, "geteuid") and os.geteuid() == 0 and "--allow-root" not in extra:
        print("提示：当前以 root 用户运行，JupyterLab 默认拒绝启动。"
              "如确需以 root 运行（例如在容器中），请使用：perfnb lab -- --allow-root",
              file=sys.stderr)
    command = [jupyter, "lab", f"--notebook-dir={notebooks}", *extra]
    if os.name == "posix":
        # Become JupyterLab (as `jupyter` itself does for its subcommands): a signal sent to
        # `perfnb lab` then reaches the server, and no server is left running without it.
        sys.stdout.flush()
        sys.stderr.flush()
        os.execv(jupyter, command)
    return subprocess.call(command)
