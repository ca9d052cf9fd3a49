"""The demo campaign's 业务办理 (core.demo_campaign): an application taken through its route by the
department that holds each step — intake, expert draw (with a 补抽 now and then), 线上文审, 现场审核 and the
result — or returned to the enterprise, through core's own transitions (core.cases, core.expert_draw,
core.full_review)."""

from __future__ import annotations

from core import cases, expert_draw, full_review
from core.cases import StageVerdict
from core.demo_audits import Play, png_file
from core.models import User
from core.project_models import Case, CaseStep
from core.review_models import Conclusion
from core.stages import stages_of
from core.startup_fields import BEIJING

S = CaseStep
INTAKE = (S.COUNTY_INTAKE, S.CITY_INTAKE, S.PROVINCE_INTAKE)
# Where a case may be left; every step of ROUTES but DONE, which only a result reaches.
STOPS = (S.COUNTY_INTAKE, S.CITY_INTAKE, S.PROVINCE_INTAKE, S.EXPERT_DRAW, S.DOCUMENT_REVIEW, S.SITE_REVIEW, S.RESULT)
AGREED = "材料齐全，内容符合要求，同意受理。"
OPINIONS = {
    Conclusion.PASS: "审核报告内容完整，物料平衡和水平衡测试数据可信，方案可行，同意通过。",
    Conclusion.REVISE: "水平衡测试数据不完整，部分方案的节水效果缺少测算依据，请补充后再审。",
    Conclusion.FAIL: "审核重点选择依据不足，清洁生产目标未量化，方案缺乏可行性分析，不同意通过。",
}
RETURN_REMARKS = {"assessment": "水平衡测试缺少清洗工序的实测数据，请补测并更新平衡图。",
                  "option_generation": "请补充各方案节水量和 COD 削减量的测算过程。"}
INTAKE_REMARK = ("assessment", "物料平衡、水平衡测试报告缺少测试期间的原始记录，请补充后重新提交。")
ACCEPTANCE_RETURN = {"implementation": "请补充中/高费方案的竣工验收单和实施前后对比照片。"}


def holder(play: Play, case: Case) -> User:
    """The department that holds the case at its current step."""
    tier = cases.holder_tier(case.managing_tier, case.step)
    return play.actors.login(cases.holder_code(tier, cases.enterprise_of(play.session, case).division))


def _pass_intake(play: Play, case: Case) -> None:
    verdicts = {stage.key: StageVerdict(True, AGREED) for stage in stages_of(case.kind.value)}
    cases.intake(play.session, holder(play, case), case.id, case.version, verdicts, agreed=True)


def _draw(play: Play, case: Case, *, confirm: bool) -> None:
    department = holder(play, case)
    expert_draw.draw(play.session, department, case.id, case.version, seed=play.rng.randrange(2**31),
                     avoid_same_county=play.rng.random() < 0.5)
    if play.rng.random() < 0.2:  # an expert who cannot come is replaced (补抽)
        declined = expert_draw.active_panel(play.session, case.id)[0].expert_id
        expert_draw.decline_and_redraw(play.session, department, case.id, case.version, declined,
                                       "出差在外，无法参加本次审核", seed=play.rng.randrange(2**31))
        play.count("experts_redrawn")
    if confirm:
        expert_draw.confirm_panel(play.session, department, case.id, case.version)


def _opinions(play: Play, case: Case, conclusion: Conclusion, how_many: int | None = None) -> None:
    department = holder(play, case)
    panel = expert_draw.active_panel(play.session, case.id)
    for member in panel[:how_many]:
        score = {Conclusion.PASS: play.rng.uniform(78, 95), Conclusion.REVISE: play.rng.uniform(62, 78),
                 Conclusion.FAIL: play.rng.uniform(40, 60)}[conclusion]
        full_review.record_opinion(play.session, department, case.id, member.expert_id,
                                   full_review.OpinionForm(round(score, 1), conclusion, OPINIONS[conclusion]))
        play.count("expert_opinions")


def _site_review(play: Play, case: Case, *, finish: bool) -> None:
    department = holder(play, case)
    # 现场审核 cannot predate the application; the application was made today.
    visit = case.submitted_at.astimezone(BEIJING).date()
    full_review.save_site_review(play.session, department, case.id, full_review.SiteForm(
        visit, "专家组 3 人、主管部门 2 人、企业负责人及审核小组成员",
        "现场核查了审核重点工序和已实施的无/低费方案，台账与申报材料一致，现场管理规范。"))
    full_review.add_site_photos(play.session, department, case.id, [("现场审核.png", png_file("#9db3a0"))])
    if finish:
        full_review.finish_site_review(play.session, department, case.id, case.version, agreed=True)


def take_to(play: Play, case: Case, stop: CaseStep, *, conclusion: Conclusion = Conclusion.PASS) -> None:
    """Move the case along its route until it waits at `stop`; there, the work of that step is begun
    (a panel drawn but not confirmed, some opinions in, a site visit recorded) now and then."""
    route = cases.ROUTES[case.managing_tier]
    if stop not in route:
        raise ValueError(f"{stop} is not on the {case.managing_tier} route")
    while case.step in INTAKE and case.step is not stop:
        _pass_intake(play, case)
    if case.step is stop and stop in INTAKE:
        return
    begun = play.rng.random() < 0.5
    if stop is S.EXPERT_DRAW:
        if begun:
            _draw(play, case, confirm=False)
        return
    _draw(play, case, confirm=True)
    if stop is S.DOCUMENT_REVIEW:
        if begun:
            _opinions(play, case, conclusion, how_many=1)
        return
    _opinions(play, case, conclusion)
    full_review.finish_document_review(play.session, holder(play, case), case.id, case.version, agreed=True)
    if stop is S.SITE_REVIEW:
        if begun:
            _site_review(play, case, finish=False)
        return
    _site_review(play, case, finish=True)


def decide(play: Play, case: Case, passed: bool) -> None:
    """The whole route, then 审核结果 (the result PDF is issued by core.full_review)."""
    take_to(play, case, S.RESULT, conclusion=Conclusion.PASS if passed else Conclusion.FAIL)
    opinion = ("经专家组线上文审和现场审核，企业清洁生产审核工作规范，方案切实可行，达到审核目标，同意通过。" if passed else
               "经专家组线上文审和现场审核，企业审核重点和目标不明确，方案缺乏可行性，不予通过，请整改后重新申请。")
    full_review.issue_result(play.session, holder(play, case), case.id, case.version, passed=passed, opinion=opinion,
                             agreed=True)
    play.count(f"{case.kind.value}_{'passed' if passed else 'failed'}")


def return_in_review(play: Play, case: Case) -> None:
    """Returned for rectification during 线上文审, with the remarks the experts' opinions call for."""
    take_to(play, case, S.DOCUMENT_REVIEW)
    _opinions(play, case, Conclusion.REVISE)
    remarks = RETURN_REMARKS if case.kind.value == "evaluation" else ACCEPTANCE_RETURN
    cases.return_for_rectification(play.session, holder(play, case), case.id, case.version, remarks, agreed=True)
    play.count("returned")


def return_at_intake(play: Play, case: Case) -> None:
    """The county finds a document incomplete: the case goes back to the enterprise from intake."""
    stage, remark = INTAKE_REMARK
    verdicts = {s.key: StageVerdict(s.key != stage, remark if s.key == stage else AGREED)
                for s in stages_of(case.kind.value)}
    cases.intake(play.session, holder(play, case), case.id, case.version, verdicts, agreed=True)
    play.count("returned")
