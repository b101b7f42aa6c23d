"""Password hashing (argon2id) and the password rules (OWASP ASVS 6.2: length, no composition rules,
not on a list of common passwords)."""

from __future__ import annotations

import functools
from importlib import resources

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask_babel import lazy_gettext as _l

MIN_LENGTH = 8
MAX_LENGTH = 256

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters

# Checked against a dummy hash when the account does not exist, so a wrong email takes as long as a
# wrong password and the two cannot be told apart by timing.
_DUMMY_HASH = _hasher.hash("not a real password, used to even out timing")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash or _DUMMY_HASH, password) and stored_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _hasher.check_needs_rehash(stored_hash)


@functools.cache
def _common_passwords() -> frozenset[str]:
    text = resources.files("passport").joinpath("data/common-passwords.txt").read_text("utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def password_problem(password: str) -> str | None:
    """The reason a new password cannot be used, in plain words, or None."""
    if len(password) < MIN_LENGTH:
        return _l("Your password must be at least 8 characters long")
    if len(password) > MAX_LENGTH:
        return _l("Your password must be 256 characters or fewer")
    if password.strip().lower() in _common_passwords():
        return _l("This password is too common and easy to guess. Choose a different one")
    return None
