"""Handlers of the small CLI subcommands: score, template, rules, lab."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from perfnb.errors import InputError, PerfnbError


def score_command(args) -> int:
    """`perfnb score INPUT [--rules NAME|FILE] [--review FILE] [--json]`: findings never change
    the exit code.  Without --review the unit's own review (``<unit>.review.yaml``) is used."""
    from perfnb.reading import load_unit
    from perfnb.evaluation.rules import get_rules
    from perfnb.evaluation.evaluator import evaluate

    rules = get_rules(args.rules or unit_rules(args.input))
    review = getattr(args, "review", None)
    if review is not None and not Path(review).is_file():
        raise InputError("复核文件不存在", file=review, hint="请检查 --review 的路径")
    tables = load_unit(args.input, review=review)
    evaluation = evaluate(tables, rules)
    if args.json:
        json.dump(evaluation.to_dict(), sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        print(evaluation.format_text())
    return 0


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
        return 0
    for name in list_rules():
        try:
            title = get_rules(name).title
        except PerfnbError as error:  # a broken plug-in must not hide the others
            title = f"（无法加载：{error}）"
        print(f"{name:12s} {title}")
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
