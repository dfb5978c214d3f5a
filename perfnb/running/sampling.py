"""``perfnb sample DIR --out 抽样.xlsx [--seed N]``: which units to review, and why.

Over the units' result documents (a batch's or a screening's ``result.json`` files, or unit
files evaluated now) the sample is drawn in four steps, each unit keeping every reason it
was picked for:

1. **部门覆盖** — at least ``per_department`` units of every 主管部门, the riskiest first;
2. **资金覆盖** — units by funds (调整后预算, else 年初预算), largest first, until the sampled units
   hold ``funds_share`` of all funds;
3. **风险** — the riskiest remaining units until the sample has ``size`` units (default
   ``share`` of all units); a unit's risk is ``risk.score`` when its result has one (red
   flags), else Σ findings × ``risk_weights`` by severity;
4. **随机** — none left to fill by risk (all remaining have risk 0): a seeded random draw.

Ties break by a seeded random order, so ``--seed`` makes the draw repeatable and a new seed
redraws among equals.  The settings are the review profile's ``sampling`` key (复核口径), the
flags override them.  The list (sheet 抽样), the units not picked (未抽中) and how the sample was
drawn (抽样说明) are written to one workbook.
"""
from __future__ import annotations

import datetime as _dt
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from perfnb.errors import InputError

__all__ = ["units_frame", "draw_sample", "sample_command", "write_sample"]

REASON_DEPARTMENT, REASON_FUNDS, REASON_RISK, REASON_RANDOM = "部门覆盖", "资金覆盖", "风险", "随机抽取"


def _number(value) -> float:
    try:
        return float(value) if value is not None else math.nan
    except (TypeError, ValueError):
        return math.nan


def units_frame(results: list[dict], weights: dict[str, float]) -> pd.DataFrame:
    """One row per unit: department, id, project, funds, finding counts, risk (and its source)."""
    rows = []
    for data in results:
        budget = data.get("budget") or {}
        counts = data.get("counts") or {}
        adjusted, initial = _number(budget.get("adjusted")), _number(budget.get("initial"))
        risk = data.get("risk") if isinstance(data.get("risk"), dict) else {}
        rows.append({"department": data.get("department") or "未识别部门", "unit_id": str(data["unit_id"]),
                     "project": data.get("project") or "",
                     "funds": adjusted if adjusted == adjusted else initial,
                     "total": _number(data.get("total")), "grade": data.get("grade"),
                     "error": int(counts.get("error") or 0), "warning": int(counts.get("warning") or 0),
                     "info": int(counts.get("info") or 0),
                     "given_risk": _number(risk.get("score"))})
    frame = pd.DataFrame(rows)
    by_findings = sum(frame[s].to_numpy(float) * w for s, w in weights.items())
    given = frame["given_risk"].to_numpy(float)
    frame["risk"] = np.where(np.isnan(given), by_findings, given)
    frame["risk_source"] = np.where(np.isnan(given), "审核发现", "风险分（risk.score）")
    frame["funds"] = frame["funds"].fillna(0.0)
    return frame.drop(columns="given_risk")


def draw_sample(frame: pd.DataFrame, *, seed: int = 0, per_department: int = 1,
                funds_share: float = 0.5, size: int | None = None, share: float = 0.2
                ) -> pd.DataFrame:
    """``frame`` with ``picked`` and ``reasons`` (list of Chinese reasons) — see the module."""
    n = len(frame)
    rng = np.random.default_rng(seed)
    frame = frame.copy()
    frame["tie"] = rng.permutation(n)
    reasons: list[list[str]] = [[] for _ in range(n)]
    picked = np.zeros(n, dtype=bool)
    by_risk = frame.sort_values(["risk", "tie"], ascending=[False, True]).index.to_numpy()
    # 1. every department
    for department, group in frame.loc[by_risk].groupby("department", sort=True):
        for i in group.index[:per_department]:
            picked[i] = True
            reasons[i].append(f"{REASON_DEPARTMENT}：{department}至少抽 {per_department} 个，"
                              f"本部门风险分第 {list(group.index).index(i) + 1} 位")
    # 2. funds, largest first
    funds = frame["funds"].to_numpy(float)
    all_funds = funds.sum()
    target = funds_share * all_funds
    for i in frame.sort_values(["funds", "tie"], ascending=[False, True]).index:
        covered = funds[picked].sum()
        if all_funds <= 0 or covered >= target - 1e-9:
            break
        if not picked[i]:
            picked[i] = True
            reasons[i].append(f"{REASON_FUNDS}：资金 {funds[i]:,.2f} 万元，抽中后累计占全部资金的 "
                              f"{(covered + funds[i]) / all_funds:.2%}（要求至少 {funds_share:.0%}）")
    # 3. risk, then 4. random, up to the size
    wanted = size if size is not None else max(int(math.ceil(share * n)), 0)
    wanted = min(max(wanted, int(picked.sum())), n)
    risk = frame["risk"].to_numpy(float)
    rank = {i: r + 1 for r, i in enumerate(by_risk)}
    for i in by_risk:
        if picked.sum() >= wanted:
            break
        if not picked[i] and risk[i] > 0:
            picked[i] = True
            reasons[i].append(f"{REASON_RISK}：风险分 {risk[i]:g}（{frame.at[i, 'risk_source']}；错误 "
                              f"{frame.at[i, 'error']}、警告 {frame.at[i, 'warning']}），全部单位中第 {rank[i]} 位")
    for i in frame.sort_values("tie").index:
        if picked.sum() >= wanted:
            break
        if not picked[i]:
            picked[i] = True
            reasons[i].append(f"{REASON_RANDOM}：随机种子 {seed}")
    frame["picked"] = picked
    frame["reasons"] = reasons
    return frame.drop(columns="tie")


def write_sample(frame: pd.DataFrame, path: Path, settings: dict[str, Any]) -> Path:
    """The workbook: 抽样 (the list with reasons), 未抽中, 抽样说明."""
    import io

    from openpyxl import Workbook

    from perfnb.fsutil import atomic_write_bytes
    from perfnb.reporting.office import write_table_sheet

    def table(rows: pd.DataFrame, with_reasons: bool) -> pd.DataFrame:
        out = pd.DataFrame({
            "主管部门": rows["department"], "单位编号": rows["unit_id"], "项目": rows["project"],
            "资金（万元）": rows["funds"].round(2), "总分": rows["total"].round(2), "等级": rows["grade"],
            "风险分": rows["risk"].round(2), "错误": rows["error"], "警告": rows["warning"],
            "提示": rows["info"]})
        if with_reasons:
            out["抽中原因"] = ["；".join(r) for r in rows["reasons"]]
        out.insert(0, "序号", range(1, len(out) + 1))
        return out

    picked = frame[frame["picked"]].sort_values(["department", "risk"], ascending=[True, False])
    rest = frame[~frame["picked"]].sort_values(["risk", "funds"], ascending=[False, False])
    book = Workbook()
    book.remove(book.active)
    write_table_sheet(book.create_sheet("抽样"), table(picked, True),
                      title=f"复核抽样名单（{len(picked)} / {len(frame)} 个单位）")
    write_table_sheet(book.create_sheet("未抽中"), table(rest, False), title="未抽中的单位")
    funds = frame["funds"].sum()
    covered = picked["funds"].sum()
    departments = frame.groupby("department")["picked"].agg(["size", "sum"])
    notes = [("抽样时间", settings["time"]), ("来源", settings["source"]),
             ("复核口径", settings["profile"]), ("随机种子", settings["seed"]),
             ("单位总数", len(frame)), ("抽中单位数", len(picked)),
             ("抽中资金（万元）", round(float(covered), 2)),
             ("资金覆盖率", f"{covered / funds:.2%}" if funds > 0 else "—"),
             ("每部门至少", settings["per_department"]), ("资金覆盖要求", f"{settings['funds_share']:.0%}"),
             ("样本量", settings["size_text"]),
             ("风险分", "结果中有 risk.score 时用它，否则为 " + "、".join(
                 f"{ {'error': '错误', 'warning': '警告', 'info': '提示'}[k]}×{v:g}"
                 for k, v in settings["risk_weights"].items())),
             ("方法", "先保证每个主管部门的最少单位数（风险高者优先），再按资金从大到小补足资金覆盖率，"
                      "再按风险分从高到低补足样本量，风险分为 0 的按随机种子抽取；同分者按随机种子排序。")]
    notes += [(f"部门：{d}", f"抽中 {int(r['sum'])} / {int(r['size'])}") for d, r in departments.iterrows()]
    write_table_sheet(book.create_sheet("抽样说明"),
                      pd.DataFrame([(k, str(v)) for k, v in notes], columns=["项目", "内容"]),
                      title="抽样说明")
    buffer = io.BytesIO()
    book.save(buffer)
    return atomic_write_bytes(path, buffer.getvalue())


def sample_command(args) -> int:
    """`perfnb sample DIR … --out 抽样.xlsx [--seed N] [--size N] [--per-department N]
    [--funds-share X] [--review-rules NAME|FILE]`."""
    from perfnb.evaluation.review_rules import get_review_rules
    from perfnb.running.campaign import unit_results

    from perfnb.running.campaign import output_file

    out = output_file(args.out, ".xlsx", "抽样名单", args.force)
    archive = _archive_of(out)
    sign_key = None
    if archive is not None:
        from perfnb.running import signing
        from perfnb.running.evidence import SIGNATURE_NAME

        if getattr(args, "sign", None):
            sign_key = signing.load_private_key(args.sign)
        elif (archive / SIGNATURE_NAME).exists():
            raise InputError("抽样名单要写入已签名的存档，但没有给出签名私钥", file=out,
                             hint="请加 --sign 私钥（清单随名单一起重新签名），或把抽样名单写在存档目录之外")
    profile = get_review_rules(args.review_rules)
    config = dict(profile.sampling)
    for flag, key in (("per_department", "per_department"), ("funds_share", "funds_share")):
        if getattr(args, flag, None) is not None:
            config[key] = getattr(args, flag)
    if not 0 <= config["funds_share"] <= 1:
        raise InputError(f"--funds-share 应为 0 到 1 之间的比例，收到 {config['funds_share']}",
                         hint="如 --funds-share 0.6 表示抽中单位的资金至少占全部的 60%")
    if config["per_department"] < 0 or (args.size is not None and args.size < 1):
        raise InputError("--per-department 应为非负整数，--size 应为正整数", hint="如 --size 10 --per-department 1")
    results = unit_results(args.inputs, getattr(args, "rules", None))
    frame = units_frame(results, config["risk_weights"])
    drawn = draw_sample(frame, seed=args.seed, per_department=config["per_department"],
                        funds_share=config["funds_share"], size=args.size, share=config["share"])
    size_text = (f"{args.size} 个（--size）" if args.size is not None
                 else f"单位总数的 {config['share']:.0%}，至少满足部门与资金覆盖")
    write_sample(drawn, out, {**config, "seed": args.seed, "profile": profile.name,
                              "source": "、".join(str(i) for i in args.inputs), "size_text": size_text,
                              "time": _dt.datetime.now().astimezone().isoformat(timespec="seconds")})
    picked = drawn[drawn["picked"]]
    funds = drawn["funds"].sum()
    share = f"，资金覆盖 {picked['funds'].sum() / funds:.2%}" if funds > 0 else ""
    print(f"已抽取 {len(picked)} / {len(drawn)} 个单位{share}（随机种子 {args.seed}）：{out}")
    if archive is not None:
        print(_record_in_archive(archive, out, args.seed, sign_key))
    return 0


def _archive_of(path: Path) -> Path | None:
    """The batch output folder (with manifest.json) that ``path`` lies in, if any."""
    from perfnb.running.manifest import MANIFEST_NAME

    for folder in Path(path).resolve().parents:
        if (folder / MANIFEST_NAME).is_file():
            return folder
    return None


def _record_in_archive(archive: Path, path: Path, seed: int, key=None) -> str:
    """The sample list becomes part of the evidence archive: listed in the manifest (owner
    ``campaign:sample``) and sealed, so ``perfnb verify`` checks it like the summaries."""
    from perfnb.fsutil import write_failure
    from perfnb.running.evidence import seal
    from perfnb.running.manifest import Manifest, directory_lock, file_record, now_iso

    try:
        with directory_lock(archive):
            manifest = Manifest.load(archive)
            manifest.record("summaries", "campaign:sample",
                            {"status": "passed", "finished": now_iso(), "seed": seed},
                            [file_record(archive, Path(path).resolve())])
            record = seal(archive, manifest, key, kind="sample")
    except OSError as error:
        raise write_failure(archive, error) from error
    note = f"，清单已重新签名（签名者 {record['signer']}）" if key is not None else ""
    return f"抽样名单已记入存证清单（运行记录第 {record['seq']} 条）{note}。"
