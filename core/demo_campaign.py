"""The demo campaign: seed 001's campaign (2021 白洋淀流域第二批涉水企业, 保定市) in progress, so that every
tier finds a living campaign at its first login.

    python -m core.demo_campaign        # after `python -m core.setup --demo`; scripts/start.sh runs both

It is played, not inserted: the province creates the roster task from seed 001's list, Baoding dispatches
it, its counties submit their final lists, Baoding approves them (returning one first) and submits, the
province approves and fixes the final list, then creates and dispatches the audit notice; Baoding adds its
requirements and dispatches; the counties issue the 告知书, upload the stamped scans and dispatch (all but
望都县, one scan short). Then each enterprise and the departments over it work through core's own functions
(core.demo_audits, core.demo_review) until the enterprise stands where the spread below puts it. So every
rule, version, audit-log entry and the progress table (core.progress) are those of real use, and the
load is refused rather than bent where a rule says no.

The accounts keep their published initial passwords and the forced change (core.demo_audits.Actors).
A database that already holds a roster task is left alone: the campaign is loaded once.
"""

from __future__ import annotations

import random
import sys
import time
from collections import Counter
from collections.abc import Callable
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import dates, instance, notice, roster, roster_list
from core.demo import CONFIRMED_INDUSTRIES, DEMO_CITY, ROSTER_CSV, demo_loaded
from core.demo_audits import (Actors, Calendar, Play, accept, apply, disclose, fill_startup, implement_options,
                              pdf_file, png_file, record_permit, work_phase)
from core.demo_review import decide, return_at_intake, return_in_review, take_to
from core.divisions import PROVINCE_CODE
from core.errors import RuleViolation
from core.models import ManagingTier
from core.notice_models import MILESTONES, NoticeAssignment, NoticeLetter
from core.project_models import Case, CaseKind, CaseStep
from core.roster_import import confirm_proposal, preview
from core.workflow_models import RosterAssignment, RosterTask

SEED = 2021  # the campaign's random generator: the same spread, names and figures on every load
CAMPAIGN = "2021年白洋淀流域第二批涉水企业清洁生产审核"
# Seed 001's own dates: the province's notice (〔2021〕—392号) and the 告知书 template (附件3).
SEED_PUBLISHED = date(2021, 10, 8)
SEED_MILESTONES = {"letters_due": date(2021, 10, 15), "register_due": date(2021, 10, 30),
                   "plan_due": date(2022, 3, 1), "evaluation_due": date(2022, 3, 31),
                   "acceptance_apply_due": date(2022, 6, 1), "acceptance_due": date(2022, 6, 30),
                   "summary_due": date(2022, 7, 15)}
SEED_ROSTER_CREATED, SEED_ROSTER_DEADLINE = date(2021, 9, 10), date(2021, 9, 30)
# The seed day the demo's today stands for. Every seed date is moved by the same number of days, today
# minus this day, so that on any day the demo is loaded the campaign is where it was on 2022-03-25: the
# letters, registration and evaluation-application dates passed (laggards are overdue), evaluation due in
# six days, acceptance ahead. The roster and the notice are entered on their own (moved) days, as
# roster.create_task and notice.create_notice allow, since their deadlines have passed by today.
SEED_TODAY = date(2022, 3, 25)
PENDING_COUNTY = "130631"  # 望都县 has issued its letters, one stamped scan is still missing: not dispatched
RETURNED_COUNTY = "130608"  # 清苑区's roster part is returned once by the city, then resubmitted
TOUR_COUNTY = "130681"  # 涿州市, the README's county tour: an evaluation and an acceptance wait for its intake
# The README's two enterprise accounts stand at telling stages.
PINNED = {"保定中法供水有限公司": "evaluation:document_review", "高阳县圣翔染厂": "evaluation:returned"}
P, C = ManagingTier.PROVINCE, ManagingTier.CITY
# Where the enterprises of the dispatched counties stand: (target, how many, the managing tier a slot needs).
# A case's target names the step it waits at, or its outcome.
SPREAD: tuple[tuple[str, int, ManagingTier | None], ...] = (
    ("notified", 7, None), ("accepted", 7, None), ("started", 11, None), ("ready", 4, None),
    ("evaluation:county_intake", 3, None), ("evaluation:city_intake", 3, None),
    ("evaluation:province_intake", 2, P), ("evaluation:expert_draw", 2, C), ("evaluation:expert_draw", 1, P),
    ("evaluation:document_review", 2, C), ("evaluation:document_review", 1, P),
    ("evaluation:site_review", 1, C), ("evaluation:site_review", 1, P), ("evaluation:result", 2, C),
    ("evaluation:returned", 2, C), ("evaluation:returned_at_intake", 1, None), ("evaluation:failed", 2, C),
    ("evaluation:passed", 9, None),
    ("acceptance:county_intake", 2, None), ("acceptance:city_intake", 1, None), ("acceptance:expert_draw", 1, C),
    ("acceptance:document_review", 1, C), ("acceptance:site_review", 1, C), ("acceptance:returned", 1, C),
    ("acceptance:passed", 3, C), ("acceptance:passed", 1, P), ("acceptance:failed", 1, C),
)
LETTER_PENDING = "letter_pending"

Report = Callable[[str], None]


def calendar(today: date) -> Calendar:
    shift = today - SEED_TODAY
    return Calendar(SEED_PUBLISHED + shift, {k: SEED_MILESTONES[k] + shift for k, _ in MILESTONES}, today)


def campaign_loaded(session: Session) -> bool:
    return session.scalar(select(RosterTask.id).limit(1)) is not None


# --- the roster ----------------------------------------------------------------------------------

def _part(session: Session, task_id: int, code: str) -> RosterAssignment:
    return session.scalar(select(RosterAssignment).where(RosterAssignment.task_id == task_id,
                                                         RosterAssignment.division_code == code))


def play_roster(play: Play) -> int:
    """The roster loop of seed 000 §2.1 on seed 001's list; returns the task's id."""
    s, actors, shift = play.session, play.actors, play.calendar.today - SEED_TODAY
    province, city = actors.login(PROVINCE_CODE), actors.login(DEMO_CITY)
    part = roster.create_task(s, province, name="2021年白洋淀流域第二批涉水企业名单核定", batch="第二批",
                              requirements="请逐一核实名单内企业的名称、所在区县和行业，标注不应列入的企业并说明理由。",
                              deadline=SEED_ROSTER_DEADLINE + shift, today=SEED_ROSTER_CREATED + shift)
    checked = preview(s, ROSTER_CSV.name, ROSTER_CSV.read_bytes())
    for row in checked.rows:  # the two non-standard industry names, as a person confirmed them
        if "industry" in row.proposals:
            confirm_proposal(row, "industry", CONFIRMED_INDUSTRIES[(row.values["行业大类名称"], row.values["行业名称"])])
    play.count("roster_entries", roster_list.import_rows(s, province, part.id, part.version, checked.rows).added)
    roster.dispatch(s, province, part.id, part.version, agreed=True)
    city_part = _part(s, part.task_id, DEMO_CITY)
    counties = roster.dispatch(s, city, city_part.id, city_part.version, agreed=True)
    play.count("roster_counties", len(counties))
    for county_part in counties:
        county = actors.login(county_part.division_code)
        roster.submit(s, county, county_part.id, county_part.version, agreed=True,
                      final_list_name=f"{county_part.division.short_name}最终名单（盖章）.pdf", final_list=pdf_file())
        if county_part.division_code == RETURNED_COUNTY:
            roster.review(s, city, county_part.id, county_part.version, approve=False,
                          comment="最终名单扫描件缺少分局公章，请盖章后重新提交。")
            roster.submit(s, county, county_part.id, county_part.version, agreed=True,
                          final_list_name="清苑区最终名单（已盖章）.pdf", final_list=pdf_file())
        roster.review(s, city, county_part.id, county_part.version, approve=True, comment="同意。")
    roster.submit(s, city, city_part.id, city_part.version, agreed=True,
                  final_list_name="保定市最终名单（盖章）.pdf", final_list=pdf_file())
    roster.review(s, province, city_part.id, city_part.version, approve=True, comment="同意保定市核定结果。")
    roster.finalize(s, province, part.id, part.version, agreed=True)
    return part.task_id


# --- the notice and the letters ------------------------------------------------------------------

def play_notice(play: Play, task_id: int) -> int:
    """The notice cascade of seed 000 §2.2 down to the enterprises; returns the notice's id."""
    s, actors, cal = play.session, play.actors, play.calendar
    province, city = actors.login(PROVINCE_CODE), actors.login(DEMO_CITY)
    form = notice.NoticeForm(
        doc_number="〔2021〕—392号", batch="第二批", name=CAMPAIGN, basis="《清洁生产审核办法》《清洁生产审核评估与验收指南》",
        requirements="请各地按时间节点组织企业开展清洁生产审核，及时在系统中填报审核信息并组织评估验收。",
        publish_date=cal.published, deadline=cal.milestones["summary_due"], contact_person="省厅清洁生产审核工作组",
        contact_phone="0311-80000000", milestones=dict(cal.milestones))
    part = notice.create_notice(s, province, task_id, form, today=cal.published)
    notice.dispatch(s, province, part.id, part.version, agreed=True)
    city_part = s.scalar(select(NoticeAssignment).where(NoticeAssignment.notice_id == part.notice_id,
                                                        NoticeAssignment.division_code == DEMO_CITY))
    notice.save_requirements(s, city, city_part.id, city_part.version,
                             "各分局于告知书送达时限前完成告知书盖章送达，并督促企业按期登录系统填报。")
    notice.dispatch(s, city, city_part.id, city_part.version, agreed=True)
    county_parts = s.scalars(select(NoticeAssignment).where(NoticeAssignment.parent_id == city_part.id)
                             .order_by(NoticeAssignment.division_code))
    for county_part in county_parts:
        county = actors.login(county_part.division_code)
        issued = notice.issue_letters(s, county, county_part.id)
        play.count("letters", len(issued))
        pending = county_part.division_code == PENDING_COUNTY
        for i, letter in enumerate(issued[:-1] if pending else issued):
            scan = ("告知书（盖章）.pdf", pdf_file()) if i % 2 == 0 else ("告知书（盖章）.png", png_file("#f4f1e8"))
            notice.upload_stamped(s, county, letter.letter_id, *scan)
        if not pending:
            notice.dispatch(s, county, county_part.id, county_part.version, agreed=True)
    return part.notice_id


# --- the spread ------------------------------------------------------------------------------------

def spread(letters: list[NoticeLetter], rng: random.Random) -> dict[int, str]:
    """Each letter's target: the pinned enterprises first, then the slots a managing tier must fill, then
    the rest, over the enterprises in an order shuffled by the campaign's generator."""
    waiting = [x for x in letters if x.county_code != PENDING_COUNTY]
    slots = [(target, tier) for target, n, tier in SPREAD for _ in range(n)]
    if len(slots) != len(waiting):
        raise ValueError(f"the spread has {len(slots)} places for {len(waiting)} enterprises")
    order = sorted(waiting, key=lambda x: x.id)
    rng.shuffle(order)
    tour = [x for x in order if x.county_code == TOUR_COUNTY and x.enterprise.managing_tier is C]
    pins = [(x, PINNED[x.enterprise.name]) for x in order if x.enterprise.name in PINNED]
    pins += [(tour[0], "evaluation:county_intake"), (tour[1], "acceptance:county_intake")]
    result = {x.id: LETTER_PENDING for x in letters if x.county_code == PENDING_COUNTY}

    def place(letter: NoticeLetter, target: str | None = None) -> None:
        tier = letter.enterprise.managing_tier
        slot = next(s for s in slots if (target is None or s[0] == target) and s[1] in (None, tier))
        slots.remove(slot)
        result[letter.id] = slot[0]

    for letter, target in pins:
        place(letter, target)
    for tier in (P, C):
        for target, _ in [s for s in slots if s[1] is tier]:
            letter = next(x for x in order if x.id not in result and x.enterprise.managing_tier is tier)
            place(letter, target)
    for letter in order:
        if letter.id not in result:
            place(letter)
    return result


def _review(play: Play, case: Case, outcome: str) -> None:
    if outcome in ("passed", "failed"):
        decide(play, case, outcome == "passed")
    elif outcome == "returned":
        return_in_review(play, case)
    elif outcome == "returned_at_intake":
        return_at_intake(play, case)
    else:
        take_to(play, case, CaseStep(outcome))


def play_enterprise(play: Play, letter: NoticeLetter, target: str) -> None:
    """The enterprise of `letter` (and the departments over it) work until it stands at `target`."""
    rng = play.rng
    if target in (LETTER_PENDING, "notified"):
        return
    project = accept(play, letter)
    if target == "accepted":
        fill_startup(play, project, steps=rng.randrange(1, 5))
        return
    fill_startup(play, project)
    if rng.random() < 0.85:
        disclose(play, project)
    if rng.random() < 0.8:
        record_permit(play, project, play.actors.login(letter.county_code))
    if target == "started":
        work_phase(play, project, "evaluation", complete=rng.randrange(0, 6))
        return
    work_phase(play, project, "evaluation")
    if target == "ready":
        return
    phase, outcome = target.split(":")
    case = apply(play, project, CaseKind.EVALUATION)
    if phase == "evaluation" and outcome != "passed":
        _review(play, case, outcome)
        return
    decide(play, case, True)
    if phase == "evaluation":  # passed: the implementation under way
        implement_options(play, project, share=0.5)
        work_phase(play, project, "acceptance", complete=rng.randrange(0, 3))
        return
    implement_options(play, project)
    work_phase(play, project, "acceptance")
    _review(play, apply(play, project, CaseKind.ACCEPTANCE), outcome)


# --- the whole load ------------------------------------------------------------------------------

def load_campaign(session: Session, *, today: date | None = None,
                  report: Report | None = None) -> dict[str, int] | None:
    """Play the campaign into a demo database that has its accounts and no campaign yet; None when a
    campaign is already there. Refused on a production database."""
    report = report or (lambda _message: None)
    if instance.mode(session) != instance.DEMO or not demo_loaded(session):
        raise RuleViolation("演示清审批次只能加载到已载入演示数据的演示数据库（python -m core.setup --demo）")
    if campaign_loaded(session):
        return None
    play = Play(session, Actors(session), random.Random(SEED), calendar(today or dates.beijing_today()))
    report(f"演示清审批次：今天相当于种子批次的 {SEED_TODAY:%Y-%m-%d}，发布日期 {play.calendar.published:%Y-%m-%d}")
    task_id = play_roster(play)
    report(f"名单核定：省级导入 {play.counts['roster_entries']} 家企业，保定市及 {play.counts['roster_counties']} 个区县"
           "核定、提交，省级审核通过")
    notice_id = play_notice(play, task_id)
    report(f"清审任务通知：已下发，{play.counts['letters']} 份告知书已生成（望都县尚有 1 份盖章件未上传，未下发）")
    letters = list(session.scalars(select(NoticeLetter).where(NoticeLetter.notice_id == notice_id)
                                   .order_by(NoticeLetter.id)))
    targets = spread(letters, play.rng)
    for done, letter in enumerate(letters, start=1):
        play_enterprise(play, letter, targets[letter.id])
        if done % 10 == 0 or done == len(letters):
            report(f"企业审核进度：{done}/{len(letters)}")
    play.counts["accounts_restored"] = play.actors.restore()
    play.counts.update({f"target:{k}": v for k, v in Counter(targets.values()).items()})
    return play.counts


def main() -> int:
    from core.config import database_url
    from core.db import get_engine, unit_of_work

    started = time.perf_counter()

    def report(message: str) -> None:
        print(f"[{time.perf_counter() - started:5.1f} s] {message}", file=sys.stderr, flush=True)

    try:
        with unit_of_work(get_engine(database_url()), write=True) as session:
            counts = load_campaign(session, report=report)
    except RuleViolation as exc:
        print(f"refused: {exc.message}", file=sys.stderr)
        return 2
    if counts is None:
        report("数据库中已有名单核定任务（演示清审批次已加载，或已有人开始办理），未加载演示清审批次")
        return 0
    cases = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()) if not k.startswith("target:"))
    report(f"演示清审批次已加载：{cases}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
