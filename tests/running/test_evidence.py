"""Evidence that proves itself: signed manifests, the run ledger, cross-checks, faults.

Everything here works on copies of the one three-unit batch of test_batch.py (built once per
session, shared by the xdist workers), signed once with ``perfnb sign``: no test executes a
notebook.  Reruns skip every unit (nothing changed), so a fault costs a second or two.
"""
from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from perfnb.cli import main
from perfnb.running import ledger, signing
from perfnb.running.manifest import MANIFEST_NAME, SIGNATURE_NAME, Manifest
from perfnb.running.planning import unit_up_to_date
from test_batch import NASTY_UNIT_ID, batch  # noqa: F401  (the shared batch fixture)

LEDGER = ledger.LEDGER_NAME
NMG = "nmg-rd-2022-rdlz"


@pytest.fixture(scope="session")
def signed(batch, tmp_path_factory, worker_id):  # noqa: F811
    """The shared batch, copied and signed once (``perfnb sign``), with its key pair."""
    base = tmp_path_factory.getbasetemp()
    root = (base.parent if worker_id != "master" else base) / "perfnb-shared-signed"
    root.mkdir(exist_ok=True)
    with open(root / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (root / "done").exists():
            shutil.copytree(batch["out"], root / "out")
            assert main(["keygen", "--out", str(root / "key")]) == 0
            assert main(["sign", str(root / "out"), "--key", str(root / "key")]) == 0
            (root / "done").write_text("1")
    return {"out": root / "out", "key": root / "key", "pub": root / "key.pub",
            "inputs": batch["inputs"]}


@pytest.fixture
def archive(signed, tmp_path):
    """A private copy of the signed archive."""
    shutil.copytree(signed["out"], tmp_path / "out")
    return {**signed, "out": tmp_path / "out"}


@pytest.fixture
def other_key(tmp_path):
    path = tmp_path / "other"
    signing.generate_key(path, "伪造者")
    return path


def _verify(capsys, out, *extra) -> tuple[int, str]:
    capsys.readouterr()
    code = main(["verify", str(out), *map(str, extra)])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def _good_inputs(archive) -> list[str]:
    """The two units that passed: a rerun with them alone skips both, starts no kernel."""
    return [str(archive["inputs"] / "nasty.yaml"), str(archive["inputs"] / "nmg.yaml")]


def _batch(archive, *extra) -> int:
    return main(["batch", *_good_inputs(archive), "--out", str(archive["out"]),
                 "--formats", "html", *map(str, extra)])


def _manifest(out: Path) -> dict:
    return json.loads((out / MANIFEST_NAME).read_text(encoding="utf-8"))


def _write_manifest(out: Path, data: dict) -> None:
    (out / MANIFEST_NAME).write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n",
                                     encoding="utf-8")


def _entry(data: dict, unit_id: str) -> tuple[str, dict]:
    ((owner, entry),) = [(k, e) for k, e in data["units"].items() if e["unit_id"] == unit_id]
    return owner, entry


def _forge_total(out: Path, total: float = 99.99, update_manifest: bool = True) -> str:
    """Change the nmg unit's total in result.json; optionally update the manifest to match
    (its SHA-256, size and the entry's total), as a forger with a few lines of Python would."""
    data = _manifest(out)
    owner, entry = _entry(data, NMG)
    name = f"{entry['out_dir']}/result.json"
    result = json.loads((out / name).read_text(encoding="utf-8"))
    assert result["total"] != total
    result["total"] = total
    (out / name).write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n",
                            encoding="utf-8")
    if update_manifest:
        from perfnb.running.manifest import sha256_file
        data["files"][name].update(sha256=sha256_file(out / name), size=(out / name).stat().st_size)
        data["units"][owner]["total"] = total
        _write_manifest(out, data)
    return name


def _lines(out: Path) -> list[bytes]:
    return (out / LEDGER).read_bytes().splitlines()


# --- an untouched archive -------------------------------------------------------------------

def test_untouched_signed_archive_verifies_and_names_its_signer(archive, capsys, monkeypatch):
    fingerprint = signing.fingerprint(signing.load_public_keys(archive["pub"])[0])
    code, text = _verify(capsys, archive["out"], "--key", archive["pub"])
    assert code == 0, text
    assert f"签名有效：签名者密钥 {fingerprint}（受信任" in text and "校验通过" in text
    assert "运行记录 2 条" in text  # the batch's record and the signing's
    records = [json.loads(line) for line in _lines(archive["out"])]
    assert [r["kind"] for r in records] == ["batch", "sign"]
    assert records[0]["signer"] is None and records[1]["signer"] == fingerprint
    assert records[0]["units"] == {"passed": 2, "failed": 1, "skipped": 0}
    assert all(r["perfnb_version"] and len(r["perfnb_code_sha256"]) == 64 and r["host"]
               for r in records)
    # a trusted key configured once: environment variable, or the user's config file
    monkeypatch.setenv("PERFNB_TRUSTED_KEY", str(archive["pub"]))
    assert _verify(capsys, archive["out"])[0] == 0
    monkeypatch.delenv("PERFNB_TRUSTED_KEY")
    config = Path(os.environ["XDG_CONFIG_HOME"]) / "perfnb"
    config.mkdir(parents=True, exist_ok=True)
    (config / "trusted_keys").write_text("# 审计科\n" + archive["pub"].read_text())
    try:
        code, text = _verify(capsys, archive["out"])
        assert code == 0 and "受信任，来自" in text
    finally:
        (config / "trusted_keys").unlink()
    code, text = _verify(capsys, archive["out"])
    assert code == 0 and "未指定受信任的公钥" in text


@pytest.mark.skipif(shutil.which("ssh-keygen") is None,
                    reason="ssh-keygen (openssh-client) is not installed")
def test_third_party_checks_the_signature_with_ssh_keygen(archive, tmp_path):
    """The README's command line, verbatim in spirit: allowed_signers + ssh-keygen -Y verify."""
    allowed = tmp_path / "allowed_signers"
    allowed.write_text(f'perfnb namespaces="perfnb-manifest,perfnb-ledger" '
                       f'{archive["pub"].read_text().strip()}\n')
    out = archive["out"]

    def check(data: bytes, signature: Path, namespace: str) -> int:
        return subprocess.run(["ssh-keygen", "-Y", "verify", "-f", str(allowed), "-I", "perfnb",
                               "-n", namespace, "-s", str(signature)], input=data,
                              capture_output=True).returncode

    assert check((out / MANIFEST_NAME).read_bytes(), out / SIGNATURE_NAME, "perfnb-manifest") == 0
    last = json.loads(_lines(out)[-1])
    (tmp_path / "record.sig").write_text(last["signature"])
    assert check(ledger.canonical(last), tmp_path / "record.sig", "perfnb-ledger") == 0
    assert check((out / MANIFEST_NAME).read_bytes() + b"\n", out / SIGNATURE_NAME,
                 "perfnb-manifest") != 0


def test_unsigned_archive_verifies_its_hashes_and_says_it_is_unsigned(batch, tmp_path, capsys,  # noqa: F811
                                                                      signed):
    out = tmp_path / "out"
    shutil.copytree(batch["out"], out)
    code, text = _verify(capsys, out)
    assert code == 0 and "本存档未签名" in text and "校验通过" in text
    code, text = _verify(capsys, out, "--key", signed["pub"])
    assert code == 1 and "缺少签名" in text


# --- each tampering, detected and named -----------------------------------------------------

def test_flipped_byte_is_named(archive, capsys):
    report = next(archive["out"].rglob("report.html"))
    data = bytearray(report.read_bytes())
    data[len(data) // 2] ^= 0x01
    report.write_bytes(bytes(data))
    code, text = _verify(capsys, archive["out"], "--key", archive["pub"])
    assert code == 1 and "签名有效" in text
    assert f"已被改动：{report.relative_to(archive['out']).as_posix()}" in text


def test_result_json_changed_alone_is_caught_by_hash_and_by_the_notebook(archive, capsys):
    name = _forge_total(archive["out"], update_manifest=False)
    code, text = _verify(capsys, archive["out"])
    assert code == 1
    assert f"已被改动：{name}" in text
    assert "result.json 与已执行笔记本中的结果不一致" in text and "total" in text and "99.99" in text
    assert "存证清单记载为" in text  # the manifest entry's total too


def test_forged_manifest_entry_with_updated_hash(archive, capsys):
    """The issue's report: result.json 97.60 → 99.99 with its hash and size updated."""
    name = _forge_total(archive["out"])
    code, text = _verify(capsys, archive["out"], "--key", archive["pub"])
    assert code == 1 and "签名无效" in text and "已被改动" not in text  # stopped before any hash
    (archive["out"] / SIGNATURE_NAME).unlink()  # the forger drops the signature as well
    code, text = _verify(capsys, archive["out"], "--key", archive["pub"])
    assert code == 1 and "缺少签名" in text
    code, text = _verify(capsys, archive["out"])  # no key at all: the copies still disagree
    assert code == 1 and "已被改动" not in text
    assert f"{name.rsplit('/', 1)[0]}：result.json 与已执行笔记本中的结果不一致" in text
    assert "存证清单与最后一条运行记录不符" in text


def test_resigned_with_another_key_is_rejected_and_names_the_key(archive, other_key, capsys):
    out = archive["out"]
    _forge_total(out)
    forger = signing.load_private_key(other_key)
    manifest = Manifest.load(out)
    from perfnb.running.evidence import seal
    seal(out, manifest, forger, kind="sign")  # a perfect re-signing, ledger and all
    forged = signing.fingerprint(forger.public_key())
    code, text = _verify(capsys, out, "--key", archive["pub"])
    assert code == 1 and f"签名者不受信任：清单由密钥 {forged} 签名" in text
    code, text = _verify(capsys, out)  # without a key, the forged figure is still caught
    assert code == 1 and f"签名有效：签名者密钥 {forged}" in text
    assert "与已执行笔记本中的结果不一致" in text
    # perfnb sign refuses to sign a tampered archive
    capsys.readouterr()
    assert main(["sign", str(out), "--key", str(other_key)]) == 1
    assert "未签名：存档未通过校验" in capsys.readouterr().err


def test_deleted_reordered_or_rewritten_ledger_records_are_named(archive, capsys):
    out = archive["out"]
    original = _lines(out)
    assert len(original) == 2

    def ledger_with(lines):
        (out / LEDGER).write_bytes(b"".join(line + b"\n" for line in lines))
        return _verify(capsys, out, "--key", archive["pub"])

    code, text = ledger_with(original[1:])  # the first run's record deleted
    assert code == 1 and "运行记录第 1 行" in text and "序号是 2，应为 1" in text
    assert "哈希链不符" in text and "有记录被删除" in text
    code, text = ledger_with(original[:1])  # the last record deleted
    assert code == 1 and "存证清单与最后一条运行记录不符" in text and "现有 1 条" in text
    code, text = ledger_with(original[::-1])  # reordered
    assert code == 1 and "哈希链不符" in text
    first = json.loads(original[0])
    first["host"] = "另一台机器"
    code, text = ledger_with([json.dumps(first, ensure_ascii=False, sort_keys=True).encode(),
                              original[1]])  # an unsigned record rewritten
    assert code == 1 and "运行记录第 2 行" in text and "哈希链不符" in text
    last = json.loads(original[1])
    last["time"] = "2020-01-01T00:00:00.000+08:00"
    code, text = ledger_with([original[0], json.dumps(last, ensure_ascii=False).encode()])
    assert code == 1 and "运行记录第 2 行（2020-01-01" in text and "签名无效" in text
    code, text = ledger_with([original[0], original[1][:-40]])  # truncated
    assert code == 1 and "运行记录已损坏" in text
    (out / LEDGER).unlink()
    code, text = _verify(capsys, out, "--key", archive["pub"])
    assert code == 1 and "运行记录 ledger.jsonl 缺失或为空" in text


def test_input_hash_forged_in_the_manifest_is_caught_by_the_provenance(archive, capsys):
    data = _manifest(archive["out"])
    owner, entry = _entry(data, NMG)
    entry["inputs"][1]["sha256"] = "0" * 64
    _write_manifest(archive["out"], data)
    (archive["out"] / SIGNATURE_NAME).unlink()
    code, text = _verify(capsys, archive["out"])
    assert code == 1 and "输入文件“nmg-rd-2022-rdlz.xlsx”的哈希在存证清单与笔记本来源信息中不一致" in text


def test_corrupted_or_truncated_manifest(archive, capsys):
    path = archive["out"] / MANIFEST_NAME
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    code, text = _verify(capsys, archive["out"], "--key", archive["pub"])
    assert code == 1 and "签名无效" in text  # signed: the signature is checked first
    (archive["out"] / SIGNATURE_NAME).unlink()
    code, text = _verify(capsys, archive["out"])
    assert code == 2 and "无法读取" in text and "Traceback" not in text
    # a batch resumes from it by rerunning every unit (and says so), never by trusting it
    manifest, warning = Manifest.load_for_rerun(archive["out"])
    assert warning and "全部重新运行" in warning and not manifest.units
    from perfnb.running.planning import discover_inputs, plan_jobs
    jobs = plan_jobs(discover_inputs([str(archive["inputs"])], archive["out"]),
                     archive["out"], {"formats": ["html"]})
    assert jobs and not any(unit_up_to_date(job, manifest) for job in jobs)


# --- faults ---------------------------------------------------------------------------------

def _fail_fsync_on(monkeypatch, fragment: str, code: int = errno.ENOSPC):
    """os.fsync raises OSError(code) for files whose name contains ``fragment`` (as a full
    disk does when the data are flushed)."""
    real = os.fsync

    def fsync(fd):
        try:
            name = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            name = ""
        if fragment in Path(name).name:
            raise OSError(code, os.strerror(code), name)
        return real(fd)

    monkeypatch.setattr(os, "fsync", fsync)


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc/self/fd")
def test_disk_full_at_each_write_then_the_next_run_completes(archive, capsys, monkeypatch):
    out = archive["out"]
    for fragment in (MANIFEST_NAME, "summary.xlsx", SIGNATURE_NAME, LEDGER):
        before = (out / MANIFEST_NAME).read_bytes()
        with monkeypatch.context() as patch:
            _fail_fsync_on(patch, fragment)
            capsys.readouterr()
            assert _batch(archive, "--sign", archive["key"]) == 2, fragment
            err = capsys.readouterr().err
        assert "磁盘空间已满" in err and "Traceback" not in err, err
        assert not list(out.rglob("*.tmp")), fragment
        code, text = _verify(capsys, out, "--key", archive["pub"])
        if fragment == MANIFEST_NAME:
            # The very first write failed, so nothing changed: a signing batch keeps the old
            # signature until it has a signed replacement, and the previous sealed archive
            # stands (it used to be unsigned at this point, which an attacker could mimic).
            assert (out / MANIFEST_NAME).read_bytes() == before and code == 0, text
        else:
            assert code == 1, (fragment, text)  # an unfinished run never passes as complete
    assert _batch(archive, "--sign", archive["key"]) == 0
    code, text = _verify(capsys, out, "--key", archive["pub"])
    assert code == 0, text
    assert [json.loads(line)["kind"] for line in _lines(out)] == ["batch", "sign", "batch"]


def _read_only(monkeypatch, directory: Path) -> None:
    """Make ``directory`` read-only; as root (who ignores modes), also refuse writes the way
    a read-only file system does."""
    os.chmod(directory, 0o555)
    if os.geteuid() != 0:
        return
    real_open, real_os_open, real_mkdir = open, os.open, os.mkdir
    inside = str(directory.resolve())

    def refused(path) -> bool:
        return str(Path(path).resolve()).startswith(inside)

    def fake_open(file, mode="r", *args, **kwargs):
        if isinstance(file, (str, os.PathLike)) and any(c in mode for c in "wax+") and refused(file):
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(file))
        return real_open(file, mode, *args, **kwargs)

    def fake_os_open(path, flags, *args, **kwargs):
        if flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT) and refused(path):
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(path))
        return real_os_open(path, flags, *args, **kwargs)

    def fake_mkdir(path, *args, **kwargs):
        if refused(path) and not Path(path).exists():
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(path))
        return real_mkdir(path, *args, **kwargs)

    import builtins
    monkeypatch.setattr(builtins, "open", fake_open)
    monkeypatch.setattr(os, "open", fake_os_open)
    monkeypatch.setattr(os, "mkdir", fake_mkdir)


def test_read_only_output_folder_exits_2_and_changes_nothing(archive, capsys, monkeypatch,
                                                             tmp_path):
    out = archive["out"]
    before = {p: p.read_bytes() for p in out.iterdir() if p.is_file()}
    try:
        with monkeypatch.context() as patch:
            _read_only(patch, out)
            capsys.readouterr()
            assert _batch(archive, "--sign", archive["key"]) == 2
            err = capsys.readouterr().err
            new = tmp_path / "parent"
            new.mkdir()
            _read_only(patch, new)
            assert main(["batch", *_good_inputs(archive), "--out", str(new / "out")]) == 2
            err2 = capsys.readouterr().err
    finally:
        os.chmod(out, 0o755)
        os.chmod(tmp_path / "parent", 0o755)
    assert "目录只读或没有写入权限" in err and "Traceback" not in err
    assert "目录只读或没有写入权限" in err2
    assert {p: p.read_bytes() for p in out.iterdir() if p.is_file()} == before
    assert _verify(capsys, out, "--key", archive["pub"])[0] == 0


def test_damaged_ledger_stops_the_batch_before_any_change(archive, capsys):
    out = archive["out"]
    lines = _lines(out)
    (out / LEDGER).write_bytes(lines[0] + b"\n" + lines[1][:25])
    manifest_before = (out / MANIFEST_NAME).read_bytes()
    capsys.readouterr()
    assert _batch(archive, "--sign", archive["key"]) == 2
    err = capsys.readouterr().err
    assert "运行记录" in err and "不完整" in err and "perfnb verify" in err
    assert (out / MANIFEST_NAME).read_bytes() == manifest_before
    assert (out / SIGNATURE_NAME).is_file()


# kill -9 at chosen moments: a small driver replaces one function with "SIGKILL myself"
KILL_DRIVER = textwrap.dedent("""
    import os, signal, sys
    import perfnb.fsutil, perfnb.running.evidence, perfnb.running.manifest
    point = sys.argv[1]

    def die(*args, **kwargs):
        os.kill(os.getpid(), signal.SIGKILL)

    if point == "first-manifest-save":
        perfnb.running.manifest.Manifest.save = die
    elif point == "before-signature":
        real = perfnb.running.evidence.atomic_write_text
        perfnb.running.evidence.atomic_write_text = die
    elif point == "ledger-rename":
        real_replace = os.replace
        def replace(src, dst, *a, **k):
            if str(dst).endswith("ledger.jsonl"):
                die()
            return real_replace(src, dst, *a, **k)
        os.replace = replace
    from perfnb.cli import main
    sys.exit(main(sys.argv[2:]))
""")


def test_kill_9_at_several_moments_then_the_next_run_completes(archive, capsys, tmp_path):
    out = archive["out"]
    command = ["batch", *_good_inputs(archive), "--out", str(out), "--formats", "html",
               "--sign", str(archive["key"])]
    for point in ("first-manifest-save", "before-signature", "ledger-rename"):
        log = tmp_path / f"{point}.log"
        with open(log, "wb") as handle:
            process = subprocess.Popen([sys.executable, "-c", KILL_DRIVER, point, *command],
                                       stdout=handle, stderr=handle, start_new_session=True)
            try:
                assert process.wait(timeout=300) == -signal.SIGKILL, log.read_text()
            finally:
                with pytest.raises(ProcessLookupError):  # leave no orphans behind
                    for _ in range(50):
                        os.killpg(process.pid, signal.SIGKILL)
                        time.sleep(0.1)
        code, text = _verify(capsys, out, "--key", archive["pub"])
        if point == "first-manifest-save":  # killed before any change: the old archive stands
            assert code == 0, (point, text)
        else:
            assert code == 1, (point, text)  # never presented as complete
        Manifest.load(out)  # the manifest on disk is always a whole one
    assert _batch(archive, "--sign", archive["key"]) == 0  # the next run resumes and seals
    code, text = _verify(capsys, out, "--key", archive["pub"])
    assert code == 0, text
    assert not list(out.rglob("*.tmp"))
    manifest = _manifest(out)
    assert {e["unit_id"] for e in manifest["units"].values()} == {NASTY_UNIT_ID, "broken-1", NMG}
    assert [json.loads(line)["kind"] for line in _lines(out)] == ["batch", "sign", "batch"]


def test_a_bad_signing_key_stops_the_batch_before_any_change(archive, capsys):
    before = (archive["out"] / MANIFEST_NAME).read_bytes()
    capsys.readouterr()
    assert _batch(archive, "--sign", archive["pub"]) == 2
    assert "是公钥，签名需要私钥" in capsys.readouterr().err
    assert _batch(archive, "--sign", archive["out"] / "nowhere") == 2
    assert "无法读取签名私钥" in capsys.readouterr().err
    assert (archive["out"] / MANIFEST_NAME).read_bytes() == before


def test_disk_full_inside_a_unit_fails_that_unit_in_chinese(tmp_path, monkeypatch):
    """A worker that meets ENOSPC while writing a unit's files reports the unit as failed
    (so the next run redoes it), in Chinese, instead of an internal error."""
    import perfnb.running.runner
    from perfnb.running.execution import execute_unit

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(tmp_path / "report.html"))

    monkeypatch.setattr(perfnb.running.runner, "run_unit", full)
    outcome = execute_unit({"input_path": "x.yaml", "out_root": str(tmp_path), "key": "部门/单位",
                            "formats": ["html"], "rules": None})
    assert outcome["status"] == "failed" and outcome["files"] == []
    assert "磁盘空间已满" in outcome["message"] and "内部错误" not in outcome["message"]


def _children() -> dict[int, list[int]]:
    found: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z":
            found.setdefault(int(fields[1]), []).append(int(entry.name))
    return found


def _running(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _descendants(pid: int) -> list[int]:
    children, found, todo = _children(), [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


@pytest.mark.skipif(not Path("/proc/self/stat").is_file(), reason="needs /proc")
def test_kill_9_of_the_batch_leaves_no_worker_or_kernel_running(tmp_path):
    """Its workers would otherwise go on writing into the output folder while the next
    run starts (multiprocessing's fork server outlives the batch for as long as they do)."""
    params = Path(__file__).resolve().parents[2] / "params"
    command = [sys.executable, "-m", "perfnb.cli", "batch", str(params / "007.yaml"),
               "--out", str(tmp_path / "out"), "--formats", "html", "--jobs", "1"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    snapshot: list[int] = []
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:  # until a unit's kernel runs (a fork server's child)
            tree = _children()
            servers = [p for p in _descendants(process.pid)
                       if b"_fork_server_main" in Path(f"/proc/{p}/cmdline").read_bytes()]
            if any(tree.get(server) for server in servers):
                break
            assert process.poll() is None, "the batch ended before it could be killed"
            time.sleep(0.1)
        snapshot = _descendants(process.pid)
        assert len(snapshot) >= 4  # fork server, worker, kernel fork server, kernel (…)
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            alive = [pid for pid in snapshot if _running(pid)]
            if not alive:
                break
            time.sleep(0.2)
        assert not alive, f"still running after the batch was killed: {alive}"
    finally:
        for pid in snapshot:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
