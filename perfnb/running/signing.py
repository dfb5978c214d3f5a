"""Ed25519 keys and OpenSSH signatures (SSHSIG) for the evidence of a batch.

A batch's ``manifest.json`` is signed into ``manifest.json.sig`` and each record of
``ledger.jsonl`` carries a signature of its own.  The format is OpenSSH's "SSHSIG"
(``PROTOCOL.sshsig`` in the OpenSSH sources), the one ``ssh-keygen -Y sign`` writes, so a
third party checks a manifest without perfnb::

    ssh-keygen -Y verify -f allowed_signers -I perfnb -n perfnb-manifest \\
        -s manifest.json.sig < manifest.json

Keys are OpenSSH files too: ``perfnb keygen`` writes an unencrypted Ed25519 private key
(``-----BEGIN OPENSSH PRIVATE KEY-----``, mode 0600) and its ``.pub`` line; a key made by
``ssh-keygen -t ed25519`` works as well (a passphrase is read from
``PERFNB_KEY_PASSPHRASE``).  The signature blob is built here from the `cryptography`
package's Ed25519 primitive; :func:`verify_signature` checks it the way ssh-keygen does
(magic, version, namespace, hash algorithm, key type, signature).

Trusted public keys (whose signatures ``perfnb verify`` accepts as the archive's signer):
``--key PUB``, else the file named by ``PERFNB_TRUSTED_KEY``, else
``$XDG_CONFIG_HOME/perfnb/trusted_keys`` (``~/.config/perfnb/trusted_keys``), each holding one
or more OpenSSH public-key lines (``ssh-ed25519 AAAA… comment``; allowed_signers lines work).
"""
from __future__ import annotations

import base64
import contextlib
import fnmatch
import hashlib
import os
import socket
import struct
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from perfnb.errors import PerfnbError

MAGIC = b"SSHSIG"
SIG_VERSION = 1
KEY_TYPE = "ssh-ed25519"
MANIFEST_NAMESPACE = "perfnb-manifest"
LEDGER_NAMESPACE = "perfnb-ledger"
ARMOR_BEGIN = "-----BEGIN SSH SIGNATURE-----"
ARMOR_END = "-----END SSH SIGNATURE-----"
DEFAULT_KEY_NAME = "perfnb_ed25519"
TRUSTED_KEYS_NAME = "trusted_keys"
TRUSTED_KEY_ENV = "PERFNB_TRUSTED_KEY"
PASSPHRASE_ENV = "PERFNB_KEY_PASSPHRASE"


class KeyFileError(PerfnbError):
    """A key file that cannot be used (exit 2)."""


class SignatureError(Exception):
    """A signature that does not verify; ``str()`` is the Chinese reason."""


# --- OpenSSH wire format -------------------------------------------------------------------

def _string(data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + data


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data, self.offset = data, 0

    def take(self, count: int) -> bytes:
        if self.offset + count > len(self.data):
            raise SignatureError("签名数据被截断")
        chunk = self.data[self.offset:self.offset + count]
        self.offset += count
        return chunk

    def uint32(self) -> int:
        return struct.unpack(">I", self.take(4))[0]

    def string(self) -> bytes:
        return self.take(self.uint32())

    def done(self) -> bool:
        return self.offset == len(self.data)


def public_key_blob(public_key) -> bytes:
    """The SSH wire encoding of an Ed25519 public key (``string "ssh-ed25519", string key``)."""
    from cryptography.hazmat.primitives import serialization
    if isinstance(public_key, TrustedKey):
        public_key = public_key.public_key
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return _string(KEY_TYPE.encode()) + _string(raw)


def fingerprint(public_key) -> str:
    """``SHA256:…`` as ``ssh-keygen -l`` prints it (unpadded base64 of SHA-256 of the blob)."""
    digest = hashlib.sha256(public_key_blob(public_key)).digest()
    return "SHA256:" + base64.b64encode(digest).decode("ascii").rstrip("=")


def public_key_line(public_key, comment: str = "") -> str:
    from cryptography.hazmat.primitives import serialization
    line = public_key.public_bytes(serialization.Encoding.OpenSSH,
                                   serialization.PublicFormat.OpenSSH).decode("ascii")
    return f"{line} {comment}".rstrip()


def _signed_data(message: bytes, namespace: str, hash_algorithm: str) -> bytes:
    digest = hashlib.new(hash_algorithm, message).digest()
    return (MAGIC + _string(namespace.encode()) + _string(b"") + _string(hash_algorithm.encode())
            + _string(digest))


def sign(private_key, message: bytes, namespace: str) -> str:
    """An armored SSHSIG signature of ``message`` (the text ``ssh-keygen -Y sign`` writes)."""
    blob_sig = private_key.sign(_signed_data(message, namespace, "sha512"))
    blob = (MAGIC + struct.pack(">I", SIG_VERSION)
            + _string(public_key_blob(private_key.public_key()))
            + _string(namespace.encode()) + _string(b"") + _string(b"sha512")
            + _string(_string(KEY_TYPE.encode()) + _string(blob_sig)))
    text = base64.b64encode(blob).decode("ascii")
    lines = [text[i:i + 70] for i in range(0, len(text), 70)]
    return "\n".join([ARMOR_BEGIN, *lines, ARMOR_END]) + "\n"


@dataclass
class Signature:
    """A parsed SSHSIG signature."""

    public_key: object
    namespace: str
    hash_algorithm: str
    signature: bytes

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.public_key)


def parse_signature(armored: str | bytes) -> Signature:
    """Parse an armored SSHSIG signature; :class:`SignatureError` if it is not one."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    if isinstance(armored, bytes):
        try:
            armored = armored.decode("ascii")
        except UnicodeDecodeError as error:
            raise SignatureError("签名文件不是 OpenSSH 签名（含非 ASCII 字符）") from error
    text = armored.strip()
    if not (text.startswith(ARMOR_BEGIN) and text.endswith(ARMOR_END)):
        raise SignatureError("签名文件不是 OpenSSH 签名（缺少 BEGIN/END SSH SIGNATURE 标记）")
    body = "".join(text[len(ARMOR_BEGIN):-len(ARMOR_END)].split())
    try:
        blob = base64.b64decode(body, validate=True)
    except ValueError as error:
        raise SignatureError("签名文件的 base64 内容已损坏") from error
    reader = _Reader(blob)
    if reader.take(6) != MAGIC:
        raise SignatureError("签名数据的开头不是 SSHSIG")
    if reader.uint32() != SIG_VERSION:
        raise SignatureError("签名格式版本无法识别")
    key_blob = reader.string()
    namespace = reader.string().decode("utf-8", "replace")
    reader.string()  # reserved
    hash_algorithm = reader.string().decode("ascii", "replace")
    sig_blob = reader.string()
    if not reader.done():
        raise SignatureError("签名数据末尾有多余内容")
    key_reader = _Reader(key_blob)
    key_type = key_reader.string().decode("ascii", "replace")
    if key_type != KEY_TYPE:
        raise SignatureError(f"签名密钥类型为 {key_type}，perfnb 只支持 Ed25519（ssh-ed25519）")
    raw_key = key_reader.string()
    sig_reader = _Reader(sig_blob)
    if sig_reader.string().decode("ascii", "replace") != KEY_TYPE:
        raise SignatureError("签名算法与密钥类型不一致")
    raw_signature = sig_reader.string()
    if len(raw_key) != 32 or len(raw_signature) != 64:
        raise SignatureError("Ed25519 公钥或签名的长度不对")
    return Signature(Ed25519PublicKey.from_public_bytes(raw_key), namespace, hash_algorithm,
                     raw_signature)


def verify_signature(armored: str | bytes, message: bytes, namespace: str) -> Signature:
    """Check an SSHSIG signature of ``message`` in ``namespace``; return it parsed.

    Raises :class:`SignatureError` (Chinese reason) if it does not verify.  Whose key signed
    is for the caller to judge (see :func:`trusted_keys`).
    """
    from cryptography.exceptions import InvalidSignature

    parsed = parse_signature(armored)
    if parsed.namespace != namespace:
        raise SignatureError(f"签名的用途（命名空间）是“{parsed.namespace}”，应为“{namespace}”")
    if parsed.hash_algorithm not in ("sha256", "sha512"):
        raise SignatureError(f"签名使用了不支持的哈希算法“{parsed.hash_algorithm}”")
    try:
        parsed.public_key.verify(parsed.signature,
                                 _signed_data(message, namespace, parsed.hash_algorithm))
    except InvalidSignature as error:
        raise SignatureError("签名与内容不符（内容在签名后被改动，或签名被替换）") from error
    return parsed


# --- key files -------------------------------------------------------------------------------

def config_dir() -> Path:
    """perfnb's folder under the user's configuration directory."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "perfnb"


def default_key_path() -> Path:
    return config_dir() / DEFAULT_KEY_NAME


def _write_new(path: Path, data: bytes, mode: int) -> None:
    """Write a new file with ``mode`` from its first byte (never readable by others)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


def generate_key(path: str | os.PathLike, comment: str | None = None,
                 force: bool = False) -> tuple[Path, Path, object]:
    """Create an Ed25519 key pair: ``path`` (private, 0600) and ``path.pub``.

    Returns (private path, public path, public key).  Refuses to overwrite unless ``force``.
    """
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    path = Path(path).expanduser()
    public_path = path.with_name(path.name + ".pub")
    if path.is_dir():
        raise KeyFileError(f"“{path}”是一个文件夹。请给出私钥的文件名，例如 {path / DEFAULT_KEY_NAME}。")
    existing = [p for p in (path, public_path) if p.exists()]
    if existing and not force:
        raise KeyFileError(f"密钥文件“{existing[0]}”已存在，未覆盖。如确需换新密钥，请加 --force"
                        "（旧密钥签过的存档仍可用旧公钥校验）。")
    key = Ed25519PrivateKey.generate()
    comment = comment if comment is not None else f"perfnb@{socket.gethostname()}"
    private_bytes = key.private_bytes(serialization.Encoding.PEM,
                                      serialization.PrivateFormat.OpenSSH,
                                      serialization.NoEncryption())
    try:
        _write_new(path, private_bytes, 0o600)
        _write_new(public_path, (public_key_line(key.public_key(), comment) + "\n").encode(), 0o644)
    except OSError as error:
        raise KeyFileError(f"无法写入密钥文件“{path}”：{error.strerror or error}。"
                        "请检查该文件夹是否存在且可写。") from error
    return path, public_path, key.public_key()


def load_private_key(path: str | os.PathLike):
    """The Ed25519 private key in an OpenSSH (or PEM) file; :class:`KeyFileError` if unusable."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    path = Path(path).expanduser()
    try:
        data = path.read_bytes()
    except OSError as error:
        raise KeyFileError(f"无法读取签名私钥“{path}”：{error.strerror or error}。"
                        "请检查路径；新密钥可用 perfnb keygen 生成。") from error
    passphrase = os.environ.get(PASSPHRASE_ENV)
    password = passphrase.encode() if passphrase else None
    try:
        if b"OPENSSH PRIVATE KEY" in data:
            key = serialization.load_ssh_private_key(data, password)
        else:
            key = serialization.load_pem_private_key(data, password)
    except (ValueError, TypeError) as error:
        if b"ssh-ed25519" in data or data.lstrip().startswith(b"ssh-"):
            raise KeyFileError(f"“{path}”是公钥，签名需要私钥（不带 .pub 的那个文件）。") from error
        hint = (f"私钥有口令时，请用环境变量 {PASSPHRASE_ENV} 提供口令。"
                if password is None else f"请检查环境变量 {PASSPHRASE_ENV} 中的口令。")
        raise KeyFileError(f"“{path}”不是可用的私钥文件（{error}）。{hint}") from error
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyFileError(f"“{path}”不是 Ed25519 私钥。perfnb 只用 Ed25519 签名，"
                        "请用 perfnb keygen 或 ssh-keygen -t ed25519 生成。")
    return key


@dataclass
class TrustedKey:
    """One trusted public key and the restrictions of its allowed_signers line.

    ``namespaces``: the patterns of ``namespaces="…"`` (None: any namespace);
    ``valid_after`` / ``valid_before``: the ``valid-after=`` / ``valid-before=`` window
    (aware datetimes, None: open).  Checked as ``ssh-keygen -Y verify`` checks them: the
    namespace of the signature, and the time of verification (now).
    """

    public_key: object
    namespaces: list[str] | None = None
    valid_after: datetime | None = None
    valid_before: datetime | None = None
    principals: str | None = None
    where: str = ""

    def refusal(self, namespace: str, when: datetime | None = None) -> str | None:
        """Why this key may not vouch for a ``namespace`` signature at ``when`` (None: it may)."""
        when = when or datetime.now(timezone.utc)
        if self.namespaces is not None and not _match_pattern_list(namespace, self.namespaces):
            return (f"{self.where}限定该公钥只用于 namespaces=\"{','.join(self.namespaces)}\"，"
                    f"不包括“{namespace}”")
        if self.valid_after is not None and when < self.valid_after:
            return f"{self.where}限定该公钥自 {self.valid_after.isoformat()} 起才有效（valid-after）"
        if self.valid_before is not None and when >= self.valid_before:
            return f"{self.where}限定该公钥在 {self.valid_before.isoformat()} 前有效，现已过期（valid-before）"
        return None


def _match_pattern_list(name: str, patterns: list[str]) -> bool:
    """OpenSSH's match_pattern_list: ``*``/``?`` wildcards, a ``!`` pattern that matches
    refuses outright."""
    matched = False
    for pattern in patterns:
        negated = pattern.startswith("!")
        if fnmatch.fnmatchcase(name, pattern[1:] if negated else pattern):
            if negated:
                return False
            matched = True
    return matched


def _split_quoted(text: str, separator: str | None) -> list[str]:
    """Split ``text`` at ``separator`` (None: whitespace) outside double quotes."""
    parts, current, quoted = [], "", False
    for character in text:
        if character == '"':
            quoted = not quoted
            current += character
        elif not quoted and (character == separator or (separator is None and character.isspace())):
            if current:
                parts.append(current)
            current = ""
        else:
            current += character
    if current:
        parts.append(current)
    return parts


def _signer_time(value: str) -> datetime:
    """An allowed_signers time: YYYYMMDD[HHMM[SS]][Z] (local time unless Z), as ssh-keygen."""
    utc = value.endswith(("Z", "z"))
    digits = value[:-1] if utc else value
    formats = {8: "%Y%m%d", 12: "%Y%m%d%H%M", 14: "%Y%m%d%H%M%S"}
    if not digits.isdigit() or len(digits) not in formats:
        raise ValueError(value)
    moment = datetime.strptime(digits, formats[len(digits)])
    return moment.replace(tzinfo=timezone.utc) if utc else moment.astimezone()


def _is_key_type(token: str) -> bool:
    return token.startswith(("ssh-", "ecdsa-", "sk-")) or token.endswith("@openssh.com")


def parse_allowed_signers(text: str, source: str) -> tuple[list[TrustedKey], list[str]]:
    """The keys of a public-key file or an allowed_signers file, with their options, and
    Chinese warnings for the lines left out.

    A line is ``ssh-ed25519 AAAA… comment`` or ``principals [options] ssh-ed25519 AAAA…``.
    Options as ssh-keygen knows them: ``namespaces="…"``, ``valid-after="…"``,
    ``valid-before="…"`` (values in double quotes, as ssh-keygen requires) are kept and
    enforced; ``cert-authority`` lines are left out with a
    warning (perfnb verifies plain keys, never certificates, so such a line could not vouch
    for a perfnb signature under ssh-keygen either); an unknown option leaves its line out
    with a warning, as ssh-keygen refuses it.
    """
    from cryptography.hazmat.primitives import serialization

    keys, warnings = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = _split_quoted(line, None)
        where = f"“{source}”第 {number} 行"
        if KEY_TYPE not in parts:
            raise KeyFileError(f"{where}不是 Ed25519 公钥（应为 “ssh-ed25519 AAAA… 说明”）。")
        index = parts.index(KEY_TYPE)
        if index + 1 >= len(parts):
            raise KeyFileError(f"{where}缺少公钥内容。")
        if index > 2 or (index == 2 and _is_key_type(parts[0])):
            raise KeyFileError(f"{where}的格式无法识别（应为 “身份 [选项] ssh-ed25519 AAAA…”）。")
        entry = TrustedKey(None, principals=parts[0] if index else None, where=where)
        options = _split_quoted(parts[1], ",") if index == 2 else []
        refused = None
        for option in options:
            name, equals, value = option.partition("=")
            name = name.lower()
            if equals and not (len(value) >= 2 and value.startswith('"') and value.endswith('"')):
                refused = f"的选项“{option}”的值没有加双引号，已忽略该行（ssh-keygen 同样拒绝）"
                break
            value = value[1:-1]
            try:
                if name == "namespaces" and value:
                    entry.namespaces = [item.strip() for item in value.split(",") if item.strip()]
                elif name == "valid-after" and value:
                    entry.valid_after = _signer_time(value)
                elif name == "valid-before" and value:
                    entry.valid_before = _signer_time(value)
                elif name == "cert-authority" and not value:
                    refused = ("是证书颁发机构（cert-authority）行：perfnb 的签名不用 OpenSSH 证书，"
                               "该行不能为其作证，已忽略")
                else:
                    refused = f"有无法识别的选项“{option}”，已忽略该行（ssh-keygen 同样拒绝）"
            except ValueError:
                refused = (f"的时间“{value}”无法识别（应为 YYYYMMDD、YYYYMMDDHHMM 或 "
                           "YYYYMMDDHHMMSS，可加 Z 表示 UTC），已忽略该行")
            if refused:
                break
        if refused:
            warnings.append(f"{where}{refused}。")
            continue
        try:
            entry.public_key = serialization.load_ssh_public_key(
                f"{KEY_TYPE} {parts[index + 1]}".encode("ascii"))
        except (ValueError, UnicodeEncodeError) as error:
            raise KeyFileError(f"{where}的公钥已损坏（{error}）。") from error
        keys.append(entry)
    return keys, warnings


def parse_public_keys(text: str, source: str) -> list:
    """Every ``ssh-ed25519 AAAA…`` key in ``text`` (public-key or allowed_signers lines)."""
    return [entry.public_key for entry in parse_allowed_signers(text, source)[0]]


def _read_key_text(path: Path) -> str:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise KeyFileError(f"无法读取公钥文件“{path}”：{getattr(error, 'strerror', None) or error}。"
                        "请检查路径（公钥文件通常以 .pub 结尾）。") from error
    if "PRIVATE KEY" in text:
        raise KeyFileError(f"“{path}”是私钥。校验只需要公钥（.pub 文件），私钥不要交给他人。")
    return text


def load_public_keys(path: str | os.PathLike) -> list:
    """The public keys in a file (a ``.pub`` file, a list, an allowed_signers file)."""
    return [entry.public_key for entry in load_trusted_keys(path)[0]]


def load_trusted_keys(path: str | os.PathLike) -> tuple[list[TrustedKey], list[str]]:
    """The trusted keys of a file, with their allowed_signers options, and warnings."""
    path = Path(path).expanduser()
    keys, warnings = parse_allowed_signers(_read_key_text(path), str(path))
    if not keys:
        raise KeyFileError(f"公钥文件“{path}”中没有可用的公钥。" + "".join(warnings))
    return keys, warnings


@dataclass
class TrustSet:
    """The trusted keys in effect, where they came from, and warnings about left-out lines."""

    keys: list[TrustedKey]
    source: str | None
    warnings: list[str]

    def vouches(self, public_key, namespace: str) -> tuple[bool, str | None]:
        """(trusted, why not): is ``public_key`` a trusted key for ``namespace`` now?"""
        reasons = []
        for entry in self.keys:
            if same_key(entry.public_key, public_key):
                reason = entry.refusal(namespace)
                if reason is None:
                    return True, None
                reasons.append(reason)
        return False, ("；".join(reasons) or None)


def trust_set(given: str | os.PathLike | None = None) -> TrustSet:
    """The trusted keys: ``--key``, ``$PERFNB_TRUSTED_KEY``, or the config file (else none)."""
    if given:
        keys, warnings = load_trusted_keys(given)
        return TrustSet(keys, str(given), warnings)
    from_env = os.environ.get(TRUSTED_KEY_ENV)
    if from_env:
        keys, warnings = load_trusted_keys(from_env)
        return TrustSet(keys, f"环境变量 {TRUSTED_KEY_ENV}（{from_env}）", warnings)
    configured = config_dir() / TRUSTED_KEYS_NAME
    if configured.is_file():
        keys, warnings = load_trusted_keys(configured)
        return TrustSet(keys, str(configured), warnings)
    return TrustSet([], None, [])


def trusted_keys(given: str | os.PathLike | None = None) -> tuple[list, str | None]:
    """(keys, where they came from): ``--key``, ``$PERFNB_TRUSTED_KEY``, or the config file.

    ([], None) when none is configured.  The keys are :class:`TrustedKey` entries.
    """
    found = trust_set(given)
    return found.keys, found.source


def same_key(a, b) -> bool:
    a = a.public_key if isinstance(a, TrustedKey) else a
    b = b.public_key if isinstance(b, TrustedKey) else b
    return public_key_blob(a) == public_key_blob(b)
