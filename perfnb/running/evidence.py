"""``perfnb keygen``, ``perfnb sign`` and ``perfnb verify``: evidence that proves itself.

``verify DIR [--key PUB]`` checks, in this order, and stops at the first step that fails
to establish trust:

1. the signature ``manifest.json.sig`` over the manifest's bytes (before any hash), and
   whether its key is a trusted one (``--key``, ``PERFNB_TRUSTED_KEY``, or
   ``~/.config/perfnb/trusted_keys``; see :mod:`perfnb.running.signing`);
2. every file's hash and size against the manifest (:func:`perfnb.running.manifest.verify`);
3. the run ledger's chain and signatures, and that it agrees with the manifest
   (:mod:`perfnb.running.ledger`);
4. the copies of each unit's result against each other (:mod:`perfnb.running.crosscheck`).

Every step works on one read of each file: the manifest's bytes whose signature was checked
are the bytes parsed and handed to the hashes, the ledger check and the cross-checks; the
ledger is read once for all steps; each listed file is hashed without following symlinks
(:mod:`perfnb.running.archivefs`), and what the cross-checks read is held to the same signed
hash (:func:`perfnb.running.manifest.read_verified`).  Nothing outside the folder is opened.

Exit 0: everything holds (an unsigned archive with no trusted key configured passes on
its internal consistency only, and says so); 1: something does not (each problem named);
2: the folder or a key cannot be used.

Signing never launders (:func:`signing_problems`): ``perfnb sign`` and ``perfnb batch
--sign`` first check the archive against the trusted keys, the signing key itself and the
ledger's earlier signers (a signature that is missing, invalid or by another key after an
earlier signing is refused), ``perfnb sign`` refuses an interrupted archive, and a batch
resumes only from a manifest whose signature holds (:func:`resume_manifest`).

:func:`seal` is how a batch (and ``perfnb sign``) finishes: record the ledger's head in
the manifest, save it, write the signature, append the ledger record.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

from perfnb.fsutil import atomic_write_bytes, atomic_write_text, write_failure
from perfnb.running import archivefs, crosscheck, ledger, signing
from perfnb.running.manifest import (MANIFEST_FORMAT, MANIFEST_NAME, PENDING_SIGNATURE_NAME,
                                     SIGNATURE_NAME, Manifest, ManifestError, directory_lock,
                                     read_verified, signature_candidates, verify)

OWN_KEY_SOURCE = "签名私钥本身"


def seal(directory: str | Path, manifest: Manifest, key=None, kind: str = "batch",
         extra: dict | None = None) -> dict:
    """Finish an archive: manifest (with the ledger head), signature, ledger record.

    Signed, the new signature is written before the manifest is replaced (see
    :meth:`Manifest.save`), so a kill at any moment leaves a manifest with a valid signature
    of its owner.  Afterwards the ledger's new head is remembered on this machine.
    """
    directory = Path(directory)
    entries = ledger.read(directory)
    manifest.data["ledger"] = ledger.head(entries)
    raw = manifest.serialise()
    if key is not None:
        atomic_write_text(directory / PENDING_SIGNATURE_NAME,
                          signing.sign(key, raw, signing.MANIFEST_NAMESPACE))
        atomic_write_bytes(directory / MANIFEST_NAME, raw)
        os.replace(directory / PENDING_SIGNATURE_NAME, directory / SIGNATURE_NAME)
    else:
        atomic_write_bytes(directory / MANIFEST_NAME, raw)
        drop_signature(directory)
    record = ledger.append(directory, kind, raw, key, extra)
    if key is not None:
        ledger.remember(directory)
    return record


def drop_signature(directory: str | Path) -> None:
    """Remove a signature the coming changes to the manifest would make stale."""
    for name in (SIGNATURE_NAME, PENDING_SIGNATURE_NAME):
        path = Path(directory) / name
        if path.exists() or path.is_symlink():
            path.unlink()


def _trust(key: str | None, use_trusted: bool, own_key=None) -> signing.TrustSet:
    """The configured trusted keys (unless ``use_trusted`` is off), plus the public half of
    the key about to sign (its owner trusts it)."""
    trust = signing.trust_set(key) if use_trusted else signing.TrustSet([], None, [])
    if own_key is not None:
        public = own_key.public_key()
        if not any(signing.same_key(entry, public) for entry in trust.keys):
            trust.keys.append(signing.TrustedKey(public, where=f"{OWN_KEY_SOURCE}："))
        trust.source = f"{trust.source}、{OWN_KEY_SOURCE}" if trust.source else OWN_KEY_SOURCE
    return trust


def _signers(entries) -> list[str]:
    if not isinstance(entries, list):
        return []
    found = []
    for entry in entries:
        signer = entry.record.get("signer")
        if signer and signer not in found:
            found.append(str(signer))
    return found


# --- verification ------------------------------------------------------------------------

KEYLESS_CLAIM = ("只能证明存档内部一致（各文件与清单、运行记录、各结果副本互相吻合）；"
                 "同时改写文件与清单（及运行记录）的人，校验照样通过")


def _signature_step(directory: Path, raw: bytes, trust: signing.TrustSet, entries,
                    signing_now: bool, out: list[str], problems: list[str]) -> tuple[bool, bool]:
    """(ok, signed): check manifest.json.sig; lines go to ``out``, problems that do not stop
    the other checks to ``problems``.

    ``signing_now``: the check before ``perfnb sign`` / ``batch --sign``, where a missing
    signature is refused only if the ledger shows an earlier signing.
    """
    trusted, source = trust.keys, trust.source
    signers = _signers(entries)
    last_signed = isinstance(entries, list) and entries and entries[-1].record.get("signer")
    path = directory / SIGNATURE_NAME
    if not (path.exists() or path.is_symlink()):
        if signing_now and signers:
            out.append(f"缺少签名：运行记录显示本存档曾由密钥 {'、'.join(signers)} 签名，"
                       f"但现在没有 {SIGNATURE_NAME}（签名被删除，或此后有未签名的运行改动了清单）。"
                       "为免把被改动的内容重新签名，perfnb 不在其上签名。")
            return False, False
        if trusted and not signing_now:
            out.append(f"缺少签名：没有 {SIGNATURE_NAME}，无法证明存档出自受信任的密钥"
                       f"（受信任公钥来自 {source}）。")
            return False, False
        if last_signed:  # without a trusted key: a problem, and the other checks still run
            problems.append(f"缺少签名：最后一条运行记录由密钥 {last_signed} 签名，但清单的签名 "
                            f"{SIGNATURE_NAME} 不见了（签名被删除）。")
            return True, False
        if not signing_now:
            out.append(f"本存档未签名（没有 {SIGNATURE_NAME}）：{KEYLESS_CLAIM}，"
                       "也不能证明存档由谁生成。签名方法见 perfnb sign。")
        return True, False
    try:
        armored = archivefs.read_bytes(directory, SIGNATURE_NAME, 64 * 1024)
        parsed = signing.verify_signature(armored, raw, signing.MANIFEST_NAMESPACE)
    except (OSError, archivefs.LimitError) as error:
        out.append(f"签名无效：{SIGNATURE_NAME} 无法读取（{error}）。")
        return False, True
    except signing.SignatureError as error:
        out.append(f"签名无效：{SIGNATURE_NAME} 与 {MANIFEST_NAME} 不符——{error}。")
        return False, True
    if trusted:
        ok, why = trust.vouches(parsed.public_key, signing.MANIFEST_NAMESPACE)
        if not ok and why:
            out.append(f"签名者不受信任：清单由密钥 {parsed.fingerprint} 签名，但{why}。")
            return False, True
        if not ok:
            out.append(f"签名者不受信任：清单由密钥 {parsed.fingerprint} 签名，"
                       f"不是受信任的公钥（来自 {source}：" + "、".join(
                           signing.fingerprint(key) for key in trusted) + "）。"
                       + ("如这是您自己的另一把密钥，请把它的公钥加入受信任公钥后再签名。"
                          if signing_now else ""))
            return False, True
        out.append(f"签名有效：签名者密钥 {parsed.fingerprint}（受信任，来自 {source}）。")
    else:
        out.append(f"签名有效：签名者密钥 {parsed.fingerprint}。提示：未指定受信任的公钥"
                   f"（--key、环境变量 {signing.TRUSTED_KEY_ENV} 或 "
                   f"{signing.config_dir() / signing.TRUSTED_KEYS_NAME}），"
                   f"不能确认签名者是谁：任何人都能用自己的密钥改写并重新签名，因此{KEYLESS_CLAIM}。")
    return True, True


def read_manifest_bytes(directory: Path) -> bytes:
    """The manifest's bytes, read once, never through a symlink; ManifestError if unusable."""
    if not directory.is_dir():
        raise ManifestError(f"输出目录“{directory}”不存在。请检查路径是否正确。")
    manifest_path = directory / MANIFEST_NAME
    if not (manifest_path.exists() or manifest_path.is_symlink()):
        raise ManifestError(f"输出目录“{directory}”中没有存证清单 {MANIFEST_NAME}。"
                            "请确认这是 perfnb batch 的输出目录。")
    try:
        return archivefs.read_bytes(directory, MANIFEST_NAME, archivefs.MAX_JSON_BYTES)
    except archivefs.LimitError as error:
        raise ManifestError(f"存证清单“{manifest_path}”{error}，不予校验。") from error
    except OSError as error:
        raise ManifestError(f"存证清单“{manifest_path}”无法读取"
                            f"（{error.strerror or error}）。存档中的清单必须是普通文件。") from error


def check_archive(directory: str | Path, key: str | None = None, use_trusted: bool = True,
                  own_key=None, remember: bool = False):
    """All checks; returns (lines, problems, counts) without printing.

    ``use_trusted=False`` ignores configured trusted keys.  ``own_key`` (a private key) is
    the check before signing with it: its public half is trusted too, a missing signature
    is refused only after an earlier signing, and an interrupted archive is refused.
    ``remember``: store the ledger's head for this folder if everything holds.
    """
    directory = Path(directory)
    signing_now = own_key is not None
    raw = read_manifest_bytes(directory)
    trust = _trust(key, use_trusted, own_key)
    lines: list[str] = [f"警告：{warning}" for warning in trust.warnings]
    try:
        entries = ledger.read(directory)
    except ledger.LedgerError as error:
        entries = error
    problems: list[str] = []
    ok, signed = _signature_step(directory, raw, trust, entries, signing_now, lines, problems)
    if not ok:
        return lines, 1, {"signature": 1}
    try:
        manifest = Manifest.from_bytes(directory, raw)  # the very bytes that were checked
    except ManifestError as error:
        if isinstance(error.__cause__, archivefs.LimitError):
            lines.append(f"存证清单超过限制：{error.__cause__}。")
            return lines, 1, {"signature": 1}
        raise
    if manifest.data.get("format") == MANIFEST_FORMAT and "finished" in manifest.data \
            and not manifest.data.get("finished"):
        problems.append("存档未完成：清单记载的批量运行没有结束（finished 为空，运行被中断）。"
                        "重新运行同一 perfnb batch 命令即可补齐。")
    hashes = verify(directory, manifest)
    chain = ledger.check(directory, raw, manifest.data, trust.keys, entries)
    later = list(chain.problems)
    if trust.keys and not signing_now and not chain.problems and chain.records \
            and not chain.signed_by_trusted:
        later.append("最后一条运行记录没有受信任密钥的签名（运行记录在签名后被追加或改写，"
                     "或受信任公钥的 namespaces 不含 perfnb-ledger）。")
    if isinstance(entries, list):
        later += ledger.remembered_problems(directory, entries)
    cross = crosscheck.check(directory, manifest.data,
                             lambda name, limit: read_verified(manifest, name, limit, hashes))
    # the hash lines last of all: a file swapped after it was hashed is among them too
    problems += hashes.lines() + later + cross.problems
    notes = chain.notes + cross.notes
    if remember and problems:
        notes.append("校验未通过，未记住运行记录的状态。")
    elif remember and not (isinstance(entries, list) and entries):
        notes.append(f"没有运行记录 {ledger.LEDGER_NAME}，无可记住。")
    if remember and not problems and isinstance(entries, list) and entries:
        where = ledger.remember(directory, entries)
        if where is not None:
            notes.append(f"已在本机记住运行记录的当前状态（{len(entries)} 条，记在 {where}），"
                         "以后校验本目录时，回滚到较早的状态会被发现。")
    lines += problems + [f"提示：{note}" for note in notes]
    counts = {"manifest": manifest, "files": hashes.checked, "changed": len(hashes.changed),
              "missing": len(hashes.missing), "unlisted": len(hashes.unlisted),
              "extra": len(hashes.extra),
              "ledger": len(chain.problems), "cross": len(cross.problems),
              "records": chain.records, "units": cross.units, "signed": signed,
              "other": len(problems) - len(hashes.lines()) - len(chain.problems)
              - len(cross.problems),
              "trusted": bool(trust.keys)}
    return lines, len(problems), counts


def verify_command(args) -> int:
    """``perfnb verify DIR [--key PUB] [--remember]``: exit 0 if everything holds, 1 if not,
    2 if unusable."""
    lines, problems, counts = check_archive(args.directory, getattr(args, "key", None),
                                            remember=bool(getattr(args, "remember", False)))
    for line in lines:
        print(line)
    if "files" not in counts:
        print("校验未通过：签名不成立或清单超过限制，存档内容不可信（未继续校验哈希）。", file=sys.stderr)
        return 1
    if not problems:
        scope = ("" if counts["signed"] and counts["trusted"] else
                 "（存档未签名：只证明内部一致）" if not counts["signed"] else
                 "（未指定受信任公钥：只证明内部一致）")
        print(f"校验通过：{counts['files']} 个文件与存证清单一致，没有多出的文件；"
              f"运行记录 {counts['records']} 条，链条完整；{counts['units']} 个单位的结果各副本一致。"
              + scope)
        return 0
    print(f"校验未通过：{counts['changed']} 个文件被改动，{counts['missing']} 个文件缺失，"
          f"{counts['unlisted']} 个文件未列入清单，{counts['extra']} 处多出的内容；"
          f"运行记录问题 {counts['ledger']} 处，结果副本不一致 {counts['cross']} 处"
          + (f"，签名、完成状态或回滚等其他问题 {counts['other']} 处" if counts["other"] else "")
          + "。", file=sys.stderr)
    return 1


# --- what a signing run may build on -----------------------------------------------------------

def signing_problems(directory: Path, raw: bytes, entries: list, trust: signing.TrustSet,
                     strict: bool) -> str | None:
    """Why the manifest ``raw`` must not be built on (None: it may).

    ``strict`` (a signing run): any earlier signing in the ledger requires a valid signature
    by a trusted key (the configured ones and the signing key); otherwise only the last
    record's.  A signature left pending by a signed run killed between its last two writes
    counts (see :meth:`Manifest.save`).
    """
    candidates = signature_candidates(directory)
    for armored in candidates:
        try:
            parsed = signing.verify_signature(armored, raw, signing.MANIFEST_NAMESPACE)
        except signing.SignatureError:
            continue
        if trust.keys:
            ok, why = trust.vouches(parsed.public_key, signing.MANIFEST_NAMESPACE)
            if not ok:
                return (f"清单由密钥 {parsed.fingerprint} 签名，它不是受信任的密钥"
                        + (f"（{why}）" if why else "") + "。")
        if strict:
            problems = ledger.remembered_problems(directory, entries)
            if problems:
                return problems[0]
        return None
    signers = _signers(entries)
    last = entries[-1].record.get("signer") if entries else None
    if candidates:
        return f"清单的签名 {SIGNATURE_NAME} 与清单不符（清单在签名后被改动）。"
    if (strict and signers) or last:
        return (f"运行记录显示本存档曾由密钥 {'、'.join(signers)} 签名，但清单现在没有签名"
                "（签名被删除，或此后有未签名的运行改动了清单）。")
    return None


def resume_manifest(directory: str | Path, key=None, force: bool = False
                    ) -> tuple[Manifest, str | None]:
    """The manifest a batch builds on, and a Chinese warning when it starts afresh.

    Its "unchanged, skip" decisions rest on this manifest, so it must be one the batch can
    trust: a manifest whose signature does not hold (see :func:`signing_problems`) is never
    built on.  A signing batch (``key``) refuses it (:class:`ManifestError`, exit 2) unless
    ``force``; an unsigned batch, or ``--force``, starts from an empty manifest and reruns
    every unit.
    """
    directory = Path(directory)
    try:
        raw = read_manifest_bytes(directory)
        manifest = Manifest.from_bytes(directory, raw)  # parsed from the bytes judged below
    except ManifestError:
        return Manifest.load_for_rerun(directory)  # none: a new one; damaged: rerun all, say so
    entries = ledger.read(directory)
    try:
        trust = _trust(None, True, key)
    except signing.KeyFileError as error:  # a broken trusted-key file must not stop a batch
        print(f"注意：受信任公钥无法读取，本次只按签名私钥本身判断旧清单：{error}", file=sys.stderr)
        trust = _trust(None, False, key)
    problem = signing_problems(directory, raw, entries, trust, strict=key is not None)
    if problem is None:
        return manifest, None
    if key is not None and not force:
        raise ManifestError(f"未运行：{problem}为免把被改动的内容重新签名，perfnb batch --sign 不跳过、"
                            "也不沿用这份清单。请加 --force 重新运行全部单位（旧清单作废，"
                            "不在本次输入中的旧单位文件夹会成为清单外的文件），或换一个 --out 目录。")
    fresh = Manifest(directory, {"format": MANIFEST_FORMAT, "files": {}, "units": {},
                                 "summaries": {}}, damaged=True)  # its folders count as perfnb's
    return fresh, f"注意：{problem}本次不沿用旧清单、不跳过任何单位，全部重新运行并写出新的清单。"


# --- keygen and sign -------------------------------------------------------------------------

def keygen_command(args) -> int:
    """``perfnb keygen [--out FILE] [--comment TEXT] [--force]``."""
    path = Path(args.out).expanduser() if args.out else signing.default_key_path()
    private, public, key = signing.generate_key(path, args.comment, args.force)
    print(f"已生成 Ed25519 密钥对：\n  私钥：{private}（权限 0600，请妥善保管，不要外传）\n"
          f"  公钥：{public}\n  指纹：{signing.fingerprint(key)}\n"
          f"签名：perfnb batch … --sign {private}，或 perfnb sign 目录 --key {private}\n"
          f"校验方把公钥（{public}）放在 {signing.config_dir() / signing.TRUSTED_KEYS_NAME} "
          f"或用 perfnb verify 目录 --key {public}。")
    return 0


def sign_command(args) -> int:
    """``perfnb sign DIR --key KEY``: sign an existing, intact archive."""
    directory = Path(args.directory)
    key = signing.load_private_key(args.key)
    read_manifest_bytes(directory)  # not an archive at all: exit 2 before taking its lock
    try:
        with directory_lock(directory):
            lines, problems, counts = check_archive(directory, None, own_key=key)
            if problems:
                for line in lines:
                    print(line)
                print("未签名：存档未通过校验，不能为被改动、不完整或签名不可信的存档签名。"
                      "请先重新运行 perfnb batch 补齐或恢复原文件；签名被删除或不可信时，"
                      "用 perfnb batch … --sign --force 重新运行全部单位。", file=sys.stderr)
                return 1
            # seal the manifest parsed from the very bytes that were just checked
            record = seal(directory, counts["manifest"], key, kind="sign")
    except OSError as error:
        raise write_failure(directory, error) from error
    print(f"已签名：{directory / MANIFEST_NAME}（签名文件 {SIGNATURE_NAME}），"
          f"签名者密钥 {record['signer']}；运行记录第 {record['seq']} 条。")
    return 0
