"""Buffered bulk inserts into the models' tables, and the state every part of the synthetic build shares.

Rows are plain dicts inserted with Core `insert(table)` executemany in chunks. Ids are given here rather
than read back, so that children can point at parents before anything is written; a flush always writes
the buffered tables parent-first (the metadata's dependency order), so PostgreSQL's foreign keys hold at
every statement.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import Connection, Table, func, insert, select, update

from core import audit as audit_module
from core.audit import HEAD_ID, row_hash
from core.models import AuditChainHead, AuditLogEntry, Base
from core.workflow_models import Attachment

CHUNK = 20_000


class Loader:
    """Collects rows per table and writes them in chunks, parents first."""

    def __init__(self, connection: Connection, chunk: int = CHUNK):
        self.connection = connection
        self.chunk = chunk
        self.counts: Counter[str] = Counter()
        self._buffers: dict[Table, list[dict]] = defaultdict(list)
        self._pending = 0
        self._next_id: dict[Table, int] = {}
        self._has_id: dict[Table, bool] = {}
        self._order = list(Base.metadata.sorted_tables)

    def new_id(self, model) -> int:
        table = model.__table__
        if table not in self._next_id:
            self._next_id[table] = (self.connection.scalar(select(func.max(table.c.id))) or 0) + 1
        value = self._next_id[table]
        self._next_id[table] = value + 1
        return value

    def add(self, model, **row) -> int | None:
        """Buffer one row (an id is given when the table has one and the row has none); returns its id."""
        table = model.__table__
        if "id" not in row and self._has_id.setdefault(table, "id" in table.c):
            row["id"] = self.new_id(model)
        self._buffers[table].append(row)
        self._pending += 1
        if self._pending >= self.chunk:
            self.flush()
        return row.get("id")

    def flush(self) -> None:
        for table in self._order:
            rows = self._buffers.pop(table, None)
            if not rows:
                continue
            # executemany needs one set of keys per statement
            by_keys: dict[tuple, list[dict]] = defaultdict(list)
            for row in rows:
                by_keys[tuple(sorted(row))].append(row)
            for keys, group in by_keys.items():
                if self.connection.dialect.name == "sqlite":
                    self._sqlite_executemany(table, keys, group)
                else:
                    self.connection.execute(insert(table), group)
            self.counts[table.name] += len(rows)
        self._pending = 0

    def _sqlite_executemany(self, table: Table, keys: tuple, rows: list[dict]) -> None:
        """The same INSERT, compiled once, fed tuples through the columns' own bind processors: SQLAlchemy's
        per-row parameter building was three quarters of a build's time."""
        dialect = self.connection.dialect
        compiled = insert(table).compile(dialect=dialect, column_keys=list(keys))
        order = [name for name in compiled.positiontup]
        processors = [table.c[name].type.bind_processor(dialect) for name in order]
        columns = []
        for name, process in zip(order, processors, strict=True):
            if name in keys:
                values = [row[name] for row in rows]
            else:  # a column the rows leave to its Python-side default (e.g. a version starting at 1)
                default = table.c[name].default
                value = default.arg(None) if default.is_callable else default.arg
                values = [value] * len(rows)
            columns.append(list(map(process, values)) if process else values)
        self.connection.exec_driver_sql(compiled.string, list(zip(*columns)))


@dataclass
class StoredSample:
    """One small stored file that many attachment rows point at (the content is verified on download)."""

    sha256: str
    size: int
    kind: str


@dataclass
class World:
    """What the parts of the build share: the random source, the clock, the loader and the lookups."""

    rnd: random.Random
    load: Loader
    now: datetime
    scale: float
    divisions: dict[str, dict] = field(default_factory=dict)  # code -> level, city_code, name, short_name
    counties: list[str] = field(default_factory=list)
    cities: list[str] = field(default_factory=list)
    industry_classes: list[str] = field(default_factory=list)
    industry_names: dict[str, str] = field(default_factory=dict)
    password_hash: str = ""  # every account's (the bench password)
    dept_user: dict[str, int] = field(default_factory=dict)  # division code -> department account id
    enterprises: dict[int, dict] = field(default_factory=dict)  # id -> county, industry, managing, name
    by_county: dict[str, list[int]] = field(default_factory=dict)  # county -> enterprise ids
    enterprise_user: dict[int, int] = field(default_factory=dict)  # enterprise id -> account id
    user_login: dict[int, str] = field(default_factory=dict)
    experts: list[dict] = field(default_factory=list)
    account_numbers: dict[str, int] = field(default_factory=dict)  # county -> last enterprise account number
    accepted_letters: list[dict] = field(default_factory=list)  # what the audits are built from
    startup_template: dict = field(default_factory=dict)
    consultancy_template: dict = field(default_factory=dict)
    pools: dict[tuple, tuple] = field(default_factory=dict)  # (department, 大类) -> expert ids
    panels: dict[int, list[int]] = field(default_factory=dict)  # case id -> active panel
    unseen_steps: dict[tuple, list] = field(default_factory=dict)  # route -> steps no case is at yet
    files: dict[str, StoredSample] = field(default_factory=dict)  # "pdf" / "png"
    meta: dict = field(default_factory=dict)  # ids the page benchmark opens
    chain: tuple[int, str] | None = None  # (id, hash) of the last audit-log row

    @property
    def today(self) -> date:
        return self.now.date()

    def ago(self, days: float) -> datetime:
        return self.now - timedelta(days=days)

    def between(self, start: datetime, end: datetime) -> datetime:
        if end <= start:
            return start
        return start + (end - start) * self.rnd.random()

    def city_of(self, county: str) -> str:
        return self.divisions[county]["city_code"] or county

    def province_user(self) -> int:
        return self.dept_user["130000"]

    def audit(self, action: str, object_type: str, object_id, at: datetime, actor: int | None,
              after: dict | None = None, before: dict | None = None, statement: str | None = None) -> None:
        """One audit-log row, chained to the one before it as core.audit chains them (hash of the row's
        content and the previous row's hash), so that the built log verifies."""
        row = dict(id=self.load.new_id(AuditLogEntry), at=at, actor_user_id=actor,
                   actor_login=self.user_login.get(actor, "system"), action=action, object_type=object_type,
                   object_id=None if object_id is None else str(object_id), before=before, after=after,
                   statement=statement)
        if self.chain is None:
            head = self.load.connection.execute(select(AuditChainHead.last_id, AuditChainHead.last_hash)
                                                .where(AuditChainHead.id == HEAD_ID)).one()
            self.chain = (head.last_id, head.last_hash)
        row["prev_hash"] = self.chain[1]
        hashed = dict(row, at=at if at.tzinfo else at.replace(tzinfo=timezone.utc),
                      before=audit_module._as_stored(before), after=audit_module._as_stored(after))
        row["row_hash"] = row_hash(hashed)
        self.chain = (row["id"], row["row_hash"])
        self.load.add(AuditLogEntry, **row)

    def close_chain(self) -> None:
        """Point the chain head at the last row written (after the final flush)."""
        if self.chain is not None:
            self.load.connection.execute(update(AuditChainHead).where(AuditChainHead.id == HEAD_ID)
                                         .values(last_id=self.chain[0], last_hash=self.chain[1]))

    def attach(self, owner_type: str, owner_id: int, purpose: str, name: str, by: int, at: datetime,
               kind: str = "pdf") -> int:
        sample = self.files[kind]
        attachment_id = self.load.add(Attachment, owner_type=owner_type, owner_id=owner_id, purpose=purpose,
                                      sha256=sample.sha256, size=sample.size, kind=sample.kind,
                                      original_name=name, uploaded_by_user_id=by, uploaded_at=at)
        self.audit("attachment.add", owner_type, owner_id, at, by,
                   after={"purpose": purpose, "name": name, "sha256": sample.sha256, "size": sample.size,
                          "kind": sample.kind})
        return attachment_id
