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

Exit 0: everything holds (an unsigned archive with no trusted key configured passes on
its hashes and says it is unsigned); 1: something does not (each problem named);
2: the folder or a key cannot be used.

:func:`seal` is how a batch (and ``perfnb sign``) finishes: record the ledger's head in
the manifest, save it, write the signature, append the ledger record.
"""
from __future__ import annotations

import sys
from pathlib import Path

from perfnb.fsutil import atomic_write_text, write_failure
from perfnb.running import crosscheck, ledger, signing
from perfnb.running.manifest import (MANIFEST_NAME, SIGNATURE_NAME, Manifest, ManifestError,
                                     directory_lock, verify)


def seal(directory: str | Path, manifest: Manifest, key=None, kind: str = "batch",
         extra: dict | None = None) -> dict:
    """Finish an archive: manifest (with the ledger head), signature, ledger record."""
    directory = Path(directory)
    entries = ledger.read(directory)
    manifest.data["ledger"] = ledger.head(entries)
    manifest.save()
    raw = (directory / MANIFEST_NAME).read_bytes()
    signature_path = directory / SIGNATURE_NAME
    if key is not None:
        atomic_write_text(signature_path, signing.sign(key, raw, signing.MANIFEST_NAMESPACE))
    elif signature_path.exists():
        signature_path.unlink()
    return ledger.append(directory, kind, raw, key, extra)


def drop_signature(directory: str | Path) -> None:
    """Remove a signature the coming changes to the manifest would make stale."""
    path = Path(directory) / SIGNATURE_NAME
    if path.exists():
        path.unlink()


# --- verification ------------------------------------------------------------------------

def _signature_step(directory: Path, raw: bytes, trusted: list, source: str | None,
                    out: list[str]) -> tuple[bool, bool]:
    """(ok, signed): check manifest.json.sig; lines go to ``out``."""
    path = directory / SIGNATURE_NAME
    if not path.is_file():
        if trusted:
            out.append(f"缺少签名：没有 {SIGNATURE_NAME}，无法证明存档出自受信任的密钥"
                       f"（受信任公钥来自 {source}）。")
            return False, False
        out.append(f"本存档未签名（没有 {SIGNATURE_NAME}）：以下只校验哈希与各副本的一致性，"
                   "不能证明存档由谁生成、生成后是否被整体重写。签名方法见 perfnb sign。")
        return True, False
    try:
        parsed = signing.verify_signature(path.read_bytes(), raw, signing.MANIFEST_NAMESPACE)
    except signing.SignatureError as error:
        out.append(f"签名无效：{SIGNATURE_NAME} 与 {MANIFEST_NAME} 不符——{error}。")
        return False, True
    if trusted:
        if not any(signing.same_key(parsed.public_key, key) for key in trusted):
            out.append(f"签名者不受信任：清单由密钥 {parsed.fingerprint} 签名，"
                       f"不是受信任的公钥（来自 {source}：" + "、".join(
                           signing.fingerprint(key) for key in trusted) + "）。")
            return False, True
        out.append(f"签名有效：签名者密钥 {parsed.fingerprint}（受信任，来自 {source}）。")
    else:
        out.append(f"签名有效：签名者密钥 {parsed.fingerprint}。提示：未指定受信任的公钥"
                   f"（--key、环境变量 {signing.TRUSTED_KEY_ENV} 或 "
                   f"{signing.config_dir() / signing.TRUSTED_KEYS_NAME}），"
                   "只能确认清单在签名后未被改动，不能确认签名者是谁。")
    return True, True


def check_archive(directory: str | Path, key: str | None = None, use_trusted: bool = True):
    """All checks; returns (lines, problems, counts) without printing.

    ``use_trusted=False`` ignores configured trusted keys (``perfnb sign`` checks an archive
    it is about to sign, signed or not).
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise ManifestError(f"输出目录“{directory}”不存在。请检查路径是否正确。")
    manifest_path = directory / MANIFEST_NAME
    if not manifest_path.is_file():
        raise ManifestError(f"输出目录“{directory}”中没有存证清单 {MANIFEST_NAME}。"
                            "请确认这是 perfnb batch 的输出目录。")
    raw = manifest_path.read_bytes()
    trusted, source = signing.trusted_keys(key) if use_trusted else ([], None)
    lines: list[str] = []
    ok, signed = _signature_step(directory, raw, trusted, source, lines)
    if not ok:
        return lines, 1, {"signature": 1}
    manifest = Manifest.load(directory)
    hashes = verify(directory)
    problems = hashes.lines()
    chain = ledger.check(directory, raw, manifest.data, trusted)
    problems += chain.problems
    if trusted and not chain.problems and chain.records and not chain.signed_by_trusted:
        problems.append("最后一条运行记录没有受信任密钥的签名（运行记录在签名后被追加或改写）。")
    cross = crosscheck.check(directory, manifest.data)
    problems += cross.problems
    notes = chain.notes + cross.notes
    lines += problems + [f"提示：{note}" for note in notes]
    counts = {"files": hashes.checked, "changed": len(hashes.changed),
              "missing": len(hashes.missing), "unlisted": len(hashes.unlisted),
              "ledger": len(chain.problems), "cross": len(cross.problems),
              "records": chain.records, "units": cross.units, "signed": signed}
    return lines, len(problems), counts


def verify_command(args) -> int:
    """``perfnb verify DIR [--key PUB]``: exit 0 if everything holds, 1 if not, 2 if unusable."""
    lines, problems, counts = check_archive(args.directory, getattr(args, "key", None))
    for line in lines:
        print(line)
    if "files" not in counts:
        print("校验未通过：签名不成立，存档内容不可信（未继续校验哈希）。", file=sys.stderr)
        return 1
    if not problems:
        print(f"校验通过：{counts['files']} 个文件与存证清单一致，没有多出的文件；"
              f"运行记录 {counts['records']} 条，链条完整；{counts['units']} 个单位的结果各副本一致。"
              + ("" if counts["signed"] else "（存档未签名）"))
        return 0
    print(f"校验未通过：{counts['changed']} 个文件被改动，{counts['missing']} 个文件缺失，"
          f"{counts['unlisted']} 个文件未列入清单；运行记录问题 {counts['ledger']} 处，"
          f"结果副本不一致 {counts['cross']} 处。", file=sys.stderr)
    return 1


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
    lines, problems, counts = check_archive(directory, None, use_trusted=False)
    if problems:
        for line in lines:
            print(line)
        print("未签名：存档未通过校验，不能为被改动或不完整的存档签名。"
              "请先重新运行 perfnb batch 补齐或恢复原文件。", file=sys.stderr)
        return 1
    try:
        with directory_lock(directory):
            manifest = Manifest.load(directory)
            record = seal(directory, manifest, key, kind="sign")
    except OSError as error:
        raise write_failure(directory, error) from error
    print(f"已签名：{directory / MANIFEST_NAME}（签名文件 {SIGNATURE_NAME}），"
          f"签名者密钥 {record['signer']}；运行记录第 {record['seq']} 条。")
    return 0
