"""The demo campaign's audits (core.demo_campaign): what each enterprise records, played by the enterprise
itself through core's own functions — acceptance of its task, 项目启动, the stages' work, the options
ledger, its permit and disclosures, its applications. The review of its cases is core.demo_review.

Everything is drawn from the campaign's random generator in a fixed order, so that a load is the same
every time; the files are made here (a blank A4 PDF page, small PNG pictures).
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass, field, fields, replace
from datetime import date, timedelta
from functools import cache

from PIL import Image
from pypdf import PdfWriter
from sqlalchemy import select
from sqlalchemy.orm import Session

from core import applications, audit, contracts, disclosure, notice, options, permits, stage_records, startup
from core.credit_code import check_character
from core.disclosure_models import DisclosureChannel, PermitClass
from core.models import OWNERSHIP_TYPES, Enterprise, User
from core.notice_models import NoticeLetter
from core.options import OptionForm
from core.project_models import AuditMode, AuditProject, Case, CaseKind, OptionKind, OptionStatus
from core.stages import ItemKind, Stage, stages_of

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶"
GIVEN = ("建国", "志强", "海燕", "秀英", "立新", "国华", "红梅", "晓东", "文博", "丽娟", "永刚", "春生", "雪峰", "振华",
         "建军", "淑芬", "明远", "学斌", "玉兰", "卫东")
# Fictitious consultancies; their credit codes get a correct check character (core.credit_code).
CONSULTANCIES = (("河北清源环保科技有限公司", "91130600MA0CB1234"), ("保定绿洲清洁生产咨询有限公司", "91130602MA0D56789"),
                 ("石家庄华清节能环保技术服务有限公司", "91130100MA0AB2468"))
TEXTS = {
    "audit_focus": "以用水量和废水排放量最大的生产工序为审核重点：该工序新鲜水用量约占全厂的六成，节水减污潜力最大。",
    "targets": "近期（一年内）：单位产品新鲜水用量降低 10%，COD 排放量降低 8%；中远期（三年内）：废水回用率达到 60%。",
    "cause_analysis": "废水主要来自清洗和冷却工序：清洗为单级溢流，冷却水未循环利用，部分阀门和管线跑冒滴漏。",
    "screening": "共征集方案 12 项，经初步筛选，无/低费方案 8 项可立即实施，中/高费方案 2 项进入可行性分析。",
    "selected": "推荐实施冷却水循环利用和清洗工序逆流漂洗改造，计划在六个月内完成，所需资金由企业自筹。",
    "effect": "方案实施后新鲜水用量下降约 15%，COD 和氨氮排放量相应减少，年节约生产成本约 20 万元。",
}
LOW_COST = ("加强设备跑冒滴漏巡检", "冷却水循环利用", "照明节能改造", "原料仓密闭改造", "规范化学品储存与领用",
            "车间地面干式清扫")
HIGH_COST = ("清洗工序逆流漂洗改造", "生产废水分质回用", "空压机余热回收", "中水回用系统建设")
APPLICATION_SUMMARY = ("本轮审核成立了领导小组和工作小组，完成了预审核、审核、方案产生和筛选、方案的确定等阶段的工作，"
                       "确定了审核重点和清洁生产目标，无/低费方案已全部实施。")
ACCEPTANCE_SUMMARY = "本轮审核方案已按计划实施，持续清洁生产制度已建立，实施后监测表明各项指标达到审核目标。"


@cache
def pdf_file() -> bytes:
    """A valid one-page (blank A4) PDF: what a scan or a report stands for in the demo."""
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


@cache
def png_file(colour: str = "#7fa37f") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(buffer, format="PNG")
    return buffer.getvalue()


def person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def mobile(rng: random.Random) -> str:
    return f"1380000{rng.randrange(10_000):04d}"  # the 1380000 block: fictitious numbers, as in the tests


class Actors:
    """The accounts that act in the campaign, by login or enterprise.

    An account may act only once its initial password is replaced (jurisdiction.require_operational), and
    the demo's published passwords must keep working with the forced change still on. So each account is
    noted as it was before it first acts, marked as changed while the campaign is played, and put back as
    it was by `restore` (issuing a letter also gives an existing enterprise account a new one-time password).
    """

    def __init__(self, session: Session):
        self.session = session
        self._before: dict[int, tuple[str, bool]] = {}
        for user in session.scalars(select(User)):
            self._before[user.id] = (user.password_hash, user.must_change_password)
        self._new: set[int] = set()
        self._ready: dict[str | int, User] = {}

    def _get(self, key: str | int, where) -> User:
        user = self._ready.get(key)
        if user is None:
            user = self._ready[key] = self.session.scalar(select(User).where(where))
            if user.id not in self._before:
                self._new.add(user.id)
            user.must_change_password = False
        return user

    def login(self, login: str) -> User:
        return self._get(login, User.login == login)

    def enterprise(self, enterprise_id: int) -> User:
        return self._get(enterprise_id, User.enterprise_id == enterprise_id)

    def restore(self) -> int:
        """Every account back to its password and forced change as before the campaign (in a new demo: the
        published initial password, to be changed at first login); returns how many accounts there are."""
        for user in self.session.scalars(select(User)):
            if user.id in self._before:
                user.password_hash, user.must_change_password = self._before[user.id]
            elif user.id in self._new:
                user.must_change_password = True
        self.session.flush()
        audit.record(self.session, actor=None, actor_login="demo", action="demo.accounts_restored",
                     object_type="user", object_id=None,
                     after={"accounts": len(self._before) + len(self._new), "must_change_password": True})
        return len(self._before) + len(self._new)


@dataclass
class Calendar:
    """The campaign's days (already moved to lie around today, see core.demo_campaign)."""

    published: date
    milestones: dict[str, date]
    today: date

    def between(self, rng: random.Random, start: date, end: date) -> date:
        end = min(end, self.today)
        return start + timedelta(days=rng.randrange(max((end - start).days, 0) + 1))


@dataclass
class Play:
    """One load of the campaign: the session, its actors, its random generator and its days."""

    session: Session
    actors: Actors
    rng: random.Random
    calendar: Calendar
    counts: dict[str, int] = field(default_factory=dict)

    def count(self, key: str, n: int = 1) -> None:
        self.counts[key] = self.counts.get(key, 0) + n


# --- the enterprise's task and 项目启动 -------------------------------------------------------------

def accept(play: Play, letter: NoticeLetter) -> AuditProject:
    user = play.actors.enterprise(letter.enterprise_id)
    notice.accept(play.session, user, letter.id, project_leader=person(play.rng), mobile=mobile(play.rng))
    play.count("accepted")
    return play.session.scalar(select(AuditProject).where(AuditProject.letter_id == letter.id))


def _startup_steps(play: Play, enterprise: Enterprise) -> dict[str, dict]:
    rng, cal = play.rng, play.calendar
    code = enterprise.industry_code
    own17 = f"91{enterprise.division_code}MA{enterprise.id:07d}"  # fictitious, unique per enterprise
    basic = {"name": enterprise.name, "credit_code": own17 + check_character(own17),
             "legal_representative": person(rng), "city_code": enterprise.division.city_code,
             "county_code": enterprise.division_code,
             "address": f"{enterprise.division.name}工业路 {rng.randrange(1, 300)} 号",
             "industry_division": code[:2], "industry_group": code[:3], "industry_code": code,
             "ownership_type": rng.choice(OWNERSHIP_TYPES[:6]), "employees": rng.randrange(30, 900),
             "working_days": rng.choice((250, 280, 300, 330)), "audit_mode": "self"}
    if rng.random() < 0.6:
        name, first17 = rng.choice(CONSULTANCIES)
        basic.update(audit_mode="consultancy", consultancy_name=name,
                     consultancy_credit_code=first17 + check_character(first17),
                     consultancy_contact=person(rng), consultancy_phone=f"0312-{rng.randrange(3_000_000, 3_999_999)}")
    approved = date(rng.randrange(2008, 2019), rng.randrange(1, 13), rng.randrange(1, 29))
    product = enterprise.industry.name if enterprise.industry else "主要产品"
    return {
        "basic": basic,
        "products": {"products": [{"name": f"{product}产品"[:64], "output": round(rng.uniform(500, 80_000), 1),
                                   "unit": "吨"}]},
        "eia": {"approval_number": f"保环评〔{approved.year}〕{rng.randrange(10, 200)}号",
                "approval_date": approved.isoformat(), "authority": "保定市环境保护局"},
        "monitoring": {"points": [{"outlet": "DW001 废水总排口", "pollutant": "COD", "standard": "GB 8978-1996 表4 三级",
                                   "result": round(rng.uniform(40, 300), 1), "unit": "mg/L",
                                   "date": cal.between(rng, cal.published, cal.today).isoformat()},
                                  {"outlet": "DW001 废水总排口", "pollutant": "氨氮", "standard": "GB 8978-1996 表4 三级",
                                   "result": round(rng.uniform(1, 25), 2), "unit": "mg/L",
                                   "date": cal.between(rng, cal.published, cal.today).isoformat()}]},
        "acceptance": {"status": "accepted", "document_number": f"保环验〔{approved.year + 1}〕{rng.randrange(1, 90)}号",
                       "date": (approved + timedelta(days=400)).isoformat(), "authority": "保定市环境保护局"},
    }


def fill_startup(play: Play, project: AuditProject, steps: int | None = None) -> None:
    """Save the first `steps` of 项目启动 (all five, and submit, when None)."""
    user = play.actors.enterprise(project.enterprise_id)
    data = _startup_steps(play, project.enterprise)
    for step in startup.DATA_STEPS[:steps]:
        startup.save_step(play.session, user, project.id, step, data[step], project.version)
    if steps is None:
        startup.submit(play.session, user, project.id, project.version, agreed=True)
        play.count("startup_submitted")
        if project.audit_mode is AuditMode.CONSULTANCY and project.id % 4:  # a quarter still owe it
            contracts.upload_contract(play.session, user, project.id, [("清洁生产审核咨询服务合同.pdf", pdf_file())])


# --- disclosure and permit --------------------------------------------------------------------------

def disclose(play: Play, project: AuditProject) -> None:
    rng, cal = play.rng, play.calendar
    user = play.actors.enterprise(project.enterprise_id)
    due = cal.milestones["register_due"]
    day = cal.between(rng, due - timedelta(days=14), due + timedelta(days=10))  # a few published late
    if rng.random() < 0.7:
        form = disclosure.DisclosureForm(DisclosureChannel.ENTERPRISE_SITE,
                                         f"https://www.example.com/qjsc/{project.id}.html", day)
    else:
        form = disclosure.DisclosureForm(DisclosureChannel.NEWSPAPER, f"《保定日报》{day:%Y年%m月%d日} 第 4 版", day)
    disclosure.add_disclosure(play.session, user, project.id, form, [("公开截图.png", png_file("#e8e8f0"))])
    play.count("disclosures")


def record_permit(play: Play, project: AuditProject, county: User) -> None:
    """The enterprise records its permit; written into it or not yet; its county confirms most."""
    rng, cal = play.rng, play.calendar
    user = play.actors.enterprise(project.enterprise_id)
    written = rng.random() < 0.85
    number = f"91{project.enterprise.division_code}MA0{rng.randrange(10_000, 99_999)}{rng.randrange(1, 9):03d}V"
    form = permits.PermitForm(
        permit_number=number,
        management_class=rng.choice((PermitClass.KEY, PermitClass.SIMPLIFIED)), requirement_written=written,
        written_on=cal.between(rng, cal.milestones["letters_due"], cal.milestones["register_due"] + timedelta(days=45))
        if written else None)
    record = permits.save_permit(play.session, user, project.id, form, [("排污许可证副本.pdf", pdf_file())])
    play.count("permits")
    if written and rng.random() < 0.6:
        permits.confirm_permit(play.session, county, project.id, record.version, agreed=True)
        play.count("permits_confirmed")


# --- the stages' work and the options ledger ----------------------------------------------------------

def _save(play: Play, user: User, project: AuditProject, stage: Stage, item_key: str, value) -> None:
    # Each item is saved once, on a page that showed it empty (version 0).
    stage_records.save_value(play.session, user, project.id, stage.key, item_key, value, seen=0)


def work_stage(play: Play, project: AuditProject, stage: Stage, *, complete: bool = True) -> None:
    """Record every item of a stage (only the first ones when not `complete`) and mark it complete."""
    rng = play.rng
    user = play.actors.enterprise(project.enterprise_id)
    items = stage.items if complete else stage.items[: max(1, len(stage.items) // 2)]
    for item in items:
        name = item.label.replace("/", "")  # a file name cannot hold a path separator
        if item.kind is ItemKind.DOCUMENT:
            stage_records.add_files(play.session, user, project.id, stage.key, item.key,
                                    [(f"{name}.pdf", pdf_file())])
        elif item.kind is ItemKind.PHOTO:
            stage_records.add_files(play.session, user, project.id, stage.key, item.key,
                                    [(f"{name}.png", png_file(rng.choice(("#7fa37f", "#8fa9c7", "#c7b58f"))))])
        elif item.kind is ItemKind.FIGURE:
            _save(play, user, project, stage, item.key, _figure(play, project, item.key))
        else:
            _save(play, user, project, stage, item.key, TEXTS.get(item.key, f"{item.label}：详见上传的材料。"))
    if stage.min_options and not options.options_of(play.session, project.id):
        draw_up_options(play, project)
    if complete:
        stage_records.complete_stage(play.session, user, project.id, stage.key)
        play.count("stages_completed")


def _figure(play: Play, project: AuditProject, key: str) -> float:
    if key == "trained_people":
        return float(play.rng.randrange(15, 120))
    before = 2_000.0 + (project.enterprise_id * 7919 % 180) * 1_000  # the same enterprise, the same water use
    return before if key == "fresh_water" else round(before * play.rng.uniform(0.8, 0.93))


def draw_up_options(play: Play, project: AuditProject) -> None:
    rng = play.rng
    user = play.actors.enterprise(project.enterprise_id)
    names = rng.sample(LOW_COST, rng.randrange(1, 4))
    forms = [OptionForm(OptionKind.LOW_COST, name, "option_generation", OptionStatus.PLANNED,
                        investment=round(rng.uniform(0.5, 12), 1), economic_benefit=round(rng.uniform(0.5, 8), 1),
                        water_saved=float(rng.randrange(200, 6_000)), cod_reduced=round(rng.uniform(0.05, 2), 2),
                        ammonia_reduced=round(rng.uniform(0, 0.2), 3), energy_saved=float(rng.randrange(0, 30)))
             for name in names]
    if rng.random() < 0.6:
        forms.append(OptionForm(OptionKind.HIGH_COST, rng.choice(HIGH_COST), "option_selection", OptionStatus.PLANNED,
                                investment=round(rng.uniform(30, 400), 1),
                                economic_benefit=round(rng.uniform(5, 80), 1),
                                water_saved=float(rng.randrange(5_000, 60_000)),
                                cod_reduced=round(rng.uniform(1, 15), 2),
                                ammonia_reduced=round(rng.uniform(0.05, 1.5), 3),
                                other_reduced=round(rng.uniform(0, 3), 2), energy_saved=float(rng.randrange(0, 300))))
    for form in forms:
        options.save_option(play.session, user, project.id, form)
        play.count("options")


def implement_options(play: Play, project: AuditProject, share: float = 1.0) -> None:
    """After evaluation passed: the options carried out are marked 已实施 (only the status may change)."""
    user = play.actors.enterprise(project.enterprise_id)
    for option in options.options_of(play.session, project.id):
        if option.status is OptionStatus.PLANNED and play.rng.random() < share:
            form = OptionForm(**{f.name: getattr(option, f.name) for f in fields(OptionForm)})
            form = replace(form, status=OptionStatus.IMPLEMENTED)
            options.save_option(play.session, user, project.id, form, option.id, option.version)
            play.count("options_implemented")


def work_phase(play: Play, project: AuditProject, phase: str, complete: int | None = None) -> None:
    """The first `complete` stages of a phase complete (all when None), the next one begun."""
    stages = stages_of(phase)
    done = len(stages) if complete is None else complete
    for stage in stages[:done]:
        work_stage(play, project, stage)
    if done < len(stages):
        work_stage(play, project, stages[done], complete=False)


def apply(play: Play, project: AuditProject, kind: CaseKind) -> Case:
    user = play.actors.enterprise(project.enterprise_id)
    letter = play.session.get(NoticeLetter, project.letter_id)  # the project leader named on accepting
    form = {"contact": letter.project_leader, "phone": letter.leader_mobile,
            "summary": APPLICATION_SUMMARY if kind is CaseKind.EVALUATION else ACCEPTANCE_SUMMARY}
    case = applications.submit(play.session, user, project.id, kind, form, agreed=True)
    play.count(f"{kind.value}_applications")
    return case
