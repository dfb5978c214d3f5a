"""Attacks on the evidence of an archive (issue 18, items 1, 2, 3, 9, 10, 11), kept as tests.

Every attack is built at test time on a private copy of the signed three-unit archive of
tests/running/test_evidence.py (no notebook runs except in the one recovery test), and each
of them passed or crashed ``perfnb verify`` / ``perfnb sign`` / ``perfnb batch --sign`` before
the fix.  A race is made deterministic by doing the attacker's swap inside a patched step.
"""
from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(TESTS / "running"))  # the shared archive fixtures live there

from perfnb.cli import main  # noqa: E402
from perfnb.running import archivefs, evidence, ledger, signing  # noqa: E402
from perfnb.running.manifest import (LOCK_NAME, MANIFEST_NAME, SIGNATURE_NAME,  # noqa: E402
                                     Manifest, sha256_file)
from test_batch import batch  # noqa: E402,F401  (the shared batch fixture)
from test_evidence import (NMG, _batch, _entry, _manifest, _verify,  # noqa: E402,F401
                           _write_manifest, archive, other_key, signed)


def _unit_dir(out: Path, unit_id: str = NMG) -> str:
    return _entry(_manifest(out), unit_id)[1]["out_dir"]


def _rehash(out: Path, data: dict, name: str) -> None:
    data["files"][name].update(sha256=sha256_file(out / name), size=(out / name).stat().st_size)


def _forge_report(out: Path, reseal_key=None, ledger_too: bool = True) -> str:
    """A forger's consistent rewrite: report.html's visible figure changed, its hash in the
    manifest updated, the signature dropped and (``ledger_too``) an unsigned ledger record
    appended with perfnb's own code, so the archive is internally consistent."""
    name = f"{_unit_dir(out)}/report.html"
    text = (out / name).read_text(encoding="utf-8")
    assert "97.6" in text
    (out / name).write_text(text.replace("97.6", "99.9"), encoding="utf-8")
    data = _manifest(out)
    _rehash(out, data, name)
    _write_manifest(out, data)
    (out / SIGNATURE_NAME).unlink()
    if ledger_too or reseal_key is not None:
        evidence.seal(out, Manifest.load(out), reseal_key, kind="batch")
    return name


# --- 1. the race: verify parses the bytes whose signature it checked -------------------------

def test_a_manifest_swapped_after_its_signature_was_checked_is_not_believed(archive, capsys,
                                                                             monkeypatch):
    out = archive["out"]
    genuine = (out / MANIFEST_NAME).read_bytes()
    name = f"{_unit_dir(out)}/report.html"
    (out / name).write_text((out / name).read_text(encoding="utf-8").replace("97.6", "99.9"),
                            encoding="utf-8")
    data = json.loads(genuine)
    _rehash(out, data, name)
    forged = (json.dumps(data, ensure_ascii=False, indent=1) + "\n").encode("utf-8")
    real = signing.verify_signature

    def verify_then_swap(*args, **kwargs):
        parsed = real(*args, **kwargs)
        if kwargs.get("namespace", args[2] if len(args) > 2 else None) == \
                signing.MANIFEST_NAMESPACE:
            (out / MANIFEST_NAME).write_bytes(forged)  # the attacker's swap, right after
        return parsed

    monkeypatch.setattr(signing, "verify_signature", verify_then_swap)
    code, text = _verify(capsys, out, "--key", archive["pub"])
    assert code == 1 and f"已被改动：{name}" in text, text


def test_a_file_swapped_after_it_was_hashed_is_not_what_the_cross_checks_believe(archive, capsys,
                                                                               monkeypatch):
    out = archive["out"]
    name = f"{_unit_dir(out)}/result.json"
    forged = json.loads((out / name).read_text(encoding="utf-8"))
    forged["total"] = 99.99
    real = evidence.verify

    def hash_then_swap(*args, **kwargs):
        report = real(*args, **kwargs)  # the genuine bytes were hashed ...
        (out / name).write_text(json.dumps(forged), encoding="utf-8")  # ... then swapped
        return report

    monkeypatch.setattr(evidence, "verify", hash_then_swap)
    code, text = _verify(capsys, out, "--key", archive["pub"])
    assert code == 1 and f"已被改动：{name}" in text, text


# --- 2. signing never launders ------------------------------------------------------------

def test_sign_refuses_an_archive_whose_owner_signature_was_stripped(archive, capsys):
    out = archive["out"]
    _forge_report(out)  # consistent without a key: hashes, ledger and copies agree
    assert _verify(capsys, out)[0] == 0  # keyless, it passes (see item 10) ...
    capsys.readouterr()
    assert main(["sign", str(out), "--key", str(archive["key"])]) == 1  # ... but is not re-signed
    captured = capsys.readouterr()
    assert "缺少签名：运行记录显示本存档曾由密钥" in captured.out and "不在其上签名" in captured.out
    assert "未签名" in captured.err and not (out / SIGNATURE_NAME).exists()


def test_sign_refuses_a_foreign_signature_after_the_owners(archive, other_key, capsys):
    out = archive["out"]
    _forge_report(out, reseal_key=signing.load_private_key(other_key))
    forger = signing.fingerprint(signing.load_private_key(other_key).public_key())
    before = (out / MANIFEST_NAME).read_bytes()
    capsys.readouterr()
    assert main(["sign", str(out), "--key", str(archive["key"])]) == 1
    text = capsys.readouterr().out
    assert f"签名者不受信任：清单由密钥 {forger} 签名" in text and "加入受信任公钥" in text
    assert (out / MANIFEST_NAME).read_bytes() == before


def test_sign_refuses_an_interrupted_archive(batch, tmp_path, signed, capsys):  # noqa: F811
    out = tmp_path / "out"
    shutil.copytree(batch["out"], out)  # never signed: a first signing is allowed ...
    manifest = Manifest.load(out)
    manifest.data["finished"] = None  # ... but not of a run that never finished
    evidence.seal(out, manifest, None, kind="batch")
    capsys.readouterr()
    assert main(["sign", str(out), "--key", str(signed["key"])]) == 1
    assert "存档未完成" in capsys.readouterr().out and not (out / SIGNATURE_NAME).exists()


@pytest.mark.parametrize("how", ["stripped", "foreign"])
def test_batch_sign_does_not_skip_units_on_a_forged_manifests_word(archive, other_key, capsys,
                                                                   how):
    out = archive["out"]
    name = _forge_report(out, reseal_key=signing.load_private_key(other_key)
                         if how == "foreign" else None)
    before = (out / MANIFEST_NAME).read_bytes()
    capsys.readouterr()
    assert _batch(archive, "--sign", archive["key"]) == 2
    err = capsys.readouterr().err
    assert "未运行" in err and "--force" in err and "Traceback" not in err
    assert (out / MANIFEST_NAME).read_bytes() == before  # nothing re-signed, nothing skipped
    code, text = _verify(capsys, out, "--key", archive["pub"])
    assert code == 1
    assert "99.9" in (out / name).read_text(encoding="utf-8")


def test_batch_sign_force_rebuilds_a_forged_archive_from_its_inputs(archive, capsys):
    out = archive["out"]
    name = _forge_report(out)
    capsys.readouterr()
    assert _batch(archive, "--sign", archive["key"], "--force") == 0
    assert "不跳过任何单位" in capsys.readouterr().err
    assert "99.9" not in (out / name).read_text(encoding="utf-8")  # rebuilt, not re-signed
    code, text = _verify(capsys, out, "--key", archive["pub"])
    # the failed unit of the old run is not in this run's inputs: its folder is now named
    assert code == 1 and "未列入清单：测试厅/broken-1/" in text
    assert "已被改动" not in text and "签名有效" in text


def test_a_signing_batch_resumes_from_its_own_signed_progress(archive, capsys, monkeypatch):
    """The honest twin of the attacks: a signing batch killed half-way leaves a manifest its
    owner's key still vouches for, so the rerun skips what was done instead of refusing."""
    out = archive["out"]
    manifest = Manifest.load(out)
    key = signing.load_private_key(archive["key"])
    manifest.signer = lambda data: signing.sign(key, data, signing.MANIFEST_NAMESPACE)
    manifest.data["finished"] = None
    manifest.save()  # what every save of a signing batch does before it is killed
    assert _verify(capsys, out, "--key", archive["pub"])[0] == 1  # never passes as complete
    capsys.readouterr()
    assert _batch(archive, "--sign", archive["key"]) == 0
    assert "跳过" in capsys.readouterr().out
    assert _verify(capsys, out, "--key", archive["pub"])[0] == 0


def test_a_remembered_ledger_head_reveals_a_rollback(archive, tmp_path, capsys):
    out = archive["out"]
    code, text = _verify(capsys, out, "--key", archive["pub"], "--remember")
    assert code == 0 and "已在本机记住运行记录的当前状态（2 条" in text
    older = tmp_path / "older"
    shutil.copytree(out, older)  # an older, validly signed state of the same archive
    capsys.readouterr()
    assert main(["sign", str(out), "--key", str(archive["key"])]) == 0  # remembered: 3 records
    assert _verify(capsys, out, "--key", archive["pub"])[0] == 0
    shutil.rmtree(out)
    shutil.copytree(older, out)  # rollback
    code, text = _verify(capsys, out, "--key", archive["pub"])
    assert code == 1 and "运行记录只有 2 条" in text and "回滚" in text
    capsys.readouterr()
    assert main(["sign", str(out), "--key", str(archive["key"])]) == 1  # not re-signed either


# --- 3. extra content ---------------------------------------------------------------------

def test_a_listed_file_replaced_by_a_symlink_to_identical_bytes_is_reported(archive, tmp_path,
                                                                           capsys):
    out = archive["out"]
    name = f"{_unit_dir(out)}/report.html"
    outside = tmp_path / "outside.html"
    shutil.copy(out / name, outside)
    (out / name).unlink()
    (out / name).symlink_to(outside)
    code, text = _verify(capsys, out, "--key", archive["pub"])
    assert code == 1 and f"符号链接：{name}" in text and f"已被改动：{name}" in text


def test_a_symlinked_unit_folder_is_reported_and_not_followed(archive, tmp_path, capsys):
    out = archive["out"]
    folder = _unit_dir(out)
    shutil.move(str(out / folder), tmp_path / "elsewhere")
    (out / folder).symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    code, text = _verify(capsys, out, "--key", archive["pub"])
    assert code == 1 and f"符号链接：{folder}" in text and f"缺失：{folder}/result.json" in text


def test_symlinked_folders_fifos_extra_folders_and_lock_content_are_reported(archive, tmp_path,
                                                                            capsys):
    out = archive["out"]
    (out / "藏起来的").symlink_to(tmp_path, target_is_directory=True)
    os.mkfifo(out / "管道")
    (out / "伪造单位" / "空").mkdir(parents=True)
    (out / LOCK_NAME).write_bytes(b"hidden payload that survives tar")
    os.link(out / LOCK_NAME, out / "伪造单位" / "result.json")  # linked from a fake unit
    code, text = _verify(capsys, out, "--key", archive["pub"])  # returns: the FIFO never blocks
    assert code == 1
    assert "符号链接：藏起来的" in text and "特殊文件：管道" in text
    assert "多出的文件夹：伪造单位/空" in text and f"锁文件 {LOCK_NAME} 不是空文件" in text
    assert "未列入清单：伪造单位/result.json" in text


def test_folders_nested_beyond_the_limit_are_reported_not_walked(archive, capsys):
    out = archive["out"]
    deep = out / "深"
    for _ in range(archivefs.MAX_FOLDER_DEPTH + 5):
        deep = deep / "层"
    deep.mkdir(parents=True)
    code, text = _verify(capsys, out, "--key", archive["pub"])
    assert code == 1 and f"文件夹层数超过限制（{archivefs.MAX_FOLDER_DEPTH} 层）" in text


# --- 9. nothing outside the archive, limits give a verdict ----------------------------------

def _forge_notebook_inputs(out: Path, path: str) -> None:
    """A keyless forger names another input path in the notebook's provenance."""
    name = f"{_unit_dir(out)}/evaluation.ipynb"
    nb = json.loads((out / name).read_text(encoding="utf-8"))
    nb["metadata"]["perfnb"]["inputs"][0]["path"] = path
    (out / name).write_text(json.dumps(nb, ensure_ascii=False), encoding="utf-8")
    data = _manifest(out)
    _rehash(out, data, name)
    _write_manifest(out, data)
    (out / SIGNATURE_NAME).unlink()


def test_verify_opens_nothing_outside_the_archive(archive, capsys, monkeypatch):
    out = archive["out"].resolve()
    opened = []
    real_open, real_os_open = open, os.open

    def note(path):
        if isinstance(path, (str, os.PathLike)) and os.path.isabs(path):
            resolved = Path(path).resolve()
            if resolved != out and out not in resolved.parents:
                opened.append(str(path))

    def spy_open(file, *args, **kwargs):
        note(file)
        return real_open(file, *args, **kwargs)

    def spy_os_open(path, *args, **kwargs):
        if kwargs.get("dir_fd") is None:
            note(path)
        return real_os_open(path, *args, **kwargs)

    monkeypatch.setattr("builtins.open", spy_open)
    monkeypatch.setattr(os, "open", spy_os_open)
    code, text = _verify(capsys, out, "--key", archive["pub"])
    monkeypatch.undo()
    assert code == 0, text
    inputs = str(archive["inputs"].resolve())
    assert not [path for path in opened if path.startswith(inputs)], opened


@pytest.mark.skipif(not Path("/proc/self/pagemap").exists(), reason="needs /proc/self/pagemap")
def test_a_provenance_naming_proc_pagemap_does_not_hang_verify(archive):
    out = archive["out"]
    _forge_notebook_inputs(out, "/proc/self/pagemap")
    process = subprocess.run([sys.executable, "-m", "perfnb.cli", "verify", str(out)],
                             capture_output=True, text=True, timeout=120)
    assert process.returncode == 1, process.stderr
    assert "Traceback" not in process.stderr and "校验未通过" in process.stderr


def test_an_inflating_pdf_attachment_gives_a_verdict_not_a_traceback(archive, capsys):
    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, NameObject

    out = archive["out"]
    name = f"{_unit_dir(out)}/report.pdf"  # the sample ran --formats html: the forger adds one
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.add_attachment("附表.xlsx", b"x")
    names = writer._root_object["/Names"]["/EmbeddedFiles"]["/Names"]
    spec = names[names.index("附表.xlsx") + 1].get_object()
    bomb = DecodedStreamObject()
    bomb.set_data(bytes(80 * 1024 * 1024))  # 80 MB of zeros: about 80 KB once deflated
    spec["/EF"][NameObject("/F")] = writer._add_object(bomb.flate_encode())
    buffer = io.BytesIO()
    writer.write(buffer)
    assert len(buffer.getvalue()) < 2 * 1024 * 1024
    (out / name).write_bytes(buffer.getvalue())
    data = _manifest(out)
    data["files"][name] = {"sha256": sha256_file(out / name), "size": len(buffer.getvalue()),
                           "owner": _entry(data, NMG)[0]}
    _write_manifest(out, data)
    (out / SIGNATURE_NAME).unlink()
    code, text = _verify(capsys, out)
    assert code == 1 and "超过限制" in text and f"{_unit_dir(out)}：report.pdf" in text


def test_deeply_nested_json_gives_a_verdict_not_a_traceback(archive, capsys):
    out = archive["out"]
    depth = 100_000
    name = f"{_unit_dir(out)}/evaluation.ipynb"
    (out / name).write_bytes(b"[" * depth + b"]" * depth)
    data = _manifest(out)
    _rehash(out, data, name)
    _write_manifest(out, data)
    (out / SIGNATURE_NAME).unlink()
    code, text = _verify(capsys, out)
    assert code == 1 and f"嵌套层数超过限制（{archivefs.MAX_JSON_DEPTH} 层）" in text
    # the manifest itself, as deep
    (out / MANIFEST_NAME).write_bytes(b'{"format": "perfnb-manifest/1", "files": {}, "x": '
                                      + b"[" * depth + b"]" * depth + b"}")
    code, text = _verify(capsys, out)
    assert code == 1 and "超过限制" in text and "Traceback" not in text


# --- 10. what verify proves without a trusted key ---------------------------------------------

def test_keyless_verify_says_it_proves_internal_consistency_only(archive, capsys):
    out = archive["out"]
    _forge_report(out)  # a consistent rewrite of the visible report, manifest and ledger
    code, text = _verify(capsys, out)
    assert code == 0  # nothing inside the archive can tell ...
    assert "只能证明存档内部一致" in text and "同时改写文件与清单" in text  # ... and it says so
    assert "只证明内部一致" in text


def test_readme_states_exactly_what_verify_proves():
    readme = (TESTS.parent / "README.md").read_text(encoding="utf-8")
    assert "只改一处的数字也会被发现" not in readme
    section = readme.split("**校验能证明什么**", 1)[1].split("\n## ", 1)[0]
    assert "有受信任公钥时" in section and "没有受信任公钥时" in section
    assert "内部一致" in section and "--remember" in section


# --- 11. allowed_signers options ------------------------------------------------------------

def _allowed(tmp_path: Path, archive, options: str, name: str = "allowed_signers") -> Path:
    public = archive["pub"].read_text().strip()
    path = tmp_path / name
    path.write_text(f"perfnb {options} {public}\n".replace("  ", " "))
    return path


@pytest.mark.parametrize("options, reason", [
    ('namespaces="file,git"', "不包括“perfnb-manifest”"),
    ('valid-before="20000101"', "现已过期（valid-before）"),
    ('valid-after="29990101Z"', "起才有效（valid-after）"),
])
def test_allowed_signers_restrictions_are_honoured(archive, tmp_path, capsys, options, reason):
    code, text = _verify(capsys, archive["out"], "--key", _allowed(tmp_path, archive, options))
    assert code == 1 and "签名者不受信任" in text and reason in text


def test_allowed_signers_restrictions_that_fit_let_the_archive_verify(archive, tmp_path, capsys):
    allowed = _allowed(tmp_path, archive,
                       'namespaces="perfnb-*",valid-after="20200101",valid-before="29991231235959Z"')
    code, text = _verify(capsys, archive["out"], "--key", allowed)
    assert code == 0, text
    # a key for manifests only cannot vouch for the ledger's records (as ssh-keygen -n perfnb-ledger)
    allowed = _allowed(tmp_path, archive, 'namespaces="perfnb-manifest"', "manifest-only")
    code, text = _verify(capsys, archive["out"], "--key", allowed)
    assert code == 1 and "最后一条运行记录没有受信任密钥的签名" in text


def test_cert_authority_and_unknown_options_leave_their_line_out_with_a_warning(archive,
                                                                                tmp_path,
                                                                                capsys):
    only_ca = _allowed(tmp_path, archive, "cert-authority", "ca")
    code, text = _verify(capsys, archive["out"], "--key", only_ca)
    assert code == 2 and "没有可用的公钥" in text and "cert-authority" in text
    public = archive["pub"].read_text().strip()
    mixed = tmp_path / "mixed"
    mixed.write_text(f'perfnb foo="bar" {public}\nperfnb {public}\n')
    code, text = _verify(capsys, archive["out"], "--key", mixed)
    assert code == 0 and "警告：" in text and '第 1 行有无法识别的选项“foo="bar"”' in text


SSH_KEYGEN = shutil.which("ssh-keygen")


@pytest.mark.skipif(SSH_KEYGEN is None, reason="needs OpenSSH's ssh-keygen")
@pytest.mark.parametrize("options", ['namespaces="file"', 'namespaces="perfnb-*"',
                                     'namespaces="*,!perfnb-manifest"', 'valid-before="20000101"',
                                     'valid-after="29990101"', 'valid-after="20000101Z"',
                                     "valid-after=20000101", "cert-authority", "foo"])
def test_allowed_signers_options_agree_with_ssh_keygen(archive, tmp_path, capsys, options):
    allowed = _allowed(tmp_path, archive, options)
    out = archive["out"]
    with open(out / MANIFEST_NAME, "rb") as manifest:
        theirs = subprocess.run([SSH_KEYGEN, "-Y", "verify", "-f", str(allowed), "-I", "perfnb",
                                 "-n", signing.MANIFEST_NAMESPACE, "-s",
                                 str(out / SIGNATURE_NAME)], stdin=manifest,
                                capture_output=True).returncode == 0
    capsys.readouterr()
    try:
        trust = signing.trust_set(allowed)
    except signing.KeyFileError:
        ours = False  # no usable line left
    else:
        parsed = signing.verify_signature((out / SIGNATURE_NAME).read_bytes(),
                                          (out / MANIFEST_NAME).read_bytes(),
                                          signing.MANIFEST_NAMESPACE)
        ours = trust.vouches(parsed.public_key, signing.MANIFEST_NAMESPACE)[0]
    assert ours == theirs, (options, ours, theirs)
