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
    files, rows, seconds = screen_command_rows(inputs, args.rules, getattr(args, "jobs", None))
    if not files:
        from perfnb.reading.sources import formats_hint
        raise InputError("没有找到可评分的文件", file="、".join(inputs),
                         hint=f"请检查文件夹中的文件类型：可读取 {formats_hint()} 和单位参数 YAML")
    written = write_rows(rows, csv_path=getattr(args, "csv", None),
                         xlsx_path=getattr(args, "xlsx", None), jsonl=getattr(args, "jsonl", None))
    if not tables_out:
        print(text_rows(rows))
    print(summary_line(len(files), rows, seconds, written), file=sys.stderr)
    return 1 if any(row["status"] != "scored" for row in rows) else 0


def _score_one(input_path, args) -> int:
    from perfnb.reading import load_forms, load_unit
    from perfnb.evaluation.rules import get_rules
    from perfnb.evaluation.evaluator import evaluate

    from perfnb.evaluation.checks.catalog import validate

    rules = validate(get_rules(args.rules or unit_rules(input_path)))
    review = getattr(args, "review", None)
    if review is not None and not Path(review).is_file():
        raise InputError("复核文件不存在", file=review, hint="请检查 --review 的路径")
    form = getattr(args, "form", None)
    if form is not None:
        tables = [load_unit(input_path, {"form": form}, review=review)]
    else:
        results = load_forms(input_path)
        if len(results) == 1:
            if results[0].error is not None:
                raise results[0].error
            # one form: read as a unit, with its review (<unit>.review.yaml or --review)
            tables = [load_unit(input_path, review=review)]
        else:
            if review is not None:
                raise InputError("--review 只能用于只含一个自评表的文件", file=input_path,
                                 hint="请用 --form 指定其中一个自评表")
            return _score_forms(results, rules, args)
    evaluation = evaluate(tables[0], rules)
    if args.json:
        json.dump(evaluation.to_dict(), sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        print(evaluation.format_text())
    return 0


def _score_forms(results, rules, args) -> int:
    """A file holding several forms: each form's report; exit 1 if any form failed."""
    from perfnb.evaluation.evaluator import evaluate

    documents, failed = [], 0
    for result in results:
        if result.error is not None:
            failed += 1
            documents.append({"unit_id": result.unit_id, "form": result.index,
                              "error": str(result.error)})
            if not args.json:
                print(f"【第 {result.index} 个表：{result.title}】读取失败：{result.error}\n")
            continue
        evaluation = evaluate(result.tables, rules)
        if args.json:
            documents.append({**evaluation.to_dict(), "form": result.index})
        else:
            print(f"【第 {result.index} 个表：{result.title}】")
            print(evaluation.format_text() + "\n")
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

    checks = all_checks()
    check = get_check(args.code, checks)
    rules = get_rules(args.rules)
    config = settings(rules, checks)
    if args.json:
        json.dump(check_record(check, rules, config), sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        print(explain_text(check, rules, config))
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
