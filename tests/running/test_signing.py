"""Ed25519 keys and OpenSSH SSHSIG signatures: a pinned known answer made by ssh-keygen,
interoperability with the real ssh-keygen (when installed), rejection of every alteration."""
from __future__ import annotations

import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from perfnb.cli import main
from perfnb.running import signing

SSH_KEYGEN = shutil.which("ssh-keygen")
needs_ssh_keygen = pytest.mark.skipif(
    SSH_KEYGEN is None, reason="ssh-keygen (openssh-client) is not installed: the format is still "
                               "checked by the known-answer test")

# Made once with OpenSSH 9.2 (`ssh-keygen -Y sign -f kat -n perfnb-manifest katmsg`) for the
# Ed25519 key whose seed is bytes 0..31; Ed25519 and SSHSIG are deterministic, so perfnb must
# produce these exact bytes.
KAT_SEED = bytes(range(32))
KAT_MESSAGE = "perfnb 已知答案测试\n".encode("utf-8")
KAT_SIGNATURE = (
    "-----BEGIN SSH SIGNATURE-----\n"
    "U1NIU0lHAAAAAQAAADMAAAALc3NoLWVkMjU1MTkAAAAgA6EHv/POEL4dcN0Y50vAmWfk1j\n"
    "CbpQ1fHdyGZBJVMbgAAAAPcGVyZm5iLW1hbmlmZXN0AAAAAAAAAAZzaGE1MTIAAABTAAAA\n"
    "C3NzaC1lZDI1NTE5AAAAQNnAdtgtp8IE55wzyMT5R0Si5WxZMdxkpfyppkc1HaGneR7bRX\n"
    "eB++M0K/j3TlH/wAwx3WxrxU9dd5NcrB5nPQw=\n"
    "-----END SSH SIGNATURE-----\n")
KAT_PUBLIC = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAOhB7/zzhC+HXDdGOdLwJln5NYwm6UNXx3chmQSVTG4"
KAT_FINGERPRINT = "SHA256:lbmsoA0yIEcEiVDRnMWuzm+nV+3ZEEpVIURqFoeSspg"  # ssh-keygen -l


def _kat_key():
    return Ed25519PrivateKey.from_private_bytes(KAT_SEED)


def test_signature_equals_ssh_keygen_known_answer():
    key = _kat_key()
    assert signing.sign(key, KAT_MESSAGE, "perfnb-manifest") == KAT_SIGNATURE
    assert signing.public_key_line(key.public_key()) == KAT_PUBLIC
    assert signing.fingerprint(key.public_key()) == KAT_FINGERPRINT
    parsed = signing.verify_signature(KAT_SIGNATURE, KAT_MESSAGE, "perfnb-manifest")
    assert parsed.fingerprint == KAT_FINGERPRINT and parsed.hash_algorithm == "sha512"


def test_every_alteration_is_rejected():
    with pytest.raises(signing.SignatureError, match="签名后被改动"):
        signing.verify_signature(KAT_SIGNATURE, KAT_MESSAGE + b" ", "perfnb-manifest")
    with pytest.raises(signing.SignatureError, match="命名空间"):
        signing.verify_signature(KAT_SIGNATURE, KAT_MESSAGE, "perfnb-ledger")
    lines = KAT_SIGNATURE.splitlines()
    body = list(lines[3])
    body[20] = "A" if body[20] != "A" else "B"  # a flipped character inside the signature bytes
    flipped = "\n".join(lines[:3] + ["".join(body)] + lines[4:]) + "\n"
    with pytest.raises(signing.SignatureError):
        signing.verify_signature(flipped, KAT_MESSAGE, "perfnb-manifest")
    with pytest.raises(signing.SignatureError, match="BEGIN"):
        signing.verify_signature("not a signature", KAT_MESSAGE, "perfnb-manifest")
    with pytest.raises(signing.SignatureError):
        signing.verify_signature("\n".join(lines[:2] + lines[-1:]), KAT_MESSAGE, "perfnb-manifest")
    # another key's valid signature verifies, but names the other key
    other = Ed25519PrivateKey.generate()
    parsed = signing.verify_signature(signing.sign(other, KAT_MESSAGE, "perfnb-manifest"),
                                      KAT_MESSAGE, "perfnb-manifest")
    assert parsed.fingerprint != KAT_FINGERPRINT
    assert not signing.same_key(parsed.public_key, _kat_key().public_key())


def test_keygen_writes_a_0600_key_never_printed_and_refuses_to_overwrite(tmp_path, capsys):
    path = tmp_path / "keys" / "perfnb_ed25519"
    assert main(["keygen", "--out", str(path), "--comment", "审计科"]) == 0
    printed = capsys.readouterr().out
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    private_text = path.read_text()
    assert private_text.startswith("-----BEGIN OPENSSH PRIVATE KEY-----")
    body = "".join(private_text.splitlines()[1:-1])
    assert "PRIVATE" not in printed and body[:40] not in printed and body[-40:] not in printed
    key = signing.load_private_key(path)
    public = signing.load_public_keys(path.with_name(path.name + ".pub"))[0]
    assert signing.same_key(key.public_key(), public)
    assert signing.fingerprint(public) in printed
    assert path.with_name(path.name + ".pub").read_text().rstrip().endswith("审计科")
    assert main(["keygen", "--out", str(path)]) == 2
    assert "已存在" in capsys.readouterr().err
    assert signing.load_private_key(path).private_bytes_raw() == key.private_bytes_raw()
    assert not [p for p in path.parent.iterdir() if p.name.endswith(".tmp")]


def test_default_key_lives_in_the_user_config_dir(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    assert main(["keygen"]) == 0
    assert (tmp_path / "cfg" / "perfnb" / "perfnb_ed25519").is_file()
    capsys.readouterr()


def test_unusable_keys_are_explained_in_chinese(tmp_path):
    public = tmp_path / "k.pub"
    public.write_text(KAT_PUBLIC + "\n")
    with pytest.raises(signing.KeyFileError, match="是公钥"):
        signing.load_private_key(public)
    with pytest.raises(signing.KeyFileError, match="无法读取"):
        signing.load_private_key(tmp_path / "nowhere")
    rsa_like = tmp_path / "trusted"
    rsa_like.write_text("ssh-rsa AAAAB3NzaC1yc2E= someone\n")
    with pytest.raises(signing.KeyFileError, match="第 1 行不是 Ed25519 公钥"):
        signing.load_public_keys(rsa_like)
    # allowed_signers lines and comments are accepted as a trusted-key list
    allowed = tmp_path / "allowed_signers"
    allowed.write_text(f'# 审计科\nperfnb namespaces="perfnb-manifest" {KAT_PUBLIC}\n')
    (key,) = signing.load_public_keys(allowed)
    assert signing.fingerprint(key) == KAT_FINGERPRINT


def _write_private(path: Path, key) -> None:
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                       serialization.PrivateFormat.OpenSSH,
                                       serialization.NoEncryption()))
    os.chmod(path, 0o600)


@needs_ssh_keygen
def test_real_ssh_keygen_verifies_our_signatures_and_we_verify_its(tmp_path):
    key = _kat_key()
    message = tmp_path / "manifest.json"
    message.write_bytes('{"清单": 1}\n'.encode())
    (tmp_path / "manifest.json.sig").write_text(signing.sign(key, message.read_bytes(),
                                                             "perfnb-manifest"))
    allowed = tmp_path / "allowed_signers"
    allowed.write_text(f'perfnb namespaces="perfnb-manifest" {KAT_PUBLIC}\n')
    command = [SSH_KEYGEN, "-Y", "verify", "-f", str(allowed), "-I", "perfnb",
               "-n", "perfnb-manifest", "-s", str(tmp_path / "manifest.json.sig")]
    done = subprocess.run(command, input=message.read_bytes(), capture_output=True)
    assert done.returncode == 0, done.stderr
    assert KAT_FINGERPRINT.encode() in done.stdout + done.stderr
    tampered = subprocess.run(command, input=message.read_bytes() + b" ", capture_output=True)
    assert tampered.returncode != 0
    # the other way: a key made and a signature written by ssh-keygen itself
    theirs = tmp_path / "id_ed25519"
    (tmp_path / "manifest.json.sig").unlink()
    subprocess.run([SSH_KEYGEN, "-q", "-t", "ed25519", "-N", "", "-f", str(theirs)], check=True)
    subprocess.run([SSH_KEYGEN, "-Y", "sign", "-f", str(theirs), "-n", "perfnb-manifest",
                    str(message)], check=True, capture_output=True)
    parsed = signing.verify_signature((tmp_path / "manifest.json.sig").read_text(),
                                      message.read_bytes(), "perfnb-manifest")
    (their_public,) = signing.load_public_keys(theirs.with_suffix(".pub"))
    assert signing.same_key(parsed.public_key, their_public)
    assert signing.same_key(signing.load_private_key(theirs).public_key(), their_public)
    listed = subprocess.run([SSH_KEYGEN, "-l", "-f", str(theirs.with_suffix(".pub"))],
                            capture_output=True, text=True, check=True).stdout
    assert signing.fingerprint(their_public) in listed
