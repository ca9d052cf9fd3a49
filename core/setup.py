"""Create or migrate the database and load reference data; then, on request, one of:

    python -m core.setup                              # migrate + reference data
    python -m core.setup --demo                       # ... and the demo data (a demo instance only)
    python -m core.setup --init-accounts [--password-file PATH]
                                                      # ... and the department accounts of production,
                                                      #     one-time passwords shown once
    python -m core.setup --reissue 130000 [--password-file PATH]
                                                      # new one-time passwords for named accounts
    python -m core.setup --unlock 130000              # lift every login lock of an account (logged)
    python -m core.setup --app-role qjsc_app          # PostgreSQL: the portal's least-privileged role
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from alembic import command
from alembic.config import Config

from core.config import PROJECT_ROOT, database_url
from core.db import get_engine, unit_of_work
from core.errors import RuleViolation


def alembic_config() -> Config:
    return Config(str(PROJECT_ROOT / "alembic.ini"))


def migrate(url: str | None = None) -> None:
    engine = get_engine(url)
    cfg = alembic_config()
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "head")
    _fill_progress(engine)
    # Fresh statistics for the query planner: with them SQLite reads a page of a 100,000-entry list or a
    # department's to-dos from their indexes (issue 13); PostgreSQL's autovacuum would get there later.
    with engine.begin() as connection:
        connection.exec_driver_sql("ANALYZE")


def _fill_progress(engine) -> None:
    """letter_progress (and its totals) computed for letters issued before it existed (migration 0008)."""
    from sqlalchemy import exists, select

    from core import progress
    from core.notice_models import NoticeLetter

    with unit_of_work(engine) as session:
        if session.scalar(select(exists().where(NoticeLetter.id.is_not(None)))) and not session.scalar(
                select(exists().where(progress.LetterProgress.letter_id.is_not(None)))):
            progress.rebuild(session)


def prepare(demo: bool, url: str | None = None) -> dict[str, int]:
    from core.demo import load_demo
    from core.indicator_systems import load_shipped
    from core.reference import load_reference_data

    migrate(url)
    with unit_of_work(get_engine(url)) as session:
        counts = load_reference_data(session)
        counts |= load_shipped(session)  # the indicator systems shipped in data/indicator_systems
        if demo:
            counts |= load_demo(session)
    return counts


def issue_passwords(logins: list[str] | None, password_file: Path | None, url: str | None = None) -> int:
    """--init-accounts (logins None) or --reissue: the passwords go to stdout, or only to the file."""
    from core import bootstrap

    if password_file is not None and password_file.exists():
        raise RuleViolation(f"{password_file} 已存在，不会覆盖。")
    with unit_of_work(get_engine(url)) as session:
        issued = bootstrap.init_accounts(session) if logins is None else bootstrap.reissue(session, logins)
        # Written before the commit: if the file cannot be written, no account keeps a password nobody saw.
        if password_file is not None:
            bootstrap.write_password_file(password_file, issued)
            print(f"{len(issued)} 个账户的初始密码已写入 {password_file}（仅所有者可读）；首次登录须修改密码。")
        else:
            sys.stdout.write(bootstrap.as_table(issued))
            print(f"以上 {len(issued)} 个初始密码只显示这一次，请立即分发；首次登录须修改密码。", file=sys.stderr)
    return len(issued)


def unlock(login: str, url: str | None = None) -> int:
    from core import audit, auth, throttle

    with unit_of_work(get_engine(url)) as session:
        key = auth.normalize_login(login)
        cleared = throttle.clear(session, key)
        audit.record(session, actor=None, actor_login="server", action="login_unlocked", object_type="account",
                     object_id=key, after={"cleared_counters": cleared})
    return cleared


def app_role(role: str, url: str | None = None) -> list[str]:
    from core.db_roles import grant_app_role

    with get_engine(url).begin() as connection:
        return grant_app_role(connection, role)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--demo", action="store_true", help="load the demo data into an empty database")
    action.add_argument("--init-accounts", action="store_true",
                        help="create the department accounts of a production database")
    action.add_argument("--reissue", nargs="+", metavar="LOGIN", help="new one-time passwords for these accounts")
    action.add_argument("--unlock", metavar="LOGIN", help="lift every login lock of this account")
    action.add_argument("--app-role", metavar="ROLE", help="create/grant the portal's PostgreSQL role")
    parser.add_argument("--password-file", type=Path, metavar="PATH",
                        help="with --init-accounts/--reissue: write the passwords to this new 0600 file instead")
    args = parser.parse_args(argv)
    url = database_url()
    try:
        counts = prepare(args.demo, url)
        print(f"database ready ({url.split('@')[-1]}): " + ", ".join(f"{k} +{v}" for k, v in counts.items()),
              file=sys.stderr)
        if args.init_accounts or args.reissue:
            issue_passwords(None if args.init_accounts else args.reissue, args.password_file, url)
        elif args.unlock:
            print(f"{args.unlock}: {unlock(args.unlock, url)} lock counters cleared", file=sys.stderr)
        elif args.app_role:
            print("\n".join(app_role(args.app_role, url)), file=sys.stderr)
    except RuleViolation as exc:
        print(f"refused: {exc.message}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
