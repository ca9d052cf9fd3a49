"""指标体系: importing indicator systems (the province, from a file checked row by row, all or nothing), the
systems shipped with the portal (data/indicator_systems/*.yaml), and which system grades an enterprise."""

from __future__ import annotations

import hashlib
from pathlib import Path, PurePath

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core import audit, grading
from core.config import DATA_DIR
from core.errors import PermissionDenied, RuleViolation
from core.indicator_file import FilePreview, SystemSpec, preview
from core.indicator_models import Indicator, IndicatorGroup, IndicatorSystem
from core.models import Industry, Tier, User

SHIPPED_DIR = DATA_DIR / "indicator_systems"


def can_import(actor: User) -> bool:
    return actor.tier is Tier.PROVINCE


def require_importer(actor: User) -> None:
    if not can_import(actor):
        raise PermissionDenied("指标体系由省级生态环境部门导入，本部门只能查看")


def _known(session: Session) -> tuple[set[str], set[tuple[str, str]]]:
    industries = set(session.scalars(select(Industry.code).where(Industry.level == "class")))
    stored = session.execute(select(IndicatorSystem.code, IndicatorSystem.version))
    existing = {(code, version) for code, version in stored}
    return industries, existing


def file_preview(session: Session, filename: str, data: bytes) -> FilePreview:
    if PurePath(filename or "").suffix.lower() not in (".yaml", ".yml"):
        return FilePreview(rows=[], file_error="只支持 YAML 文件（.yaml 或 .yml），格式见“下载示例文件”")
    industries, existing = _known(session)
    return preview(data, industries, existing)


def import_preview(session: Session, actor: User, filename: str, data: bytes) -> tuple[FilePreview, str]:
    """The checked file and its sha256 (the import re-reads exactly these bytes); never writes."""
    require_importer(actor)
    return file_preview(session, filename, data), hashlib.sha256(data).hexdigest()


def import_system(session: Session, actor: User | None, filename: str, data: bytes) -> IndicatorSystem:
    """Store the system of a clean file, all or nothing; the file is checked again against the database as it is
    now (another import of the same version may have happened since the preview)."""
    if actor is not None:
        require_importer(actor)
    checked = file_preview(session, filename, data)
    if checked.file_error:
        raise RuleViolation(f"文件无法导入：{checked.file_error}")
    if not checked.ok:
        problems = [f"{r.position}：{r.errors[0]}" for r in checked.rows if r.errors]
        raise RuleViolation(f"还有 {checked.error_count} 行需要修正（{problems[0]}），全部无误后才能导入")
    system = _store(session, checked.spec, hashlib.sha256(data).hexdigest(), actor)
    audit.record(session, actor=actor, action="indicator_system.import", object_type="indicator_system",
                 object_id=system.id, after={"code": system.code, "version": system.version, "file": filename,
                                             "sha256": system.file_sha256})
    return system


def _store(session: Session, spec: SystemSpec, sha256: str, actor: User | None) -> IndicatorSystem:
    system = IndicatorSystem(code=spec.code, version=spec.version, name=spec.name,
                             industry_codes=list(spec.industry_codes), source=spec.source, notes=spec.notes,
                             untranscribed=list(spec.untranscribed), file_sha256=sha256,
                             imported_by_user_id=actor.id if actor else None)
    session.add(system)
    try:
        session.flush()
    except IntegrityError as exc:
        raise RuleViolation(f"体系 {spec.code} 的版本 {spec.version} 已在导入期间被导入，请刷新后查看") from exc
    for g, group_spec in enumerate(spec.groups):
        group = IndicatorGroup(system_id=system.id, position=g, key=group_spec.key, name=group_spec.name,
                               weight=group_spec.weight, source=group_spec.source)
        session.add(group)
        session.flush()
        for j, item in enumerate(group_spec.indicators):
            session.add(Indicator(system_id=system.id, group_id=group.id, position=j, key=item.key, name=item.name,
                                  kind=item.kind, unit=item.unit, direction=item.direction, weight=item.weight,
                                  shared=item.shared, limiting=item.limiting, water=item.water,
                                  benchmarks=dict(item.benchmarks), note=item.note))
    session.flush()
    session.refresh(system)
    return system


def load_shipped(session: Session, folder: Path = SHIPPED_DIR) -> dict[str, int]:
    """The systems shipped with the portal, each imported once (a stored code and version is left alone)."""
    added = 0
    for path in sorted(folder.glob("*.yaml")):
        data = path.read_bytes()
        checked = file_preview(session, path.name, data)
        if checked.spec is None and any("已经导入" in e for r in checked.rows for e in r.errors):
            continue
        import_system(session, None, path.name, data)
        added += 1
    return {"indicator_systems": added}


def systems(session: Session) -> list[IndicatorSystem]:
    """Every stored system, newest import first."""
    return list(session.scalars(select(IndicatorSystem).order_by(IndicatorSystem.id.desc())))


def system_for_industry(session: Session, industry_code: str | None) -> IndicatorSystem | None:
    """The newest imported system that applies to the 小类 (None when the industry has none)."""
    if not industry_code:
        return None
    return next((s for s in systems(session) if industry_code in (s.industry_codes or [])), None)


def as_grading(system: IndicatorSystem) -> grading.System:
    """The stored system as core.grading computes with it."""
    groups = []
    for group in system.groups:
        items = tuple(grading.Indicator(key=i.key, name=i.name, kind=i.kind, weight=i.weight,
                                        benchmarks=dict(i.benchmarks or {}), unit=i.unit, direction=i.direction,
                                        shared=i.shared, limiting=i.limiting, water=i.water)
                      for i in group.indicators)
        groups.append(grading.Group(group.key, group.name, group.weight, items))
    return grading.System(system.name, system.version, tuple(groups))


def source_line(system: IndicatorSystem) -> str:
    """《title》（issuers，announcement，year）, as the screens cite it."""
    s = system.source or {}
    year = f"{s.get('year')}年" if s.get("year") else ""
    parts = ["、".join(s.get("issuers") or []), s.get("announcement") or "", year]
    return f"《{s.get('title', system.name)}》（{'，'.join(p for p in parts if p)}）"


def example_file() -> bytes:
    """The shipped electroplating file, offered as the example of the format."""
    return (SHIPPED_DIR / "electroplating_2015.yaml").read_bytes()
