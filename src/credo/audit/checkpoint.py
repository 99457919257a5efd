"""Signed checkpoints of the audit log's head (issue 11): the head anchored outside the
database, so that someone able to rewrite the whole log and its head is still caught.

``credo audit checkpoint`` verifies the log and the data, then signs ``(seq, hash)`` of the head
with an Ed25519 key kept in a file outside the database, writes the signed checkpoint to a
file and records it in the log (``audit.checkpoint``), whence ``GET /v1/audit/checkpoint``
publishes the newest one. Anyone who kept a copy verifies later with ``credo audit verify
--checkpoint FILE``: the signature must be good (and by the key they trust, when given), and
entry ``seq`` of today's log must still have that hash; a rewritten log cannot, and only the
key's holder can sign a new checkpoint.

The signed text is the checkpoint's canonical JSON (sorted keys, no ``signature``)."""

from __future__ import annotations

import base64
import hashlib
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import Connection

from credo.audit import repository
from credo.audit import service as audit
from credo.audit.integrity import AuditedData
from credo.errors import Conflict, ValidationFailed

ACTION = "audit.checkpoint"
FORMAT = "credo-audit-checkpoint/1"


# -- keys -----------------------------------------------------------------------------------


def load_or_create_key(path: Path) -> Ed25519PrivateKey:
    """The signing key from ``path`` (PEM, PKCS #8); a new one, readable by its owner only,
    when the file does not exist yet."""
    if path.exists():
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValidationFailed(f"{path} does not hold an Ed25519 private key")
        return key
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(pem)
    return key


def public_key_text(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    """The raw 32-byte public key in base64: what a verifier pins."""
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode()


def key_id(public_key: str) -> str:
    return hashlib.sha256(base64.b64decode(public_key)).hexdigest()[:16]


# -- writing --------------------------------------------------------------------------------


def signed_text(checkpoint: dict[str, Any]) -> bytes:
    body = {k: v for k, v in checkpoint.items() if k != "signature"}
    return orjson.dumps(body, option=orjson.OPT_SORT_KEYS)


def write_checkpoint(
    conn: Connection, key: Ed25519PrivateKey, at: datetime, data: AuditedData | None
) -> dict[str, Any]:
    """Verify the log (and, given ``data``, the rows it vouches for), sign its head and record
    the checkpoint in the log (in ``conn``'s transaction). Refuses to vouch for a log that
    does not verify."""
    result = audit.verify(conn, data=data)
    if result.broken is not None:
        raise Conflict(
            f"the audit log does not verify ({result.broken.problem} at entry "
            f"{result.broken.seq}: {result.broken.detail}); no checkpoint signed",
            code="audit_log_broken",
        )
    head = repository.head(conn)
    if head is None:
        raise Conflict("the audit log is empty; there is no head to sign", code="audit_log_empty")
    public = public_key_text(key)
    checkpoint: dict[str, Any] = {
        "format": FORMAT,
        "seq": head[0],
        "hash": head[1],
        "signed_at": audit.timestamp(at),
        "public_key": public,
        "key_id": key_id(public),
    }
    checkpoint["signature"] = base64.b64encode(key.sign(signed_text(checkpoint))).decode()
    audit.append(conn, "auditor:checkpoint", ACTION, None, checkpoint, at)
    return checkpoint


def latest(conn: Connection) -> dict[str, Any] | None:
    """The newest checkpoint recorded in the log (what the public page shows)."""
    entry = repository.last_entry_with_action(conn, ACTION)
    return dict(orjson.loads(entry["payload"])) if entry is not None else None


# -- verifying ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CheckpointCheck:
    ok: bool
    seq: int | None
    key_id: str | None
    problem: str | None = None  # bad_signature | untrusted_key | entry_missing | hash_mismatch


def verify_checkpoint(
    conn: Connection, checkpoint: dict[str, Any], trusted_key: str | None = None
) -> CheckpointCheck:
    """Is ``checkpoint`` signed (by ``trusted_key`` when given, base64 raw) and does today's
    log still hold its head? The chain itself is checked by ``audit.verify``."""
    try:
        seq, digest = int(checkpoint["seq"]), str(checkpoint["hash"])
        public = str(checkpoint["public_key"])
        signature = base64.b64decode(str(checkpoint["signature"]))
        key = Ed25519PublicKey.from_public_bytes(base64.b64decode(public))
        key.verify(signature, signed_text(checkpoint))
    except (KeyError, ValueError, TypeError, InvalidSignature):
        return CheckpointCheck(False, None, None, "bad_signature")
    if trusted_key is not None and trusted_key.strip() != public:
        return CheckpointCheck(False, seq, key_id(public), "untrusted_key")
    entry = repository.entry_at(conn, seq)
    if entry is None:
        return CheckpointCheck(False, seq, key_id(public), "entry_missing")
    if entry["hash"] != digest:
        return CheckpointCheck(False, seq, key_id(public), "hash_mismatch")
    return CheckpointCheck(True, seq, key_id(public))


def read_file(path: Path) -> dict[str, Any]:
    try:
        data = orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError) as exc:
        raise ValidationFailed(f"{path} is not a checkpoint file: {exc}") from exc
    if not isinstance(data, dict):
        raise ValidationFailed(f"{path} is not a checkpoint file")
    return data


def write_file(path: Path, checkpoint: dict[str, Any]) -> None:
    path.write_bytes(orjson.dumps(checkpoint, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS))
