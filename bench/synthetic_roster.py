"""The synthetic province's roster tasks (名单核定), audit notices (清审任务通知), letters and enterprise accounts.

Four roster tasks: two approved (each the roster of a campaign), one under way with its city and county
parts in every state, one being drafted by the province. Two audit notices from the approved rosters: the
older one dispatched everywhere, the newer one still waiting at one city and at about a quarter of the
counties (涿州 among them), whose letters are partly generated and stamped.
"""

from __future__ import annotations

from datetime import timedelta

from core import attachments, notice, roster, roster_list
from core.audit import STATEMENT
from core.models import Tier, User
from core.notice_models import MILESTONES, AuditNotice, NoticeAssignment, NoticeLetter, NoticeStatus
from core.workflow_models import ReviewDecision, RosterAssignment, RosterEntry, RosterReview, RosterStatus, RosterTask

R = RosterStatus
PROVINCE, BAODING, ZHUOZHOU = "130000", "130600", "130681"
TASKS = (  # key, name, batch, share of the enterprises listed, state, age in days
    ("t1", "2025年大气重点行业第一批强制性清洁生产审核企业名单核定", "第一批", 0.59, "approved", 480),
    ("t2", "2026年涉水重点行业第二批强制性清洁生产审核企业名单核定", "第二批", 0.47, "approved", 200),
    ("t3", "2026年第三批强制性清洁生产审核企业名单核定", "第三批", 0.59, "in_progress", 40),
    ("t4", "2027年第一批强制性清洁生产审核企业名单核定", "第一批", 0.31, "draft", 5),
)
# In the task under way: cities cycle through these (Baoding is dispatched), and the counties of a
# dispatched city through the next ones (涿州 was returned to rework its list).
CITY_CYCLE = (R.DISPATCHED, R.SUBMITTED, R.RETURNED, R.APPROVED, R.PENDING)
COUNTY_CYCLE = (R.PENDING, R.SUBMITTED, R.RETURNED, R.APPROVED)
NOTICES = (  # key, roster, 文号, name, days since publication, share of counties dispatched
    ("n1", "t1", "冀环科〔2025〕31号", "2025年大气重点行业第一批强制性清洁生产审核", 420, 1.0),
    ("n2", "t2", "冀环科〔2026〕12号", "2026年涉水重点行业第二批强制性清洁生产审核", 95, 0.75),
)
MILESTONE_DAYS = (10, 40, 100, 130, 220, 250, 265)  # after publication, in the order of MILESTONES
ACCEPTED_SHARE = {"n1": 0.88, "n2": 0.72}
PENDING_CITY = "131100"  # 衡水 has not yet passed the newer notice on


def build(w) -> None:
    showcase = min(w.enterprises)  # the first enterprise: 涿州, on every list, the enterprise tier's account
    w.meta["enterprise_id"] = showcase
    tasks = {key: _task(w, key, name, batch, share, state, age, showcase)
             for key, name, batch, share, state, age in TASKS}
    w.meta["roster"] = {k: {"task_id": t["task_id"], "parts": {c: t["parts"][c] for c in (PROVINCE, BAODING, ZHUOZHOU)
                                                                if c in t["parts"]}} for k, t in tasks.items()}
    w.meta["notice"] = {}
    w.accepted_letters = []
    for key, task_key, doc, name, age, share in NOTICES:
        _notice(w, key, tasks[task_key], doc, name, age, share, showcase)
    w.meta["enterprise_login"] = w.user_login[w.enterprise_user[showcase]]


# --- roster tasks ----------------------------------------------------------------------------------

def _task(w, key, name, batch, share, state, age, showcase) -> dict:
    rnd, load = w.rnd, w.load
    created = w.ago(age)
    province = w.province_user()
    task_id = load.add(RosterTask, name=name, batch=batch, requirements="请各地逐一核实名单企业的生产状态和行业类别，"
                       "对不应列入的企业标注“否”并说明情况、上传佐证材料。", deadline=(created + timedelta(days=45)).date(),
                       province_code=PROVINCE, created_by_user_id=province, created_at=created)
    w.audit("roster.create", roster.OWNER_TASK, task_id, created, province, after={"name": name, "batch": batch})
    w.attach(roster.OWNER_TASK, task_id, attachments.TASK_FILE, "关于开展名单核定工作的通知.pdf", province, created)
    members = sorted(set(rnd.sample(sorted(w.enterprises), round(share * len(w.enterprises)))) | {showcase})
    statuses = _statuses(w, state, members)
    parts = _parts(w, task_id, statuses, created)
    kept = _entries(w, task_id, members, statuses, created, state)
    return {"task_id": task_id, "parts": parts, "kept": kept, "created": created, "batch": batch}


def _statuses(w, state: str, members: list[int]) -> dict[str, RosterStatus]:
    """The status of every department's part (absent: no part yet)."""
    counties = sorted({w.enterprises[e]["county"] for e in members})
    cities = sorted({w.city_of(c) for c in counties})
    if state == "draft":
        return {PROVINCE: R.PENDING}
    if state == "approved":
        return {PROVINCE: R.APPROVED, **{c: R.APPROVED for c in cities + counties}}
    result = {PROVINCE: R.DISPATCHED}
    for i, city in enumerate(cities):
        result[city] = R.DISPATCHED if city == BAODING else CITY_CYCLE[i % len(CITY_CYCLE)]
    for i, county in enumerate(counties):
        city_status = result[w.city_of(county)]
        if city_status is R.DISPATCHED:
            result[county] = R.RETURNED if county == ZHUOZHOU else COUNTY_CYCLE[i % len(COUNTY_CYCLE)]
        elif city_status is not R.PENDING:
            result[county] = R.APPROVED
    return result


def _parts(w, task_id: int, statuses: dict[str, RosterStatus], created) -> dict[str, int]:
    """One part per department, with its timestamps, reviews, final lists and audit rows."""
    parts: dict[str, int] = {}
    for code in sorted(statuses, key=lambda c: (w.divisions[c]["level"] is not Tier.PROVINCE,
                                                 w.divisions[c]["level"] is Tier.COUNTY, c)):
        status, level = statuses[code], w.divisions[code]["level"]
        parent = None if level is Tier.PROVINCE else parts[PROVINCE if level is Tier.CITY else w.city_of(code)]
        depth = {Tier.PROVINCE: 0, Tier.CITY: 1, Tier.COUNTY: 2}[level]
        received = created + timedelta(days=2 * depth, hours=w.rnd.random())
        user = w.dept_user[code]
        moved = status is not R.PENDING
        submitted = status in (R.SUBMITTED, R.RETURNED, R.APPROVED) and level is not Tier.PROVINCE
        decided = status in (R.RETURNED, R.APPROVED)
        times = {"dispatched_at": received + timedelta(days=1) if moved and level is not Tier.COUNTY else None,
                 "submitted_at": received + timedelta(days=8 - 2 * depth) if submitted else None,
                 "decided_at": received + timedelta(days=10 - 2 * depth) if decided else None}
        part_id = w.load.add(RosterAssignment, task_id=task_id, division_code=code, level=level, parent_id=parent,
                             status=status, requirements="" if level is Tier.PROVINCE else "请按时核定并提交本级名单。",
                             received_at=received, version=1 + moved + submitted + bool(times["decided_at"]), **times)
        parts[code] = part_id
        if times["dispatched_at"]:
            w.audit("roster.dispatch", roster.OWNER_ASSIGNMENT, part_id, times["dispatched_at"], user,
                    before={"status": "pending"}, after={"status": "dispatched"}, statement=STATEMENT)
        if submitted:
            w.audit("roster.submit", roster.OWNER_ASSIGNMENT, part_id, times["submitted_at"], user,
                    before={"status": "pending"}, after={"status": "submitted"}, statement=STATEMENT)
            w.attach(roster.OWNER_ASSIGNMENT, part_id, attachments.FINAL_LIST, "最终名单（盖章）.pdf", user,
                     times["submitted_at"])
        if times["decided_at"] and level is not Tier.PROVINCE:
            reviewer = w.dept_user[PROVINCE if level is Tier.CITY else w.city_of(code)]
            approve = status is R.APPROVED
            comment = "" if approve else "请补充标注“否”企业的佐证材料，并核实增补企业的行业类别。"
            w.load.add(RosterReview, assignment_id=part_id, reviewer_user_id=reviewer,
                       decision=ReviewDecision.APPROVE if approve else ReviewDecision.RETURN, comment=comment,
                       at=times["decided_at"])
            w.audit(f"roster.{'approve' if approve else 'return'}", roster.OWNER_ASSIGNMENT, part_id,
                    times["decided_at"], reviewer, before={"status": "submitted"},
                    after={"status": status.value, "comment": comment})
        if level is Tier.PROVINCE and status is R.APPROVED:
            w.audit("roster.finalize", roster.OWNER_ASSIGNMENT, part_id, received + timedelta(days=14), user,
                    before={"status": "dispatched"}, after={"status": "approved"}, statement=STATEMENT)
    return parts


def _entries(w, task_id: int, members: list[int], statuses, created, state: str) -> list[int]:
    """The list: the province's rows, some marked 否 (with reasons and evidence), some 增补 by a county."""
    rnd, load = w.rnd, w.load
    showcase = w.meta["enterprise_id"]
    listed = set(members)
    kept = []
    rows = [(e, None) for e in members]
    for county in sorted({w.enterprises[e]["county"] for e in members}):
        if statuses.get(county) in (R.SUBMITTED, R.RETURNED, R.APPROVED):
            extra = [e for e in w.by_county.get(county, []) if e not in listed]
            for e in rnd.sample(extra, min(len(extra), round(0.02 * len(w.by_county[county]) + rnd.random()))):
                rows.append((e, county))
                listed.add(e)
    for number, (enterprise_id, added_by) in enumerate(rows, start=1):
        county = w.enterprises[enterprise_id]["county"]
        worked = statuses.get(county) in (R.SUBMITTED, R.RETURNED, R.APPROVED)
        excluded = worked and added_by is None and enterprise_id != showcase and rnd.random() < 0.05
        actor = w.dept_user[county] if worked else w.province_user()
        at = created + timedelta(days=rnd.uniform(3, 7)) if worked else created
        entry_id = load.add(RosterEntry, task_id=task_id, enterprise_id=enterprise_id, county_code=county,
                            city_code=w.city_of(county), list_number=None if added_by else number,
                            included=not excluded, exclusion_reason="企业已于去年关停，生产设备已拆除。" if excluded else None,
                            added_by_division=added_by, updated_at=at, updated_by_user_id=actor,
                            version=2 if excluded or added_by else 1)
        if excluded:
            w.audit("roster.exclude", roster_list.OWNER_ENTRY, entry_id, at, actor,
                    after={"included": False, "reason": "企业已于去年关停，生产设备已拆除。"})
            if rnd.random() < 0.6:
                w.attach(roster_list.OWNER_ENTRY, entry_id, attachments.EVIDENCE, "关停证明.pdf", actor, at)
        elif added_by:
            w.audit("roster.add", roster_list.OWNER_ENTRY, entry_id, at, actor, after={"enterprise_id": enterprise_id})
        if not excluded:
            kept.append(enterprise_id)
    return kept


# --- audit notices and letters ---------------------------------------------------------------------

def _notice(w, key, task, doc, name, age, share, showcase) -> None:
    rnd, load = w.rnd, w.load
    province = w.province_user()
    published = w.today - timedelta(days=age)
    dates = {k: published + timedelta(days=d) for (k, _), d in zip(MILESTONES, MILESTONE_DAYS, strict=True)}
    created = w.ago(age + 3)
    notice_id = load.add(AuditNotice, roster_task_id=task["task_id"], doc_number=doc, batch=task["batch"], name=name,
                         basis="《中华人民共和国清洁生产促进法》《清洁生产审核办法》", requirements="请各地按时间节点组织企业开展审核。",
                         publish_date=published, deadline=dates["summary_due"] + timedelta(days=15),
                         contact_person="王贵磊", contact_phone="0311-87908917", province_code=PROVINCE,
                         created_by_user_id=province, created_at=created, **dates)
    w.audit("notice.create", notice.OWNER_NOTICE, notice_id, created, province,
            after={"doc_number": doc, "name": name, "letters": len(task["kept"])})
    w.attach(notice.OWNER_NOTICE, notice_id, attachments.REQUIREMENTS_FILE, "清审任务通知.pdf", province, created)
    counties = sorted({w.enterprises[e]["county"] for e in task["kept"]})
    cities = sorted({w.city_of(c) for c in counties})
    status = {PROVINCE: True}
    status.update({c: not (key == "n2" and c == PENDING_CITY) for c in cities})
    for county in counties:
        if status[w.city_of(county)]:
            status[county] = county != ZHUOZHOU and rnd.random() < share if share < 1 else True
    parts: dict[str, int] = {}
    for code in sorted(status, key=lambda c: (c != PROVINCE, w.divisions[c]["level"] is Tier.COUNTY, c)):
        level = w.divisions[code]["level"]
        depth = {Tier.PROVINCE: 0, Tier.CITY: 1, Tier.COUNTY: 2}[level]
        received = created + timedelta(days=3 * depth)
        dispatched = received + timedelta(days=2 if level is not Tier.COUNTY else 8) if status[code] else None
        parent = None if level is Tier.PROVINCE else parts[PROVINCE if level is Tier.CITY else w.city_of(code)]
        parts[code] = load.add(NoticeAssignment, notice_id=notice_id, division_code=code, level=level, parent_id=parent,
                               status=NoticeStatus.DISPATCHED if dispatched else NoticeStatus.PENDING_DISPATCH,
                               requirements="" if level is Tier.PROVINCE else "请按通知要求做好告知和督促工作。",
                               received_at=received, dispatched_at=dispatched, version=2 if dispatched else 1)
        if dispatched:
            w.audit("notice.dispatch", notice.OWNER_PART, parts[code], dispatched, w.dept_user[code],
                    before={"status": "pending_dispatch"}, after={"status": "dispatched"}, statement=STATEMENT)
    w.meta["notice"][key] = {"notice_id": notice_id, "parts": {c: parts[c] for c in (PROVINCE, BAODING, ZHUOZHOU)
                                                               if c in parts}}
    _letters(w, key, notice_id, task["kept"], status, parts, published, showcase)


def _letters(w, key, notice_id, kept, status, parts, published, showcase) -> None:
    rnd, load = w.rnd, w.load
    sequence: dict[str, int] = {}
    for enterprise_id in sorted(kept, key=lambda e: (w.enterprises[e]["county"], e)):
        county = w.enterprises[enterprise_id]["county"]
        sequence[county] = sequence.get(county, 0) + 1
        number = f"{published.year}{county}{sequence[county]:05d}"
        county_user = w.dept_user[county]
        base = w.ago((w.today - published).days - 10)
        dispatched = status.get(county, False)
        generated = dispatched or (county in status and rnd.random() < 0.6)
        stamped = dispatched or (generated and rnd.random() < 0.5)
        accepted = dispatched and (enterprise_id == showcase or rnd.random() < ACCEPTED_SHARE[key])
        accepted_at = base + timedelta(days=rnd.uniform(2, 30)) if accepted else None
        leader, mobile = (_leader(rnd), f"13{rnd.randrange(10**9):09d}") if accepted else (None, None)
        if generated:
            _account(w, enterprise_id, base, accepted)
        letter_id = load.add(NoticeLetter, notice_id=notice_id, enterprise_id=enterprise_id, county_code=county,
                             letter_number=number, generated_at=base if generated else None,
                             generation_count=int(generated), accepted_at=accepted_at,
                             project_leader=leader, leader_mobile=mobile,
                             version=1 + generated + accepted)
        if generated:
            w.audit("notice.letter_issue", notice.OWNER_LETTER, letter_id, base, county_user,
                    after={"letter_number": number, "account": w.user_login[w.enterprise_user[enterprise_id]],
                           "generation": 1})
        if stamped:
            w.attach(notice.OWNER_LETTER, letter_id, notice.STAMPED_LETTER, f"{number}.pdf", county_user,
                     base + timedelta(days=1))
        if accepted:
            user = w.enterprise_user[enterprise_id]
            w.audit("notice.accept", notice.OWNER_LETTER, letter_id, accepted_at, user,
                    after={"project_leader": leader, "mobile": mobile})
            w.accepted_letters.append({"letter_id": letter_id, "enterprise_id": enterprise_id, "notice": key,
                                       "notice_id": notice_id, "county": county, "accepted_at": accepted_at})


def _leader(rnd) -> str:
    from bench.synthetic import GIVEN, SURNAMES

    return rnd.choice(SURNAMES) + rnd.choice(GIVEN)


def _account(w, enterprise_id: int, at, accepted: bool) -> None:
    """The enterprise's account, made when its first letter is issued (QY + county + 4 digits)."""
    if enterprise_id in w.enterprise_user:
        return
    county = w.enterprises[enterprise_id]["county"]
    w.account_numbers[county] = w.account_numbers.get(county, 0) + 1
    login = f"QY{county}{w.account_numbers[county]:04d}"
    user_id = w.load.add(User, login=login, display_name=w.enterprises[enterprise_id]["name"], tier=Tier.ENTERPRISE,
                         division_code=county, enterprise_id=enterprise_id, password_hash=w.password_hash,
                         must_change_password=not accepted, password_changed_at=at if accepted else None,
                         is_active=True, created_at=at)
    w.enterprise_user[enterprise_id] = user_id
    w.user_login[user_id] = login
    w.audit("account_created", "user", user_id, at, w.dept_user[county],
            after={"login": login, "tier": "enterprise", "division_code": county})
