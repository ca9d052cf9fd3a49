"""An electroplating enterprise (a shipped indicator system's industry) with its audit opened: the start of the
对标 and plausibility tests."""

from __future__ import annotations

from sqlalchemy import select

from core import applications, grading_entry, notice
from core.grading import Entry
from core.indicator_models import SheetPhase
from core.models import User, utcnow
from core.notice_models import NoticeAssignment
from core.project_models import AuditProject, CaseKind
from tests.support.projects import FORM, an_option, complete_phase
from tests.support.roster import CITY, HEADER, PROVINCE, approved_task, pdf_bytes, user
from tests.unit.test_notice import form

GAOXIN = "130671"  # 保定高新区
PLATER = HEADER + "67,保定市高新区华星电镀厂,保定市,保定高新区,金属制品业,金属表面处理及热处理加工,保定市生态环境局\n"
STARTUP = {
    "products": {"products": [{"name": "镀锌件", "output": 12000.0, "unit": "平方米"}]},
    "monitoring": {"points": [{"outlet": "DW001 废水总排口", "pollutant": "COD", "standard": "GB 21900-2008 表2",
                               "result": 42.0, "unit": "mg/L", "date": "2021-06-01"},
                              {"outlet": "DW001 废水总排口", "pollutant": "总锌", "standard": "GB 21900-2008 表2",
                               "result": 0.6, "unit": "mg/L", "date": "2021-06-01"}]},
}
BEFORE = {"clean_process": Entry(declared="II"), "process_control": Entry(declared="I"),
          "plating_lines": Entry(declared="III"), "water_saving": Entry(declared="II"),
          "rinse_water": Entry(value=20.0), "zinc": Entry(value=81.0), "nickel": Entry(value=96.0),
          **{k: Entry(not_applicable=True) for k in ("copper", "decorative_chromium", "hard_chromium", "gold",
                                                      "silver_cyanide")}}
AFTER = BEFORE | {"plating_lines": Entry(declared="II"), "rinse_water": Entry(value=7.0), "zinc": Entry(value=83.0)}
FIGURES_BEFORE = {"year": 2020, "output": 12000, "output_unit": "平方米", "fresh_water": 3000, "energy": 150,
                  "wastewater": 2600, "cod": 0.9, "ammonia": 0.05}
FIGURES_AFTER = {"year": 2021, "output": 12500, "output_unit": "平方米", "fresh_water": 2200, "energy": 140,
                 "wastewater": 1900, "cod": 0.6, "ammonia": 0.04}


def plating_project(session) -> tuple[AuditProject, User]:
    """保定市高新区华星电镀厂 (3360, 市直管) accepted its task and submitted its startup (products, monitoring)."""
    task_id = approved_task(session, PLATER)
    part = notice.create_notice(session, user(session, PROVINCE), task_id, form())
    notice.dispatch(session, user(session, PROVINCE), part.id, part.version, agreed=True)
    for code in (CITY, GAOXIN):
        assignment = session.scalar(select(NoticeAssignment).where(NoticeAssignment.notice_id == part.notice_id,
                                                                   NoticeAssignment.division_code == code))
        if code == GAOXIN:
            [issued] = notice.issue_letters(session, user(session, GAOXIN), assignment.id)
            notice.upload_stamped(session, user(session, GAOXIN), issued.letter_id, "盖章.pdf", pdf_bytes())
        notice.dispatch(session, user(session, code), assignment.id, assignment.version, agreed=True)
    enterprise = session.scalar(select(User).where(User.login == issued.account))
    enterprise.must_change_password = False
    notice.accept(session, enterprise, issued.letter_id, project_leader="李四", mobile="13912345678")
    project = session.scalar(select(AuditProject).where(AuditProject.letter_id == issued.letter_id))
    project.startup = dict(STARTUP)
    project.startup_submitted_at = utcnow()  # the startup wizard has its own tests
    session.flush()
    return project, enterprise


def graded(session, *, after: bool = True, in_park: bool = True, to_plant: bool = True,
           pollutants: tuple[str, ...] = ("化学需氧量", "总锌", "总镍")) -> tuple[AuditProject, User]:
    """The plater with its declaration and its 预审核 (and 验收) sheets saved."""
    project, enterprise = plating_project(session)
    grading_entry.save_declaration(session, enterprise, project.id, in_park, to_plant, list(pollutants), None)
    grading_entry.save_sheet(session, enterprise, project.id, SheetPhase.BEFORE, FIGURES_BEFORE, BEFORE, None)
    if after:
        grading_entry.save_sheet(session, enterprise, project.id, SheetPhase.AFTER, FIGURES_AFTER, AFTER, None)
    return project, enterprise


def applied(session, **kwargs):
    """The graded plater completed its evaluation phase and applied for evaluation; returns the case."""
    project, enterprise = graded(session, **kwargs)
    an_option(session, enterprise, project.id, water_saved=5000.0)
    complete_phase(session, enterprise, project.id, "evaluation")
    case = applications.submit(session, enterprise, project.id, CaseKind.EVALUATION, FORM, agreed=True)
    return case, project, enterprise
