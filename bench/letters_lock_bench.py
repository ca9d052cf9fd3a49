"""Benchmark of issuing 告知书 beside other users: how long the write lock is held, and what logins see.

A county issues N letters (default 20) the way the screen does (core.letter_issue: read, hash and render
outside any transaction, one short write), while another thread keeps signing the province in (a login
writes its session and the audit log). Prints the time of each phase, how long the write transaction
lasted, and the logins during the issuing: how many, their slowest time and how many failed.

Run from the project root:  .venv/bin/python bench/letters_lock_bench.py [N]
SQLite in a temporary folder; bcrypt at the application's cost unless QJSC_BCRYPT_ROUNDS is set.
"""

from __future__ import annotations

import os
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a plain script

_TMP = Path(tempfile.mkdtemp(prefix="qjsc-letters-lock-"))
os.environ["DATABASE_URL"] = f"sqlite:///{_TMP / 'bench.db'}"
os.environ["QJSC_UPLOAD_DIR"] = str(_TMP / "uploads")


def _county_with_letters(n: int) -> tuple[int, int]:
    """A dispatched notice whose county (清苑区) has n letters to issue: (part id, county account id)."""
    from sqlalchemy import select

    from core import notice
    from core.db import unit_of_work
    from core.notice_models import NoticeAssignment
    from tests.support.roster import CITY, HEADER, PROVINCE, QINGYUAN, approved_task, user
    from tests.unit.test_notice import form

    rows = HEADER + "".join(f"{i},清苑基准{i:03d}食品有限公司,保定市,清苑区,农副食品加工业,禽类屠宰,保定市生态环境局\n"
                            for i in range(1, n + 1))
    with unit_of_work() as s:
        province = notice.create_notice(s, user(s, PROVINCE), approved_task(s, rows), form())
        notice.dispatch(s, user(s, PROVINCE), province.id, province.version, agreed=True)
        city = s.scalar(select(NoticeAssignment).where(NoticeAssignment.notice_id == province.notice_id,
                                                       NoticeAssignment.division_code == CITY))
        notice.dispatch(s, user(s, CITY), city.id, city.version, agreed=True)
        county = s.scalar(select(NoticeAssignment).where(NoticeAssignment.notice_id == province.notice_id,
                                                         NoticeAssignment.division_code == QINGYUAN))
        return county.id, user(s, QINGYUAN).id


def _demo_password(login: str) -> str:
    import csv

    with open(ROOT / "data" / "demo" / "accounts.csv", encoding="utf-8") as f:
        return next(row["password"] for row in csv.DictReader(f) if row["login"] == login)


def main() -> None:
    from core import auth, letter_issue
    from core import letters as letter_pdf
    from core.db import run_write, unit_of_work
    from core.models import User
    from core.passwords import bcrypt_rounds
    from core.setup import prepare

    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    prepare(demo=True)
    part_id, county_id = _county_with_letters(n)
    password = _demo_password("130000")
    issuing, logins = threading.Event(), []

    def sign_in_repeatedly() -> None:
        while not issuing.is_set():
            time.sleep(0.001)
        while issuing.is_set():
            start = time.perf_counter()
            try:
                ok = auth.log_in("130000", password).ok
            except Exception:  # noqa: BLE001 - counted as a failure, whatever it is
                ok = False
            logins.append((time.perf_counter() - start, ok))

    worker = threading.Thread(target=sign_in_repeatedly)
    worker.start()
    issuing.set()
    t0 = time.perf_counter()
    with unit_of_work() as s:
        plan = letter_issue.plan(s, s.get(User, county_id), part_id)
    t1 = time.perf_counter()
    issued = letter_issue.prepare(plan)
    t2 = time.perf_counter()
    pdfs = letter_pdf.render_letters(letter_issue.letter_data(plan, issued))
    zipped = letter_pdf.letters_zip(pdfs)
    t3 = time.perf_counter()
    run_write(lambda s: letter_issue.record(s, s.get(User, county_id), plan, issued))
    t4 = time.perf_counter()
    issuing.clear()
    worker.join()
    merged = letter_pdf.merged_pdf(pdfs)  # the screen merges them when the county downloads that file
    t5 = time.perf_counter()

    print(f"letters:            {n} (bcrypt cost {bcrypt_rounds()})")
    print(f"read (plan):        {(t1 - t0) * 1000:8.1f} ms")
    print(f"passwords + hashes: {(t2 - t1) * 1000:8.1f} ms   outside any transaction")
    print(f"PDFs and ZIP:       {(t3 - t2) * 1000:8.1f} ms   outside any transaction ({len(zipped) // 1024} KB ZIP)")
    print(f"write (record):     {(t4 - t3) * 1000:8.1f} ms   the only time the write lock is held")
    print(f"total:              {(t4 - t0) * 1000:8.1f} ms   ({(t4 - t0) * 1000 / n:.1f} ms per letter issued, "
          "rendered and zipped; issue 13's target 30)")
    print(f"merged PDF:         {(t5 - t4) * 1000:8.1f} ms   when downloaded ({len(merged) // 1024} KB)")
    slowest = max((t for t, _ in logins), default=0.0)
    print(f"logins meanwhile:   {len(logins)}, slowest {slowest * 1000:.0f} ms, "
          f"failed {sum(1 for _, ok in logins if not ok)}")


if __name__ == "__main__":
    main()
