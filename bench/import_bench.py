"""Benchmark of the importers and upload checks against hostile and large legitimate files.

Each case runs in a fresh process, which prints its wall time, the peak of Python allocations
(tracemalloc, measured in a second run because tracing slows Python down several times) and the
process's resident memory before the case and its peak during the case (Linux /proc, C allocations
included; what is there before the case is the interpreter, the libraries and the database session). Cases:
  - the XFD-width file of issue 12 (one cell in column XFD per row, ~100 KB) and the same kind of
    file with 60,000 rows, previewed as the province's enterprise list;
  - an .xlsx of 1,048,575 filled rows and one of 100,000 rows;
  - a legitimate list of 20,000 enterprises (the limit) as .xlsx (as openpyxl writes it: inline
    strings, the slowest kind for openpyxl to read) and as .csv, and 5,000 experts as .csv;
  - the upload checks of a 24-page reportlab PDF, an 8-megapixel photo (decoded and re-encoded)
    and a Word file.

Run from the project root:  .venv/bin/python bench/import_bench.py [--root CHECKOUT]
(--root runs the same cases against another checkout's core/, e.g. the main branch, for a before/after.)
"""

from __future__ import annotations

import argparse
import io
import os
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
WORK = Path(tempfile.gettempdir()) / "qjsc_bench" / "imports"
CASES = {  # name -> (importer or check, file name)
    "xfd-width-100kb": ("roster", "名单.xlsx"),
    "xfd-width-60000-rows": ("roster", "名单.xlsx"),
    "filled-1048575-rows": ("roster", "名单.xlsx"),
    "filled-100000-rows": ("roster", "名单.xlsx"),
    "legit-20000-enterprises-xlsx": ("roster", "名单.xlsx"),
    "legit-20000-enterprises-csv": ("roster", "名单.csv"),
    "legit-5000-experts-csv": ("experts", "专家.csv"),
    "upload-24-page-pdf": ("upload", "告知书.pdf"),
    "upload-8-megapixel-photo": ("upload", "现场照片.jpg"),
    "upload-word-file": ("upload", "通知.docx"),
}


def build_files() -> None:
    """The inputs, written once to WORK (made with this checkout's test builders)."""
    sys.path.insert(0, str(HERE))
    from tests.security import make_images, make_office, make_tables

    WORK.mkdir(parents=True, exist_ok=True)
    names = [f"保定市第{i:05d}金属制品有限公司" for i in range(20_000)]
    legit_csv = make_tables.roster_csv(names)
    rows = [make_tables.ROSTER_HEADER.split(",")] + [line.split(",") for line in legit_csv.decode().splitlines()[1:]]
    inputs = {
        "xfd-width-100kb": make_tables.xfd_width(),
        "xfd-width-60000-rows": make_tables.xfd_width(60_000),
        "filled-1048575-rows": make_tables.many_rows(1_048_575),
        "filled-100000-rows": make_tables.many_rows(100_000),
        "legit-20000-enterprises-xlsx": make_office.openpyxl_xlsx(rows),
        "legit-20000-enterprises-csv": legit_csv,
        "legit-5000-experts-csv": make_tables.expert_csv([f"专家{i:04d}" for i in range(5_000)]),
        "upload-24-page-pdf": _long_pdf(),
        "upload-8-megapixel-photo": make_images.jpeg((3264, 2448), orientation=6, gps=True, quality=92),
        "upload-word-file": make_office.docx(),
    }
    for name, data in inputs.items():
        (WORK / name).write_bytes(data)


def _long_pdf() -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4)
    for number in range(24):
        for line in range(50):
            page.drawString(60, 800 - 15 * line, f"Page {number + 1}, line {line + 1}: cleaner production audit")
        page.linkURL("https://www.mee.gov.cn/", (60, 40, 300, 60))
        page.showPage()
    page.save()
    return buffer.getvalue()


def run_case(case: str, trace: bool) -> None:
    """In the child process: one case against the core/ on sys.path; prints one line."""
    from sqlalchemy import select

    from core import expert_import, files, roster_import
    from core.db import unit_of_work
    from core.models import User

    kind, filename = CASES[case]
    data = (WORK / case).read_bytes()
    with unit_of_work() as session:
        city = session.scalar(select(User).where(User.login == "130600"))
        city.must_change_password = False  # the bench acts as a city that has set its password

        def action() -> str:
            if kind == "roster":
                result = roster_import.preview(session, filename, data)
            elif kind == "experts":
                result = expert_import.import_preview(session, city, filename, data)
            else:
                try:
                    if not hasattr(files, "accept"):  # a checkout from before the content checks
                        return f"accepted as {files.check_upload(filename, data, files.DOCUMENT_KINDS)[1]}"
                    return f"accepted ({len(files.accept(filename, data, files.DOCUMENT_KINDS).content) // 1024} KB kept)"
                except Exception as exc:  # noqa: BLE001 - the outcome is what the bench reports
                    return f"refused: {exc}"[:80]
            if result.file_error:
                return f"refused: {result.file_error}"[:80]
            return f"{len(result.rows)} rows, {result.error_count} with errors"

        before = _status("VmRSS")
        Path("/proc/self/clear_refs").write_text("5")  # the peak (VmHWM) starts again from now
        if trace:
            tracemalloc.start()
        started = time.perf_counter()
        outcome = action()
        elapsed = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1] if trace else 0
        after = _status("VmHWM")
        session.rollback()
    print(f"{elapsed:.2f}\t{peak / 1048576:.1f}\t{before / 1024:.0f}→{after / 1024:.0f}\t{len(data) // 1024}\t{outcome}")


def _status(field: str) -> int:
    """A memory figure of this process in kB, from /proc/self/status (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--root", type=Path, default=HERE)
    parser.add_argument("--case")
    parser.add_argument("--trace", action="store_true")
    args = parser.parse_args()
    db_path = WORK / f"imports-{args.root.name}.db"
    os.environ.update(DATABASE_URL=f"sqlite:///{db_path}", QJSC_BCRYPT_ROUNDS="4",
                      QJSC_UPLOAD_DIR=str(WORK / "uploads"))
    if args.case:
        sys.path.insert(0, str(args.root))
        run_case(args.case, args.trace)
        return
    build_files()
    db_path.unlink(missing_ok=True)
    subprocess.run([sys.executable, "-c", "from core.setup import prepare; prepare(demo=True)"],
                   cwd=args.root, check=True, env=os.environ)
    print(f"core/ of {args.root}")
    print(f"{'case':<30} {'KB':>7} {'time':>9} {'py peak':>9} {'peak RSS MB':>12}   outcome")
    for case in CASES:
        runs = []
        for trace in (False, True):
            command = [sys.executable, __file__, "--root", str(args.root), "--case", case] + (["--trace"] * trace)
            done = subprocess.run(command, capture_output=True, text=True, cwd=args.root, env=os.environ)
            if done.returncode:
                runs.append(["?", "?", "?", "?", f"failed: {done.stderr.strip().splitlines()[-1][:70]}"])
            else:
                runs.append(done.stdout.strip().splitlines()[-1].split("\t"))
        plain, traced = runs
        print(f"{case:<30} {plain[3]:>7} {plain[0]:>8}s {traced[1]:>7}MB {plain[2]:>12}   {plain[4]}", flush=True)


if __name__ == "__main__":
    main()
