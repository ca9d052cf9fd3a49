"""Production bootstrap without demo passwords, and the demo kept apart (finding 1)."""

from __future__ import annotations

import csv
import stat

import pytest
from sqlalchemy import func, select

from core import auth, instance, setup
from core.demo import load_demo
from core.errors import RuleViolation
from core.models import Division, Tier, User
from tests.conftest import demo_password


def _table(out: str) -> dict[str, dict[str, str]]:
    rows = [line.split("\t") for line in out.strip().splitlines()]
    assert rows[0] == ["账号", "初始密码", "类型", "名称"]
    return {r[0]: dict(zip(rows[0], r)) for r in rows[1:]}


def test_init_accounts_creates_every_department_with_a_one_time_password(empty_db, capsys):
    assert setup.main(["--init-accounts"]) == 0
    captured = capsys.readouterr()
    printed = _table(captured.out)
    assert "只显示这一次" in captured.err
    with empty_db() as s:
        divisions = {d.code: d for d in s.scalars(select(Division))}
        users = {u.login: u for u in s.scalars(select(User))}
        assert instance.mode(s) == instance.PRODUCTION
    assert set(printed) == set(users) == set(divisions)
    assert printed["130000"]["名称"] == "河北省生态环境厅" and printed["130600"]["类型"] == "地市"
    assert printed["130681"]["名称"] == "保定市生态环境局涿州市分局"
    assert all(u.must_change_password and u.tier is divisions[u.login].level for u in users.values())
    passwords = [row["初始密码"] for row in printed.values()]
    assert len(set(passwords)) == len(passwords)
    assert not any(p in users[login].password_hash for login, p in zip(printed, passwords))
    demo = {row["login"]: row["password"] for row in csv.DictReader(open("data/demo/accounts.csv", encoding="utf-8"))}
    assert not set(passwords) & set(demo.values())
    with empty_db() as s:
        result = auth.authenticate(s, "130000", printed["130000"]["初始密码"])
        assert result.ok and result.user.must_change_password


def test_init_accounts_refuses_to_run_twice_and_reissues_only_what_is_named(empty_db, capsys):
    assert setup.main(["--init-accounts"]) == 0
    first = _table(capsys.readouterr().out)
    assert setup.main(["--init-accounts"]) == 2
    assert "部门账户已存在" in capsys.readouterr().err
    with empty_db() as s:
        province = s.scalar(select(User).where(User.login == "130000"))
        province.must_change_password = False
        token = auth.open_session(s, province)
    assert setup.main(["--reissue", "130000", "130681"]) == 0
    again = _table(capsys.readouterr().out)
    assert set(again) == {"130000", "130681"}
    with empty_db() as s:
        assert auth.resume_session(s, token) is None  # the province's sessions ended
        assert s.scalar(select(User).where(User.login == "130000")).must_change_password
        assert auth.authenticate(s, "130000", again["130000"]["初始密码"]).ok
        assert not auth.authenticate(s, "130000", first["130000"]["初始密码"]).ok
        assert auth.authenticate(s, "130600", first["130600"]["初始密码"]).ok  # untouched
    assert setup.main(["--reissue", "QY1306810001"]) == 2
    assert "没有部门账户" in capsys.readouterr().err


def test_the_password_file_is_new_and_readable_by_its_owner_only(empty_db, tmp_path, capsys):
    path = tmp_path / "passwords.csv"
    path.write_text("do not overwrite", encoding="utf-8")
    assert setup.main(["--init-accounts", "--password-file", str(path)]) == 2
    assert path.read_text(encoding="utf-8") == "do not overwrite"
    with empty_db() as s:
        assert s.scalar(select(func.count()).select_from(User)) == 0  # nothing was created
    path.unlink()
    assert setup.main(["--init-accounts", "--password-file", str(path)]) == 0
    captured = capsys.readouterr()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    rows = list(csv.DictReader(open(path, encoding="utf-8")))
    assert {r["login"] for r in rows} >= {"130000", "130600", "130681"}
    assert not any(r["password"] in captured.out + captured.err for r in rows)  # shown once, in the file


def test_the_demo_and_production_refuse_each_others_database(empty_db, capsys):
    assert setup.main(["--init-accounts"]) == 0
    capsys.readouterr()
    with pytest.raises(RuleViolation, match="正式账户"):
        with empty_db() as s:
            load_demo(s)
    assert setup.main(["--demo"]) == 2
    assert "正式账户" in capsys.readouterr().err


def test_a_demo_database_is_marked_and_refuses_the_production_bootstrap(uow, capsys):
    with uow() as s:
        assert instance.is_demo(s)
    assert setup.main(["--init-accounts"]) == 2
    assert setup.main(["--reissue", "130000"]) == 2
    capsys.readouterr()
    with uow() as s:
        assert auth.authenticate(s, "130000", demo_password("130000")).ok
        assert s.scalar(select(func.count()).select_from(User).where(User.tier != Tier.ENTERPRISE)) == 25
