"""The ``perfnb`` console script.

Each subcommand parses its flags here and hands over to the module that does the work.
User errors (:class:`perfnb.errors.PerfnbError`) are printed in Chinese to stderr with
exit status 2 and no traceback; ``--debug`` shows the traceback as well.
"""
from __future__ import annotations

import argparse
import importlib
import os
import sys
import traceback

from perfnb.errors import PerfnbError
from perfnb.textsafe import TerminalStream

# subcommand -> "module:function"; the function takes the parsed args and returns an exit code.
HANDLERS = {
    "score": "perfnb.commands:score_command",
    "template": "perfnb.commands:template_command",
    "rules": "perfnb.commands:rules_command",
    "checks": "perfnb.commands:checks_command",
    "explain": "perfnb.commands:explain_command",
    "review-rules": "perfnb.commands:review_rules_command",
    "workpaper": "perfnb.running.campaign:workpaper_command",
    "sample": "perfnb.running.sampling:sample_command",
    "review-report": "perfnb.running.campaign:review_report_command",
    "run": "perfnb.running.runner:run_command",
    "batch": "perfnb.running.batch:batch_command",
    "verify": "perfnb.running.evidence:verify_command",
    "sign": "perfnb.running.evidence:sign_command",
    "keygen": "perfnb.running.evidence:keygen_command",
    "lab": "perfnb.commands:lab_command",
}


class ChineseArgumentParser(argparse.ArgumentParser):
    """argparse with its usage errors in Chinese, exit status 2."""

    def error(self, message: str):  # noqa: D401 - argparse API
        self.print_usage(sys.stderr)
        self.exit(2, f"perfnb：命令参数有误：{message}\n")


def _add_rules(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--rules", default=None, metavar="NAME|FILE",
                        help="评分规则：内置规则名（central、sichuan）或规则 YAML 文件；"
                             "默认用单位 YAML 中的 rules，未写则用 central")


def _add_review_rules(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--review-rules", default=None, metavar="NAME|FILE", dest="review_rules",
                        help="复核口径：内置口径名（perfnb review-rules 列出）或复核口径 YAML 文件；"
                             "默认用复核记录中的 review_rules，未写则用 default")


def _add_formats(parser: argparse.ArgumentParser, default: str) -> None:
    parser.add_argument("--formats", default=default, metavar="LIST",
                        help=f"导出格式，逗号分隔（html,pdf,docx,xlsx），默认 {default}")


def _add_previous(p) -> None:
    p.add_argument("--previous", action="append", default=None, metavar="DIR_OR_PARQUET",
                   help="上年（可多次给出，用于三年比较）的输出目录或 results.parquet：与上年比较，"
                        "检查目标设置偏低、指标值多年不变、得分升而执行降")
    p.add_argument("--link", choices=["auto", "name", "code"], default="auto",
                   help="与上年对应项目的规则：auto 有项目编码时按编码，否则按主管部门 + 项目名称"
                        "（默认）；name 只按主管部门 + 项目名称；code 只按项目编码")


def build_parser() -> argparse.ArgumentParser:
    parser = ChineseArgumentParser(
        prog="perfnb", description="项目支出绩效自评：读取、评分、审核、出具报告。")
    parser.add_argument("--version", action="store_true", help="显示版本号")
    parser.add_argument("--debug", action="store_true", help="出错时显示完整的调用栈（供开发者排查）")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=ChineseArgumentParser)

    p = sub.add_parser("score", help="对自评表评分并审核；可一次筛查多个文件或文件夹")
    p.add_argument("input", nargs="+", metavar="INPUT",
                   help="单位参数 YAML、Excel 工作簿（.xlsx/.xls/.ods/WPS）、CSV、Word 报告、PDF、"
                        "网页（.html/.mhtml）、纯文本报告（.txt），"
                        "或包含它们的文件夹（递归查找）")
    _add_rules(p)
    p.add_argument("--json", action="store_true", help="输出一个 JSON 对象（单个文件；供脚本使用）")
    p.add_argument("--form", default=None, metavar="N|项目名称",
                   help="文件含多个自评表时只评其中一个：序号（从 1 起）或项目名称")
    p.add_argument("--csv", default=None, metavar="OUT.csv", help="筛查结果写入 CSV（每个单位一行）")
    p.add_argument("--xlsx", default=None, metavar="OUT.xlsx", help="筛查结果写入 Excel 工作簿")
    p.add_argument("--jsonl", nargs="?", const="-", default=None, metavar="OUT.jsonl",
                   help="筛查结果写成 JSON Lines（每行一个单位）；不给文件名则输出到标准输出")
    p.add_argument("--jobs", type=int, default=None, metavar="N", help="筛查并行进程数，默认等于 CPU 核数")
    p.add_argument("--review", default=None, metavar="FILE",
                   help="复核记录文件（.review.yaml）；默认使用单位文件旁的 <单位>.review.yaml")
    _add_review_rules(p)
    _add_previous(p)

    p = sub.add_parser("template", help="生成空白的三表式填报工作簿")
    p.add_argument("output", metavar="OUT.xlsx", help="要写入的 .xlsx 文件")
    p.add_argument("--force", action="store_true", help="覆盖已存在的文件")

    p = sub.add_parser("rules", help="列出可用的评分规则，或显示一个规则的全部设置")
    p.add_argument("name", nargs="?", metavar="NAME|FILE")

    p = sub.add_parser("checks", help="列出全部审核检查项（代码、严重程度、名称）")
    p.add_argument("--rules", default=None, metavar="NAME|FILE",
                   help="按该评分规则显示各项是否启用（默认 central）")
    p.add_argument("--json", action="store_true", help="输出 JSON（供脚本使用）")

    p = sub.add_parser("explain", help="说明一项审核检查或一条复核口径：检查内容、为何重要、示例、依据、参数")
    p.add_argument("code", metavar="CODE", help="检查项代码，如 LOW_EXECUTION；或复核口径条款代码，如 NO_EVIDENCE")
    _add_review_rules(p)
    p.add_argument("--rules", default=None, metavar="NAME|FILE",
                   help="显示该评分规则下的参数取值（默认 central）")
    p.add_argument("--json", action="store_true", help="输出 JSON（供脚本使用）")

    p = sub.add_parser("review-rules", help="列出复核口径，或显示一个复核口径的全部条款")
    p.add_argument("name", nargs="?", metavar="NAME|FILE")
    p.add_argument("--json", action="store_true", help="输出 JSON（供脚本使用）")

    p = sub.add_parser("workpaper", help="生成复核底稿（Excel：每个单位一张工作表，复核后可读回）")
    p.add_argument("inputs", nargs="+", metavar="DIR_OR_UNIT",
                   help="perfnb batch 的输出目录，或单位 YAML、自评表文件、包含它们的文件夹")
    p.add_argument("--out", required=True, metavar="底稿.xlsx", help="要写入的复核底稿 .xlsx 文件")
    _add_rules(p)
    _add_review_rules(p)
    p.add_argument("--force", action="store_true", help="覆盖已存在的文件")

    p = sub.add_parser("sample", help="按风险、资金和部门覆盖抽取要复核的单位，写出抽样名单与抽中原因")
    p.add_argument("inputs", nargs="+", metavar="DIR",
                   help="perfnb batch 的输出目录（result.json），或单位 YAML、自评表文件、包含它们的文件夹")
    p.add_argument("--out", required=True, metavar="抽样.xlsx", help="要写入的抽样名单 .xlsx 文件")
    p.add_argument("--seed", type=int, default=0, metavar="N", help="随机种子（同分排序与随机抽取），默认 0")
    p.add_argument("--size", type=int, default=None, metavar="N",
                   help="抽取的单位数；默认为单位总数的一定比例（复核口径 sampling.share，默认 20%%）")
    p.add_argument("--per-department", type=int, default=None, dest="per_department", metavar="N",
                   help="每个主管部门至少抽取的单位数（默认 1）")
    p.add_argument("--funds-share", type=float, default=None, dest="funds_share", metavar="X",
                   help="抽中单位的资金至少占全部资金的比例（0 到 1，默认 0.5）")
    p.add_argument("--sign", default=None, metavar="KEY",
                   help="名单写在已签名的存档内时，用该私钥重新签名存证清单")
    _add_rules(p)
    _add_review_rules(p)
    p.add_argument("--force", action="store_true", help="覆盖已存在的文件")

    p = sub.add_parser("review-report", help="按批量评价结果生成部门复核报告（Word，公文格式）")
    p.add_argument("directory", metavar="DIR", help="perfnb batch 的输出目录")
    p.add_argument("--out", required=True, metavar="复核报告.docx", help="要写入的 .docx 文件")
    p.add_argument("--department", default=None, metavar="NAME", help="只含该主管部门的单位")
    _add_review_rules(p)
    p.add_argument("--force", action="store_true", help="覆盖已存在的文件")

    p = sub.add_parser("run", help="为一个单位执行评价笔记本并导出报告")
    p.add_argument("input", metavar="INPUT")
    p.add_argument("--out", default="outputs", metavar="DIR", help="输出目录，默认 outputs/")
    _add_formats(p, "html,pdf")
    _add_rules(p)
    p.add_argument("--template", default=None, metavar="NOTEBOOK", help="评价笔记本模板（默认 notebooks/evaluation.ipynb）")
    p.add_argument("--form", default=None, metavar="N|项目名称",
                   help="文件含多个自评表时只评价其中一个（默认逐个评价全部）")
    _add_review_rules(p)
    _add_previous(p)

    p = sub.add_parser("batch", help="批量评价多个单位（按部门归档，生成汇总与存证清单）")
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="单位 YAML、工作簿，或包含它们的文件夹")
    p.add_argument("--out", default="outputs", metavar="DIR")
    p.add_argument("--jobs", type=int, default=None, metavar="N",
                   help="并行数，默认等于 CPU 核数加 1（每个进程有一部分时间在等待内核）")
    _add_formats(p, "html,pdf")
    _add_rules(p)
    p.add_argument("--department", default=None, metavar="NAME", help="只评价该主管部门的单位")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="Dask 分布式调度器地址，如 tcp://10.0.0.5:8786")
    p.add_argument("--force", action="store_true",
                   help="全部重新运行，不跳过已完成的单位（签名不成立的旧清单作废，从头写新清单）")
    p.add_argument("--template", default=None, metavar="NOTEBOOK")
    _add_review_rules(p)
    p.add_argument("--review", default=None, metavar="底稿.xlsx",
                   help="复核底稿（perfnb workpaper 生成、复核人填写后的 .xlsx）：底稿中有工作表的单位以其为复核记录")
    p.add_argument("--sign", default=None, metavar="KEY",
                   help="用该 Ed25519 私钥签名存证清单与运行记录（perfnb keygen 生成）")
    _add_previous(p)

    p = sub.add_parser("verify", help="校验输出目录：签名、哈希、运行记录、各结果副本是否一致（防篡改）")
    p.add_argument("directory", metavar="DIR")
    p.add_argument("--key", default=None, metavar="PUB",
                   help="受信任的签名公钥（.pub 文件）；默认用环境变量 PERFNB_TRUSTED_KEY "
                        "或 ~/.config/perfnb/trusted_keys")
    p.add_argument("--remember", action="store_true",
                   help="校验通过后在本机记住运行记录的当前状态（~/.config/perfnb/ledger_heads.json），"
                        "以后发现存档被回滚到较早的状态")

    p = sub.add_parser("sign", help="为已有的输出目录签名（先校验，完好才签）")
    p.add_argument("directory", metavar="DIR")
    p.add_argument("--key", required=True, metavar="KEY", help="Ed25519 私钥文件")

    p = sub.add_parser("keygen", help="生成用于签名存档的 Ed25519 密钥对（OpenSSH 格式）")
    p.add_argument("--out", default=None, metavar="FILE",
                   help="私钥文件路径（公钥为 FILE.pub），默认 ~/.config/perfnb/perfnb_ed25519")
    p.add_argument("--comment", default=None, metavar="TEXT", help="写在公钥末尾的说明，默认 perfnb@主机名")
    p.add_argument("--force", action="store_true", help="覆盖已存在的密钥文件")

    p = sub.add_parser("lab", help="在 notebooks/ 上打开 JupyterLab")
    p.add_argument("extra", nargs=argparse.REMAINDER, help="传给 jupyter lab 的其他参数")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.version:
        from perfnb import __version__
        print(f"perfnb {__version__}")
        return 0
    if not args.command:
        parser.print_help()
        return 2
    module_name, function_name = HANDLERS[args.command].split(":")
    # What a command prints may quote a form (project names, file names): control
    # characters are shown escaped, so an ESC sequence or a CR cannot rewrite the terminal
    # (e.g. hide the line saying that verify failed); stderr keeps CR for the progress bar.
    stdout, stderr = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = TerminalStream(stdout), TerminalStream(stderr, keep="\r")
    try:
        handler = getattr(importlib.import_module(module_name), function_name)
        return int(handler(args) or 0)
    except PerfnbError as error:
        if args.debug:
            traceback.print_exc()
        print(f"perfnb：{error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print("perfnb：已中断。", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # the reader went away (e.g. `perfnb score … | head`): stop quietly, as Unix tools do
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    finally:
        sys.stdout, sys.stderr = stdout, stderr


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
