"""Walk the audit log's hash chain and report the first broken link.

    python -m core.audit_verify        # exit status 0 when the chain is intact, 1 otherwise

Checks, row by row in id order: each row's prev_hash is the previous row's row_hash (the first row's is the genesis hash), each row_hash matches the row's
content, and the chain head names the last row.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.audit import GENESIS_HASH, HASHED_FIELDS, HEAD_ID, row_hash
from core.models import AuditChainHead, AuditLogEntry


@dataclass(frozen=True)
class ChainReport:
    rows: int
    broken_at: int | None = None  # id of the first row that does not fit, or None
    reason: str = ""

    @property
    def intact(self) -> bool:
        return self.broken_at is None and not self.reason


def verify_chain(session: Session, batch: int = 5000) -> ChainReport:
    last_id, expected_prev, rows = 0, GENESIS_HASH, 0
    columns = [getattr(AuditLogEntry, name) for name in HASHED_FIELDS] + [AuditLogEntry.row_hash]
    result = session.execute(select(*columns).order_by(AuditLogEntry.id).execution_options(yield_per=batch))
    for row in result:
        values = row._asdict()
        entry_id = values["id"]
        if values["prev_hash"] != expected_prev:
            return ChainReport(rows, entry_id, "prev_hash does not match the previous row's hash")
        if values["row_hash"] != row_hash(values):
            return ChainReport(rows, entry_id, "row_hash does not match the row's content")
        last_id, expected_prev, rows = entry_id, values["row_hash"], rows + 1
    head = session.get(AuditChainHead, HEAD_ID)
    if head is None:
        return ChainReport(rows, None, "the chain head row is missing")
    if (head.last_id, head.last_hash) != (last_id, expected_prev):
        return ChainReport(rows, None, f"the chain head names id {head.last_id}, the last row is id {last_id}")
    return ChainReport(rows)


def main() -> int:
    from core.db import unit_of_work

    with unit_of_work() as session:
        report = verify_chain(session)
    if report.intact:
        print(f"audit log intact: {report.rows} rows")
        return 0
    where = f" at id {report.broken_at}" if report.broken_at is not None else ""
    print(f"audit log BROKEN{where}: {report.reason} ({report.rows} rows verified before it)")
    return 1


if __name__ == "__main__":
    sys.exit(main())
