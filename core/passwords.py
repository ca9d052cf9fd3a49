"""Password policy, hashing and random initial passwords.

Passwords people choose are hashed with bcrypt: they may be weak, so each guess must be expensive.
One-time passwords printed in a letter or given at a reset are ~72 random bits (12 characters from
65, see generate_initial_password) and are replaced at first login: guessing one is out of reach
whatever the hash costs, so they get a salted SHA-256 (ONE_TIME_PREFIX), which lets a county issue
a thousand letters in seconds instead of four minutes of bcrypt.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import string

import bcrypt

from core.errors import ValidationError

MIN_LENGTH = 8
MAX_LENGTH = 32  # bcrypt reads at most 72 bytes; ASCII keeps every character counted
REQUIRED_CLASSES = 3
SYMBOLS = "!@#$%^&*()-_=+[]{};:,.<>/?~|"

_CLASSES = (
    ("大写字母", lambda c: c in string.ascii_uppercase),
    ("小写字母", lambda c: c in string.ascii_lowercase),
    ("数字", lambda c: c in string.digits),
    ("符号", lambda c: c in string.punctuation),
)

# Letters and digits that are easy to misread on a printed letter are left out of initial passwords.
_UNAMBIGUOUS = {
    "upper": "ABCDEFGHJKLMNPQRSTUVWXYZ",
    "lower": "abcdefghijkmnpqrstuvwxyz",
    "digit": "23456789",
    "symbol": "@#$%&*+=?",
}


def policy_problems(password: str, login: str | None = None) -> list[str]:
    """Every rule the password breaks, each as a Chinese sentence; empty when it is acceptable."""
    problems: list[str] = []
    if len(password) < MIN_LENGTH:
        problems.append(f"长度至少 {MIN_LENGTH} 位（当前 {len(password)} 位）")
    if len(password) > MAX_LENGTH:
        problems.append(f"长度不能超过 {MAX_LENGTH} 位")
    if any(c not in string.printable or c in string.whitespace for c in password):
        problems.append("只能包含英文字母、数字和英文符号，不能包含空格或中文")
    present = [name for name, test in _CLASSES if any(test(c) for c in password)]
    if len(present) < REQUIRED_CLASSES:
        missing = [name for name, _ in _CLASSES if name not in present]
        problems.append(
            f"须包含大写字母、小写字母、数字、符号中的至少 {REQUIRED_CLASSES} 类"
            f"（当前缺少：{'、'.join(missing)}）"
        )
    if login and login.strip() and login.strip().lower() in password.lower():
        problems.append("不能包含账号本身")
    return problems


def check_policy(password: str, login: str | None = None) -> None:
    problems = policy_problems(password, login)
    if problems:
        raise ValidationError("新密码不符合要求：" + "；".join(problems) + "。", field="new_password")


def bcrypt_rounds() -> int:
    # 12 in production; the test suite lowers it (QJSC_BCRYPT_ROUNDS=4) to stay fast.
    return int(os.environ.get("QJSC_BCRYPT_ROUNDS", "12"))


def hash_password(password: str) -> str:
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(bcrypt_rounds())).decode("ascii")


# "$qs1$" + 22 characters of salt + "$" + 43 of digest: 71 characters, within the column's 72.
ONE_TIME_PREFIX = "$qs1$"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _one_time_digest(password: str, salt: str) -> str:
    return _b64(hashlib.sha256(salt.encode("ascii") + password.encode("utf-8")).digest())


def hash_one_time_password(password: str) -> str:
    """The stored form of a generated one-time password (salted SHA-256, see the module's docstring)."""
    salt = _b64(secrets.token_bytes(16))
    return f"{ONE_TIME_PREFIX}{salt}${_one_time_digest(password, salt)}"


def is_one_time_hash(password_hash: str) -> bool:
    return password_hash.startswith(ONE_TIME_PREFIX)


def verify_password(password: str, password_hash: str) -> bool:
    data = password.encode("utf-8")
    if len(data) > 72:  # bcrypt refuses longer input; no valid password is that long
        return False
    if is_one_time_hash(password_hash):
        salt, _, digest = password_hash[len(ONE_TIME_PREFIX):].partition("$")
        # A bcrypt check all the same, so that the answer's timing does not tell which accounts
        # still hold their initial password.
        bcrypt.checkpw(data, DUMMY_HASH.encode("ascii"))
        return hmac.compare_digest(_one_time_digest(password, salt), digest)
    return bcrypt.checkpw(data, password_hash.encode("ascii"))


# Compared against when the account does not exist, so that both answers take as long.
DUMMY_HASH = hash_password(secrets.token_urlsafe(16))


def generate_initial_password(length: int = 12) -> str:
    """A random password that satisfies the policy, with one character of every class."""
    rng = secrets.SystemRandom()
    chars = [rng.choice(group) for group in _UNAMBIGUOUS.values()]
    pool = "".join(_UNAMBIGUOUS.values())
    chars += [rng.choice(pool) for _ in range(length - len(chars))]
    rng.shuffle(chars)
    return "".join(chars)
