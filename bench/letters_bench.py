"""Benchmark of the notice letters (告知书): render N letters, ZIP them, merge them into one PDF.

Run from the project root: .venv/bin/python bench/letters_bench.py [N]   (N defaults to 1000)
"""

from __future__ import annotations

import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a plain script

from core.letters import LetterData, letters_zip, merged_pdf, render_letters
from core.passwords import bcrypt_rounds, generate_initial_password, hash_one_time_password, hash_password

COUNTIES = ["涿州市", "定兴县", "高碑店市", "安新县", "雄县", "容城县", "清苑区", "任丘市"]
TRADES = ["化工", "制药", "印染", "造纸", "食品", "电镀", "皮革", "机械制造"]


def synthetic_letters(n: int) -> list[LetterData]:
    issue = date(2021, 10, 8)
    result = []
    for i in range(1, n + 1):
        county = COUNTIES[i % len(COUNTIES)]
        result.append(LetterData(
            letter_number=f"2021130681{i:05d}",
            enterprise_name=f"{county}第{i}{TRADES[i % len(TRADES)]}有限公司",
            basis="《白洋淀生态环境综合治理方案（2020—2022 年）》对白洋淀流域涉水行业企业 2022 年全部"
                  "达到清洁化生产水平的工作要求",
            campaign="2021 年第二批白洋淀流域涉水企业清洁生产审核名单",
            register_due=issue + timedelta(days=22),
            plan_due=date(2022, 3, 1),
            evaluation_due=date(2022, 3, 31),
            acceptance_apply_due=date(2022, 6, 1),
            acceptance_due=date(2022, 6, 30),
            account=f"QY130681{i:04d}",
            initial_password=f"Qj{i:06d}#x",
            department_name=f"保定市生态环境局{county}分局",
            issue_date=issue,
        ))
    return result


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    items = synthetic_letters(n)

    start = time.perf_counter()
    letters = render_letters(items)
    render_s = time.perf_counter() - start

    start = time.perf_counter()
    archive = letters_zip(letters)
    zip_s = time.perf_counter() - start

    start = time.perf_counter()
    merged = merged_pdf(letters)
    merge_s = time.perf_counter() - start

    total = render_s + zip_s  # what issuing does; the merged PDF is built when it is downloaded
    pdf_bytes = sum(len(pdf) for _, pdf in letters)
    print(f"letters:        {n}")
    print(f"render_letters: {render_s:8.2f} s  ({render_s / n * 1000:.1f} ms per letter; "
          f"first includes font loading)")
    print(f"letters_zip:    {zip_s:8.2f} s  ({zip_s / n * 1000:.1f} ms per letter)")
    print(f"total:          {total:8.2f} s  ({total / n * 1000:.1f} ms per letter rendered and zipped)")
    print(f"merged_pdf:     {merge_s:8.2f} s  ({merge_s / n * 1000:.1f} ms per letter; when the county downloads it)")
    print(f"PDFs:           {pdf_bytes / 1048576:8.1f} MB ({pdf_bytes / n / 1024:.0f} KB per letter)")
    print(f"ZIP size:       {len(archive) / 1048576:8.1f} MB")
    print(f"merged PDF:     {len(merged) / 1048576:8.1f} MB")
    account_s = _account_hashing(hash_one_time_password, n)
    bcrypt_s = _account_hashing(hash_password, min(n, 20))
    print(f"account hash:   {account_s * 1000:8.3f} ms per letter (the one-time password's salted SHA-256, "
          f"core.passwords.hash_one_time_password; measured on {n})")
    print(f"  (bcrypt cost {bcrypt_rounds()}, kept for chosen passwords: {bcrypt_s * 1000:.1f} ms; measured on "
          f"{min(n, 20)})")
    print(f"per letter with its account: {(total / n + account_s) * 1000:.1f} ms")


def _account_hashing(hasher, k: int) -> float:
    """Seconds per hash: issuing a letter hashes the new one-time password of its account."""
    start = time.perf_counter()
    for _ in range(k):
        hasher(generate_initial_password())
    return (time.perf_counter() - start) / k


if __name__ == "__main__":
    main()
