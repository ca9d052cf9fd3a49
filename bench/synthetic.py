"""A synthetic province at a scale factor S of one Hebei campaign, built once per scale and cached.

1x ≈ 5,100 enterprises, 50,000 stage records, 10,000 roster entries, 200 experts (10x: 51k / 500k / 100k / 2k),
spread over every county of Hebei's reference data, with everything the pages show: four roster tasks (two
approved, one under way with parts in every state, one being drafted), two audit notices and their parts
at every level, letters (generated, stamped, accepted), projects with startup data, stage records and
options, cases at every step of both routes with their opinions, draws, panels, site reviews and results,
permits, disclosures, accounts and the audit log. Deterministic for a seed; dates are relative to the day
of the build, so that reminders are overdue or due soon whenever it is run.

    .venv/bin/python bench/synthetic.py --scale 10                 # /tmp/qjsc_bench/s10.db (cached)
    .venv/bin/python bench/synthetic.py --scale 1 --url postgresql+psycopg://postgres@127.0.0.1:5432/qjsc_perf

Every account's password is BENCH_PASSWORD (bcrypt at QJSC_BCRYPT_ROUNDS, 4 unless set).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # run as a plain script

BENCH_DIR = Path(os.environ.get("QJSC_BENCH_DIR", "/tmp/qjsc_bench"))
BUILD_VERSION = 5  # bump when the generated data changes: cached databases are rebuilt
SEED = 2026
BENCH_PASSWORD = "Bench#2026qjsc"
ENTERPRISES_1X = 5_100
EXPERTS_1X = 200
META_TABLE = "bench_meta"

BRANDS = ("恒达", "华北", "冀中", "永兴", "瑞丰", "鑫源", "宏远", "金盛", "泰和", "润泽", "安平", "德源", "兴隆", "天成",
          "利民", "众诚", "富康", "长城", "燕赵", "新港")
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎"
GIVEN = ("建国", "志强", "海燕", "秀英", "立新", "国华", "红梅", "晓东", "文博", "丽娟", "永刚", "春生", "雪峰", "静",
         "磊", "敏", "伟", "洋", "军", "勇")
TITLES = ("高级工程师", "正高级工程师", "教授", "副教授", "工程师")


def sqlite_url(scale: float) -> str:
    return f"sqlite:///{BENCH_DIR / f's{scale:g}.db'}"


def configure(url: str) -> None:
    """The environment the portal reads (call before core is imported): the database, uploads, cheap bcrypt."""
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("QJSC_BCRYPT_ROUNDS", "4")
    os.environ.setdefault("QJSC_UPLOAD_DIR", str(BENCH_DIR / "uploads"))
    os.environ.setdefault("QJSC_SECRET_KEY", "qjsc-bench-secret-key-" + "b" * 32)


def read_meta(url: str) -> dict | None:
    """The benchmark's notes stored in a built database (scale, ids to open), or None if there are none."""
    from sqlalchemy import inspect, text

    from core.db import get_engine

    engine = get_engine(url)
    if not inspect(engine).has_table(META_TABLE):
        return None
    with engine.connect() as connection:
        raw = connection.scalar(text(f"SELECT value FROM {META_TABLE} WHERE key = 'province'"))
    return json.loads(raw) if raw else None


def ensure(scale: float, url: str | None = None, rebuild: bool = False, quiet: bool = False) -> dict:
    """The synthetic province at `scale` in `url` (default: its cached SQLite file), built if missing or stale.

    Configures the environment for that database; returns its notes (see read_meta).
    """
    url = url or sqlite_url(scale)
    configure(url)
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    meta = None if rebuild or not _exists(url) else read_meta(url)
    if meta and meta.get("version") == BUILD_VERSION and meta.get("scale") == scale and meta.get("seed") == SEED:
        _upgrade(url, quiet)
        return meta
    start = time.perf_counter()
    meta = _build_sqlite(url, scale) if url.startswith("sqlite") else _build_server(url, scale)
    meta["build_seconds"] = round(time.perf_counter() - start, 1)
    _write_meta(url, meta)
    if not quiet:
        counts = ", ".join(f"{k} {v:,}" for k, v in sorted(meta["counts"].items()))
        print(f"built the {scale:g}x province in {meta['build_seconds']} s ({url.split('@')[-1]}): {counts}",
              flush=True)
    return meta


def _upgrade(url: str, quiet: bool) -> None:
    """A cached province whose schema is behind the migrations is brought to their head by them, as a
    production database is (a new table is filled by its migration from the rows there)."""
    from alembic.script import ScriptDirectory
    from sqlalchemy import text

    from core.db import get_engine
    from core.setup import alembic_config, migrate

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    with get_engine(url).connect() as connection:
        current = connection.scalar(text("SELECT version_num FROM alembic_version"))
    if current != head:
        start = time.perf_counter()
        migrate(url)
        if not quiet:
            print(f"upgraded the cached province from {current} to {head} in {time.perf_counter() - start:.0f} s",
                  flush=True)


def _exists(url: str) -> bool:
    return Path(url.removeprefix("sqlite:///")).exists() if url.startswith("sqlite") else True


def _build_sqlite(url: str, scale: float) -> dict:
    """Built into a side file and renamed at the end, so that an interrupted build is never taken as cached."""
    from core.db import dispose_engines

    final = Path(url.removeprefix("sqlite:///"))
    building = final.with_name(final.name + ".building")
    for path in (final, building):
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
    meta = _build(f"sqlite:///{building}", scale)
    dispose_engines()
    building.rename(final)
    return meta


def _build_server(url: str, scale: float) -> dict:
    """PostgreSQL: the database is emptied (schema public dropped) and built again, if it is empty or holds
    a synthetic province; any other database is refused (a mistyped URL must not wipe real data)."""
    from sqlalchemy import inspect, text

    from core.db import dispose_engines, get_engine

    tables = inspect(get_engine(url)).get_table_names()
    if tables and META_TABLE not in tables:
        raise SystemExit(f"{url.split('@')[-1]} holds {len(tables)} tables but no synthetic province: "
                         "refusing to empty it; give an empty database or one built by bench/synthetic.py")
    with get_engine(url).begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        # as a new database has it (PostgreSQL 15): owned by the database's owner, usable by everyone
        connection.execute(text("CREATE SCHEMA public AUTHORIZATION pg_database_owner"))
        connection.execute(text("GRANT USAGE ON SCHEMA public TO PUBLIC"))
    dispose_engines()
    return _build(url, scale)


def _bulk_engine(url: str):
    """An engine for the load: on SQLite without a rollback journal's fsyncs (a lost build is rebuilt)."""
    from sqlalchemy import create_engine, event

    if not url.startswith("sqlite"):
        return create_engine(url)
    engine = create_engine(url)

    @event.listens_for(engine, "connect")
    def _fast(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        for pragma in ("journal_mode=MEMORY", "synchronous=OFF", "cache_size=-200000", "temp_store=MEMORY"):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    return engine


def _build(url: str, scale: float) -> dict:
    from sqlalchemy import text

    from bench import synthetic_audits, synthetic_roster
    from bench.synthetic_loader import Loader, World
    from core.db import dispose_engines
    from core.setup import prepare

    prepare(demo=False, url=url)  # the schema (migrations) and the reference data
    dispose_engines()
    engine = _bulk_engine(url)
    now = datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0)
    with engine.begin() as connection:
        world = World(random.Random(SEED), Loader(connection), now, scale)
        _places(world, connection)
        _sample_files(world)
        _accounts(world)
        _enterprises(world, round(ENTERPRISES_1X * scale))
        _experts(world, round(EXPERTS_1X * scale))
        world.load.flush()
        synthetic_roster.build(world)
        synthetic_audits.build(world)
        _messages(world)
        world.load.flush()
        world.close_chain()
        # Core inserts bypass the session hooks that keep letter_progress current: fill it from the source.
        from sqlalchemy.orm import Session

        from core import case_counts, enterprise_counts, roster_counts
        from core.progress import rebuild

        rebuild(Session(bind=connection))
        roster_counts.rebuild(Session(bind=connection))  # the roster's and the cases' counts, likewise
        case_counts.rebuild(Session(bind=connection))
        enterprise_counts.rebuild(Session(bind=connection))
        if connection.dialect.name == "postgresql":
            _advance_sequences(connection)
    if url.startswith("sqlite"):
        with engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA journal_mode=WAL")  # as the portal keeps its file
            # planner statistics, as `python -m core.setup` leaves them (SQLite gathers none by itself;
            # without them the directory and the case lists at 10x took 2-3 times as long)
            connection.exec_driver_sql("ANALYZE")
            connection.commit()
    else:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("ANALYZE"))  # autovacuum would soon do it on a live server
    engine.dispose()
    return {"version": BUILD_VERSION, "scale": scale, "seed": SEED, "built_at": now.isoformat(),
            "counts": dict(world.load.counts), **world.meta}


def _write_meta(url: str, meta: dict) -> None:
    from sqlalchemy import text

    from core.db import get_engine

    with get_engine(url).begin() as connection:
        connection.execute(text(f"CREATE TABLE IF NOT EXISTS {META_TABLE} (key VARCHAR(32) PRIMARY KEY, value TEXT)"))
        connection.execute(text(f"DELETE FROM {META_TABLE}"))
        connection.execute(text(f"INSERT INTO {META_TABLE} (key, value) VALUES ('province', :v)"),
                           {"v": json.dumps(meta, ensure_ascii=False)})


def _advance_sequences(connection) -> None:
    """Ids were given by the loader: move each serial past them, so that the portal's own inserts fit."""
    from sqlalchemy import text

    from core.models import Base

    for table in Base.metadata.sorted_tables:
        if "id" in table.c and table.c.id.primary_key:
            connection.execute(text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                                    f"COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"))


# --- places, files, accounts, enterprises, experts ---------------------------------------------------

def _places(w, connection) -> None:
    from sqlalchemy import select

    from core.models import Division, Industry, Tier

    for code, name, short, level, city in connection.execute(
            select(Division.code, Division.name, Division.short_name, Division.level, Division.city_code)):
        w.divisions[code] = {"name": name, "short_name": short, "level": level, "city_code": city}
    w.counties = sorted(c for c, d in w.divisions.items() if d["level"] is Tier.COUNTY)
    w.cities = sorted(c for c, d in w.divisions.items() if d["level"] is Tier.CITY)
    w.industry_classes = sorted(connection.scalars(select(Industry.code).where(
        Industry.level == "class", Industry.code.between("1300", "4699"))))
    w.industry_names = dict(connection.execute(select(Industry.code, Industry.name)).all())


def _sample_files(w) -> None:
    """One small PDF and one PNG, stored once; every attachment row of the province points at one of them."""
    import io

    from PIL import Image
    from pypdf import PdfWriter

    from bench.synthetic_loader import StoredSample
    from core import files

    writer, buffer = PdfWriter(), io.BytesIO()
    writer.add_blank_page(width=595, height=842)
    writer.write(buffer)
    png = io.BytesIO()
    Image.new("RGB", (32, 24), "white").save(png, format="PNG")
    for kind, name, data in (("pdf", "样例.pdf", buffer.getvalue()), ("png", "样例.png", png.getvalue())):
        stored = files.store(name, data, files.SCAN_KINDS)
        w.files[kind] = StoredSample(stored.sha256, stored.size, stored.kind)


def department_title(w, code: str) -> str:
    from core.demo import department_name

    d = w.divisions[code]
    city = w.divisions.get(d["city_code"]) if d["city_code"] else None
    return department_name(SimpleNamespace(level=d["level"], name=d["name"], short_name=d["short_name"]),
                           SimpleNamespace(name=city["name"]) if city else None)


def _accounts(w) -> None:
    """A department account for the province, every city and every county (the bench password)."""
    from core.models import User
    from core.passwords import hash_password

    w.password_hash = hash_password(BENCH_PASSWORD)
    for code, d in sorted(w.divisions.items()):
        user_id = w.load.add(User, login=code, display_name=department_title(w, code), tier=d["level"],
                             division_code=code, enterprise_id=None, password_hash=w.password_hash,
                             must_change_password=False, password_changed_at=w.ago(400), is_active=True,
                             created_at=w.ago(500))
        w.dept_user[code] = user_id
        w.user_login[user_id] = code
        w.audit("account_created", "user", user_id, w.ago(500), None,
                after={"login": code, "tier": d["level"].value, "division_code": code})


def _messages(w) -> None:
    """An inbox for every account (站内消息): 60 messages a department, 6 an enterprise, one every two days,
    the newest quarter unread."""
    from core.notification_models import Message, MessageKind

    kinds = list(MessageKind)
    inboxes = [*((user_id, 60) for user_id in w.dept_user.values()),
               *((user_id, 6) for user_id in w.enterprise_user.values())]
    for user_id, count in inboxes:
        for i in range(count):
            at = w.ago(2 * i + 0.5)
            w.load.add(Message, recipient_user_id=user_id, kind=kinds[i % len(kinds)], title=f"系统消息 {count - i}",
                       body="名单核定任务已下发，请核定本辖区的企业名单。", link_page=None, link_id=None, dedupe_key=None,
                       created_at=at, read_at=None if i < count // 4 else at)


def _enterprises(w, count: int) -> None:
    """Enterprises over every county (weights vary; 涿州 gets a fair share and the first one)."""
    from core.credit_code import check_character
    from core.models import Enterprise, ManagingTier

    rnd = w.rnd
    weights = [1.3 if c == "130681" else rnd.uniform(0.4, 1.6) for c in w.counties]
    places = ["130681", *rnd.choices(w.counties, weights, k=max(0, count - 1))]
    seen: set[str] = set()
    for i, county in enumerate(places):
        industry = rnd.choice(w.industry_classes)
        base = f"{w.divisions[county]['short_name']}{rnd.choice(BRANDS)}{w.industry_names[industry]}"
        name = f"{base}有限公司"
        if name in seen:
            name = f"{base}{i:05d}有限公司"
        seen.add(name)
        credit = None
        if rnd.random() < 0.6:
            first17 = f"91{county}{i:09d}"
            credit = first17 + check_character(first17)
        managing = ManagingTier.PROVINCE if rnd.random() < 0.12 else ManagingTier.CITY
        created = w.ago(rnd.uniform(450, 900))
        enterprise_id = w.load.add(
            Enterprise, credit_code=credit, name=name, division_code=county, address=f"{w.divisions[county]['name']}"
            f"工业园区{rnd.randint(1, 99)}号", industry_code=industry, legal_representative=_person(rnd),
            ownership_type="私营有限责任公司", in_industrial_park=rnd.random() < 0.5,
            double_exceed=rnd.random() < 0.08, double_toxic=rnd.random() < 0.15, managing_tier=managing,
            created_at=created, updated_at=created)
        w.enterprises[enterprise_id] = {"county": county, "industry": industry, "managing": managing, "name": name,
                                        "credit": credit}
        w.by_county.setdefault(county, []).append(enterprise_id)


def _person(rnd) -> str:
    return rnd.choice(SURNAMES) + rnd.choice(GIVEN)


def _experts(w, count: int) -> None:
    """The province's pool (40%) and the cities' pools, specialties among the enterprises' 大类."""
    from core.review_models import Expert

    rnd = w.rnd
    divisions_used = sorted({e["industry"][:2] for e in w.enterprises.values()})
    names = list(w.enterprises.values())
    for i in range(count):
        registry = "130000" if rnd.random() < 0.4 else rnd.choice(w.cities)
        region = rnd.choice([c for c in w.counties if registry == "130000" or w.city_of(c) == registry]
                            or [registry])
        specialties = sorted(rnd.sample(divisions_used, k=min(len(divisions_used), rnd.randint(1, 4))))
        conflicts = [rnd.choice(names)["name"]] if rnd.random() < 0.1 else []
        created = w.ago(rnd.uniform(200, 700))
        active = rnd.random() < 0.92
        expert_id = w.load.add(Expert, registry_code=registry, name=_person(rnd),
                               organisation=f"{rnd.choice(BRANDS)}环境科学研究院", title=rnd.choice(TITLES),
                               specialties=specialties, region_code=region, phone=f"139{i:08d}",
                               active=active, conflicts=conflicts, created_at=created,
                               updated_at=created, version=1)
        w.experts.append({"id": expert_id, "registry": registry, "specialties": set(specialties), "active": active})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=10.0, help="times one Hebei campaign (default 10)")
    parser.add_argument("--url", help="a database URL instead of the cached SQLite file (emptied first)")
    parser.add_argument("--rebuild", action="store_true", help="build even if a matching database exists")
    args = parser.parse_args()
    meta = ensure(args.scale, args.url, rebuild=args.rebuild)
    print(json.dumps({k: v for k, v in meta.items() if k != "counts"}, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
