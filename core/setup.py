"""Create or migrate the database, load reference data, and the demo data when it is empty.

    python -m core.setup            # migrate + reference data
    python -m core.setup --demo     # ... and the demo data if there are no accounts yet
"""

from __future__ import annotations

import argparse

from alembic import command
from alembic.config import Config

from core.config import PROJECT_ROOT, database_url
from core.db import get_engine, unit_of_work


def alembic_config() -> Config:
    return Config(str(PROJECT_ROOT / "alembic.ini"))


def migrate(url: str | None = None) -> None:
    engine = get_engine(url)
    cfg = alembic_config()
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "head")


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--demo", action="store_true", help="load the demo data into an empty database")
    args = parser.parse_args()
    url = database_url()
    counts = prepare(args.demo, url)
    shown = url.split("@")[-1]
    print(f"database ready ({shown}): " + ", ".join(f"{k} +{v}" for k, v in counts.items()))


if __name__ == "__main__":
    main()
