"""Issue 12, finding 10: files written for an upload whose transaction rolls back do not stay on disk,
and content that a committed row refers to is never lost, even when transactions race."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from core import attachments, files
from core.db import unit_of_work
from core.errors import RuleViolation
from core.models import User
from core.workflow_models import Attachment
from tests.security.make_images import png
from tests.security.make_pdf import pypdf_pdf

OWNER = ("test_owner", 1, attachments.EVIDENCE)


@pytest.fixture(autouse=True)
def _upload_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("QJSC_UPLOAD_DIR", str(tmp_path / "uploads"))


def actor(session) -> User:
    return session.scalar(select(User).order_by(User.id).limit(1))


def attach(session, data: bytes, name: str = "证明.pdf") -> Attachment:
    return attachments.attach(session, actor(session), *OWNER, name, data)


def rows(session) -> int:
    return session.scalar(select(func.count()).select_from(Attachment))


def on_disk() -> list:
    return [p for p in files.upload_dir().rglob("*") if p.is_file() and p.name != ".lock"]


def test_a_refused_request_takes_its_upload_off_the_disk(db):
    with pytest.raises(RuleViolation), unit_of_work() as s:
        row = attach(s, pypdf_pdf(2))
        path = files.upload_dir() / row.sha256[:2] / f"{row.sha256}.pdf"
        assert path.exists()  # written before the commit, as the request goes on
        raise RuleViolation("后续检查未通过")
    assert not path.exists() and on_disk() == []
    with unit_of_work() as s:
        assert rows(s) == 0


def test_an_error_after_a_re_encoded_image_also_takes_it_off(db):
    with pytest.raises(ZeroDivisionError), unit_of_work() as s:
        attach(s, png((40, 40)), "照片.png")
        attach(s, pypdf_pdf(1))
        assert len(on_disk()) == 2
        _ = 1 / 0
    assert on_disk() == []


def test_content_a_committed_row_refers_to_survives_a_rollback(db):
    data = pypdf_pdf(3)
    with unit_of_work() as s:
        kept = attach(s, data)
    with pytest.raises(RuleViolation), unit_of_work() as s:
        attach(s, data, "同一文件.pdf")
        raise RuleViolation("拒绝")
    assert attachments.content(kept) == data


def test_a_commit_writes_back_a_file_that_a_racing_rollback_removed(db):
    data = pypdf_pdf(4)
    with unit_of_work() as s:
        row = attach(s, data)
        stored = files.StoredFile(row.sha256, row.size, row.kind, row.original_name)
        # another transaction wrote the same content and rolled back before this one committed:
        # it found no committed reference and removed the file
        assert files.discard(stored, lambda sha256: False)
        assert not stored.path.exists()
    assert attachments.content(row) == data  # written again once this transaction committed


@pytest.mark.parametrize("round_", range(5))
def test_twenty_racing_uploads_of_the_same_file_keep_it_for_every_committed_row(db, round_):
    """Half of them roll back; before the first commit, each rollback finds no committed reference."""
    data = pypdf_pdf(5 + round_)
    committed: list[int] = []
    errors: list[BaseException] = []
    start = threading.Barrier(20)

    def upload(index: int) -> None:
        try:
            start.wait()
            with unit_of_work(write=True) as s:  # as every upload in the portal (widgets.act -> run_write)
                row = attach(s, data, f"第{index}份.pdf")
                if index % 2:
                    raise RuleViolation("回滚")
            committed.append(row.id)
        except RuleViolation:
            pass
        except BaseException as exc:  # noqa: BLE001 - collected and shown by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=upload, args=(i,)) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and len(committed) == 10
    with unit_of_work() as s:
        kept = list(s.scalars(select(Attachment)))
        assert sorted(r.id for r in kept) == sorted(committed)
        assert all(attachments.content(r) == data for r in kept)


def test_twenty_racing_uploads_that_all_roll_back_leave_nothing(db):
    start = threading.Barrier(20)

    def upload(index: int) -> None:
        start.wait()
        try:
            with unit_of_work() as s:
                attach(s, png((8 + index % 3, 8)), "照片.png")
                raise RuleViolation("回滚")
        except RuleViolation:
            pass

    threads = [threading.Thread(target=upload, args=(i,)) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert on_disk() == []
