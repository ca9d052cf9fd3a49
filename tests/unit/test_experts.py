"""专家库: who maintains and who sees which registry, every field check, duplicates, stale writes,
the audit log, and the spreadsheet import with its preview."""

from __future__ import annotations

import io
from dataclasses import replace

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import delete, func, select

from core import expert_import
from core import experts as ex
from core.credit_code import check_character
from core.db import unit_of_work
from core.errors import PermissionDenied, RuleViolation, ValidationError
from core.models import AuditLogEntry
from core.review_models import Expert
from tests.support.roster import CITY, PROVINCE, QINGYUAN, user

SHIJIAZHUANG = "130100"
ENTERPRISE = "QY1306060001"
CREDIT_CODE = "91130608MA07ABCD1" + check_character("91130608MA07ABCD1")
BAD_CREDIT_CODE = CREDIT_CODE[:17] + ("0" if CREDIT_CODE[17] != "0" else "1")

@pytest.fixture(autouse=True)
def empty_pool(db):
    """These tests build their own pools: the demo's province pool is taken away first."""
    with unit_of_work() as session:
        session.execute(delete(Expert))



def form(**changes) -> ex.ExpertForm:
    base = ex.ExpertForm(name="王建国", organisation="河北省环境科学研究院", title="高级工程师",
                         specialties=["13"], region_code=QINGYUAN, phone="13912345678",
                         conflicts=["保定玖福食品有限公司"])
    return replace(base, **changes)


def count(s, model=Expert) -> int:
    return s.scalar(select(func.count()).select_from(model))


def audit_rows(s, action: str) -> list[AuditLogEntry]:
    return list(s.scalars(select(AuditLogEntry).where(AuditLogEntry.action == action).order_by(AuditLogEntry.id)))


def xlsx(rows: list[list], header=expert_import.IMPORT_COLUMNS) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(header))
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- maintaining and seeing ------------------------------------------------------------------------

def test_the_province_and_a_city_add_experts_to_their_own_registries(uow):
    with uow() as s:
        province, city = user(s, PROVINCE), user(s, CITY)
        a = ex.add_expert(s, province, form(name="省库专家", specialties=["26", "13", "13"]))
        b = ex.add_expert(s, city, form(name="  市库专家 ", phone="138 0000 0001", title="",
                                        conflicts=["", "  ", CREDIT_CODE.lower()], region_code=CITY))
        assert (a.registry_code, b.registry_code) == (PROVINCE, CITY)
        assert a.specialties == ["13", "26"] and a.active is True and a.version == 1
        assert (b.name, b.phone, b.title, b.region_code) == ("市库专家", "13800000001", "", CITY)
        assert b.conflicts == [CREDIT_CODE]
        assert [e.id for e in ex.own_experts(s, city)] == [b.id]


def test_visibility_per_tier(uow):
    with uow() as s:
        province, city, county = user(s, PROVINCE), user(s, CITY), user(s, QINGYUAN)
        other_city = user(s, SHIJIAZHUANG)
        ex.add_expert(s, province, form(name="省库专家"))
        ex.add_expert(s, city, form(name="保定专家"))
        ex.add_expert(s, other_city, form(name="石家庄专家", region_code="130102"))

        def names(actor):
            return sorted(e.name for e in ex.pool(s, actor))

        assert names(province) == ["保定专家", "省库专家", "石家庄专家"]
        assert names(city) == ["保定专家", "省库专家"]
        assert names(county) == ["保定专家", "省库专家"]
        assert names(other_city) == ["省库专家", "石家庄专家"]
        assert ex.visible_registries(city) == [PROVINCE, CITY]
        assert ex.visible_registries(county) == [PROVINCE, CITY]
        registries = ex.visible_registries(province)
        assert registries[0] == PROVINCE and {CITY, SHIJIAZHUANG, "139900"} <= set(registries)
        with pytest.raises(PermissionDenied, match="仅供生态环境部门"):
            ex.pool(s, user(s, ENTERPRISE))
        with pytest.raises(PermissionDenied):
            ex.visible_registries(user(s, ENTERPRISE))


def test_pool_filters(uow):
    with uow() as s:
        city = user(s, CITY)
        ex.add_expert(s, city, form(name="张食品", specialties=["13"]))
        chem = ex.add_expert(s, city, form(name="李化工", organisation="河北化工设计院", specialties=["26"],
                                           phone="0312-1234567"))
        ex.set_active(s, city, chem.id, chem.version, False)
        assert [e.name for e in ex.pool(s, city, search="化工")] == ["李化工"]
        assert [e.name for e in ex.pool(s, city, search="张")] == ["张食品"]
        assert [e.name for e in ex.pool(s, city, specialty="26")] == ["李化工"]
        assert [e.name for e in ex.pool(s, city, active=True)] == ["张食品"]
        assert [e.name for e in ex.pool(s, city, active=False)] == ["李化工"]
        [row] = ex.table_rows(s, ex.pool(s, city, search="李"))
        assert row["专业领域"] == "26 化学原料和化学制品制造业" and row["状态"] == "停用"
        assert row["所属专家库"] == "保定市生态环境局" and row["所在地区"] == "保定市清苑区"
        assert dict(ex.specialty_options(s))["13"] == "农副食品加工业"


def test_the_pool_is_paged_and_counted_in_sql_and_the_own_list_searched(uow):
    with uow() as s:
        city = user(s, CITY)
        for i in range(7):
            ex.add_expert(s, city, form(name=f"王{i}号", specialties=["13", "26"] if i % 2 else ["33"],
                                        phone=f"1381234567{i}"))
        everyone = [e.name for e in ex.pool(s, city)]
        assert len(everyone) == ex.pool_count(s, city) == 7
        pages = [[e.name for e in ex.pool(s, city, offset=start, limit=3)] for start in (0, 3, 6)]
        assert sum(pages, []) == everyone and [len(p) for p in pages] == [3, 3, 1]
        # 大类 26 in a list holding 13 and 26; "3" alone is no code and matches nothing
        assert ex.pool_count(s, city, specialty="26") == 3 and ex.pool_count(s, city, specialty="33") == 4
        assert ex.pool_count(s, city, specialty="3") == 0
        assert [e.name for e in ex.own_experts(s, city, search="王1")] == ["王1号"]
        assert len(ex.own_experts(s, city, limit=2)) == 2


@pytest.mark.parametrize("login", [QINGYUAN, ENTERPRISE])
def test_counties_and_enterprises_may_not_maintain(uow, login):
    with uow() as s:
        actor = user(s, login)
        with pytest.raises(PermissionDenied, match="专家库由省级或地市生态环境部门维护"):
            ex.add_expert(s, actor, form())
        with pytest.raises(PermissionDenied):
            expert_import.import_preview(s, actor, "专家.xlsx", xlsx([]))
        assert count(s) == 0


def test_another_registrys_expert_cannot_be_edited(uow):
    with uow() as s:
        province, city = user(s, PROVINCE), user(s, CITY)
        expert = ex.add_expert(s, province, form())
        with pytest.raises(PermissionDenied, match="河北省生态环境厅专家库"):
            ex.update_expert(s, city, expert.id, expert.version, form(title="教授"))
        with pytest.raises(PermissionDenied):
            ex.set_active(s, city, expert.id, expert.version, False)
        mine = ex.add_expert(s, city, form())
        with pytest.raises(PermissionDenied, match="保定市生态环境局专家库"):
            ex.update_expert(s, province, mine.id, mine.version, form(title="教授"))
        with pytest.raises(PermissionDenied):
            ex.update_expert(s, user(s, QINGYUAN), mine.id, mine.version, form(title="教授"))
        assert expert.title == mine.title == "高级工程师" and expert.active


# --- field checks -----------------------------------------------------------------------------------

BAD_VALUES = [
    ("name", {"name": "王"}, "姓名"),
    ("name", {"name": "   "}, "姓名"),
    ("name", {"name": "王" * 33}, "姓名"),
    ("organisation", {"organisation": "院"}, "工作单位"),
    ("organisation", {"organisation": "院" * 129}, "工作单位"),
    ("title", {"title": "职" * 33}, "职称"),
    ("specialties", {"specialties": []}, "专业领域"),
    ("specialties", {"specialties": ["", " "]}, "专业领域"),
    ("specialties", {"specialties": ["99"]}, "专业领域"),
    ("specialties", {"specialties": ["1311"]}, "专业领域"),  # a 小类, not a 大类
    ("specialties", {"specialties": ["C"]}, "专业领域"),  # a 门类
    ("region_code", {"region_code": ""}, "所在地区"),
    ("region_code", {"region_code": "999999"}, "所在地区"),
    ("region_code", {"region_code": "130000"}, "所在地区"),  # the province itself: not a city or county
    ("phone", {"phone": ""}, "联系电话"),
    ("phone", {"phone": "1391234567"}, "联系电话"),
    ("phone", {"phone": "12912345678"}, "联系电话"),
    ("phone", {"phone": "0312-123"}, "联系电话"),
    ("phone", {"phone": "电话13912345678"}, "联系电话"),
    ("active", {"active": "yes"}, "状态"),
    ("conflicts", {"conflicts": ["单" * 129]}, "回避单位"),
    ("conflicts", {"conflicts": [f"企业{i}" for i in range(51)]}, "回避单位"),
    ("conflicts", {"conflicts": [BAD_CREDIT_CODE]}, "回避单位"),  # a credit code with a bad check digit
]


@pytest.mark.parametrize(("key", "changes", "label"), BAD_VALUES)
def test_each_bad_field_is_refused_and_named(uow, key, changes, label):
    with uow() as s:
        city = user(s, CITY)
        logged = count(s, AuditLogEntry)
        with pytest.raises(ValidationError) as info:
            ex.add_expert(s, city, form(**changes))
        assert info.value.field == key and label in info.value.message
        assert count(s) == 0 and count(s, AuditLogEntry) == logged
        expert = ex.add_expert(s, city, form())
        with pytest.raises(ValidationError) as info:
            ex.update_expert(s, city, expert.id, expert.version, form(**changes))
        assert info.value.field == key
        assert (expert.name, expert.version) == ("王建国", 1)


def test_good_edge_values_are_accepted(uow):
    with uow() as s:
        city = user(s, CITY)
        expert = ex.add_expert(s, city, form(name="王五", organisation="院所", title="职" * 32, phone="010-12345678",
                                             conflicts=[f"企业{i}" for i in range(50)] + ["", "企业1"],
                                             region_code="130100"))  # another city of the province
        assert expert.phone == "010-12345678" and len(expert.conflicts) == 50
        assert ex.add_expert(s, city, form(name="王" * 32, phone="0312 1234567")).phone == "03121234567"


def test_a_region_outside_the_province_is_refused(uow):
    with uow() as s:
        from core.models import Division, Tier

        s.add(Division(code="110000", name="北京市", short_name="北京市", level=Tier.PROVINCE, parent_code=None,
                       city_code=None, province_code="110000"))
        s.add(Division(code="110100", name="市辖区", short_name="市辖区", level=Tier.CITY, parent_code="110000",
                       city_code="110100", province_code="110000"))
        s.flush()
        try:
            with pytest.raises(ValidationError, match="不在本省范围内") as info:
                ex.add_expert(s, user(s, CITY), form(region_code="110100"))
            assert info.value.field == "region_code"
        finally:  # reference data is not reset between tests on PostgreSQL
            for code in ("110100", "110000"):
                s.delete(s.get(Division, code))
                s.flush()


def test_a_duplicate_in_the_same_registry_is_refused(uow):
    with uow() as s:
        city, province = user(s, CITY), user(s, PROVINCE)
        first = ex.add_expert(s, city, form())
        with pytest.raises(ValidationError, match="请勿重复登记") as info:
            ex.add_expert(s, city, form(organisation="别的单位", phone="139 1234 5678"))
        assert info.value.field == "name"
        ex.add_expert(s, province, form())  # the province's registry is another one
        other = ex.add_expert(s, city, form(phone="13900000000"))
        with pytest.raises(ValidationError, match="请勿重复登记"):
            ex.update_expert(s, city, other.id, other.version, form())
        ex.update_expert(s, city, first.id, first.version, form(title="教授"))  # itself is no duplicate
        assert count(s) == 3


def test_a_stale_version_is_refused(uow):
    with uow() as s:
        city = user(s, CITY)
        expert = ex.add_expert(s, city, form())
        seen = expert.version
        ex.update_expert(s, city, expert.id, seen, form(title="教授"))
        assert expert.version == seen + 1
        with pytest.raises(RuleViolation, match="该专家信息已被他人修改，请刷新后重试"):
            ex.update_expert(s, city, expert.id, seen, form(title="研究员"))
        with pytest.raises(RuleViolation, match="该专家信息已被他人修改，请刷新后重试"):
            ex.set_active(s, city, expert.id, seen, False)
        assert expert.title == "教授" and expert.active


def test_every_change_is_logged_with_before_and_after(uow):
    with uow() as s:
        city = user(s, CITY)
        expert = ex.add_expert(s, city, form())
        ex.update_expert(s, city, expert.id, expert.version, form(title="教授", specialties=["26"]))
        ex.update_expert(s, city, expert.id, expert.version, form(title="教授", specialties=["26"]))  # no change
        ex.set_active(s, city, expert.id, expert.version, False)
        with pytest.raises(RuleViolation, match="已是“停用”"):
            ex.set_active(s, city, expert.id, expert.version, False)
        ex.set_active(s, city, expert.id, expert.version, True)
        [created] = audit_rows(s, "expert.create")
        assert created.before is None and created.after["name"] == "王建国" and created.actor_user_id == city.id
        assert created.after["registry_code"] == CITY and created.object_id == str(expert.id)
        [updated] = audit_rows(s, "expert.update")
        assert (updated.before["title"], updated.after["title"]) == ("高级工程师", "教授")
        assert (updated.before["specialties"], updated.after["specialties"]) == (["13"], ["26"])
        [off] = audit_rows(s, "expert.deactivate")
        [on] = audit_rows(s, "expert.activate")
        assert (off.before, off.after, on.before, on.after) == ({"active": True}, {"active": False},
                                                                {"active": False}, {"active": True})
        assert expert.version == 4


# --- import -----------------------------------------------------------------------------------------

GOOD_ROWS = [
    ["赵一", "河北省环境科学研究院", "高级工程师", "13 农副食品加工业、26 化学原料和化学制品制造业", "清苑区",
     13912340001, f"保定玖福食品有限公司；{CREDIT_CODE}", "在库"],
    ["钱二", "保定市环境监测中心", "", "纺织服装、服饰业", "保定市", "0312-1234567", "", ""],
    ["孙三", "华北电力大学", "教授", "44，46 6", "130606", "139 1234 0003", "", "停用"],
]


def test_a_good_file_imports_every_row(uow):
    with uow() as s:
        city = user(s, CITY)
        preview = expert_import.import_preview(s, city, "专家名单.xlsx", xlsx(GOOD_ROWS))
        assert preview.ok, [(r.line, r.errors) for r in preview.rows]
        assert [r.line for r in preview.rows] == [2, 3, 4]
        assert count(s) == 0
        assert expert_import.import_experts(s, city, preview) == 3
        found = {e.name: e for e in ex.pool(s, city)}
        assert found["赵一"].specialties == ["13", "26"] and found["赵一"].region_code == QINGYUAN
        assert found["赵一"].conflicts == ["保定玖福食品有限公司", CREDIT_CODE]
        assert found["赵一"].phone == "13912340001" and found["赵一"].registry_code == CITY
        assert found["钱二"].specialties == ["18"] and found["钱二"].region_code == CITY
        assert found["孙三"].specialties == ["06", "44", "46"] and found["孙三"].active is False
        assert found["孙三"].region_code == "130606"
        assert len(audit_rows(s, "expert.create")) == 3


@pytest.mark.parametrize(("cell", "codes"), [
    ("13、化学原料和化学制品制造业；13", ["13", "26"]),  # a list, not a code with its name
    ("农、林、牧、渔专业及辅助性活动, 纺织服装服饰业", ["05", "18"]),  # names holding 、, or written without
    ("05 农、林、牧、渔专业及辅助性活动 26", ["05", "26"]),
])
def test_specialty_cells(uow, cell, codes):
    with uow() as s:
        row = ["李四", "河北工业大学", "", cell, "保定市竞秀区", "13912340004", "", "启用"]
        [parsed] = expert_import.import_preview(s, user(s, CITY), "专家.xlsx", xlsx([row])).rows
        assert parsed.ok, parsed.errors
        assert parsed.form.specialties == codes and parsed.form.region_code == "130602"


def test_a_file_with_bad_rows_shows_each_error_and_saves_nothing(uow):
    with uow() as s:
        city = user(s, CITY)
        ex.add_expert(s, city, form(name="已在库", phone="13900000009"))
        rows = [
            GOOD_ROWS[0],
            ["周四", "某研究院", "", "99", "清苑区", "13912340004", "", ""],  # line 3: bad specialty
            ["吴五", "某研究院", "", "13", "清苑区", "12345", "", ""],  # line 4: bad phone
            ["郑六", "某研究院", "", "13", "火星区", "13912340006", "", ""],  # line 5: unknown region
            [None] * 8,  # line 6: blank, skipped
            ["赵一", "另一单位", "", "13", "清苑区", "13912340001", "", ""],  # line 7: repeats line 2
            ["已在库", "某研究院", "", "13", "清苑区", "13900000009", "", ""],  # line 8: already registered
            ["王八", "某研究院", "", "13 化学原料和化学制品制造业", "桥西区", "13912340008", "", "退休"],  # line 9
        ]
        preview = expert_import.import_preview(s, city, "专家名单.xlsx", xlsx(rows))
        assert not preview.ok and preview.error_count == 6
        errors = {r.line: "；".join(r.errors) for r in preview.rows}
        assert set(errors) == {2, 3, 4, 5, 7, 8, 9}
        assert errors[2] == ""
        assert "专业领域“99”" in errors[3]
        assert "联系电话“12345”格式不正确" in errors[4]
        assert "所在地区“火星区”" in errors[5]
        assert "与第 2 行重复" in errors[7]
        assert "请勿重复登记" in errors[8]
        assert "代码与名称不一致" in errors[9] and "有多个同名地区" in errors[9] and "状态应填" in errors[9]
        with pytest.raises(RuleViolation, match="还有 6 行需要修正"):
            expert_import.import_experts(s, city, preview)
        assert count(s) == 1 and not audit_rows(s, "expert.create")[1:]


def test_import_rechecks_the_pool_and_refuses_another_registrys_preview(uow):
    with uow() as s:
        city, province = user(s, CITY), user(s, PROVINCE)
        preview = expert_import.import_preview(s, city, "专家名单.xlsx", xlsx(GOOD_ROWS))
        with pytest.raises(RuleViolation, match="不是为本部门专家库生成的"):
            expert_import.import_experts(s, province, preview)
        ex.add_expert(s, city, form(name="钱二", phone="0312-1234567"))  # registered meanwhile
        with pytest.raises(ValidationError, match="第 3 行"):
            expert_import.import_experts(s, city, preview)
        assert count(s) == 1


def test_a_gbk_csv_and_a_bom_csv_are_read(uow):
    text = ",".join(expert_import.IMPORT_COLUMNS) + "\n" + "冯七,河北省环境科学研究院,工程师,农副食品加工业,保定市清苑区,13912340007,,\n"
    with uow() as s:
        city = user(s, CITY)
        for data in (text.encode("gbk"), text.encode("utf-8-sig"), text.encode("utf-8")):
            preview = expert_import.import_preview(s, city, "专家.CSV", data)
            assert preview.ok, preview.file_error or preview.rows[0].errors
            assert preview.rows[0].form.specialties == ["13"] and preview.rows[0].form.region_code == QINGYUAN
        assert expert_import.import_experts(s, city, preview) == 1


def test_missing_columns_and_unreadable_files_are_file_errors(uow):
    with uow() as s:
        city = user(s, CITY)
        missing = expert_import.import_preview(s, city, "专家.xlsx", xlsx([["赵一", "单位"]], header=("姓名", "工作单位", "职称")))
        assert missing.file_error.startswith("缺少必需的列：专业领域、所在地区、联系电话") and not missing.ok
        cases = [("专家.xlsx", b"\x00\xff garbage \x89PNG" * 50), ("专家.csv", b"\xff\xfe\x00\x81\x00" * 40),
                 ("专家.docx", b"PK\x03\x04"), ("专家.xlsx", b""), ("专家.csv", b""),
                 ("专家.csv", (",".join(expert_import.IMPORT_COLUMNS) + "\n").encode())]
        for name, data in cases:
            preview = expert_import.import_preview(s, city, name, data)
            assert preview.file_error and not preview.rows and not preview.ok, name
            with pytest.raises(RuleViolation):
                expert_import.import_experts(s, city, preview)
        too_many = ",".join(expert_import.IMPORT_COLUMNS) + "\n" + "赵一,单位,,13,130608,13912340001,,\n" * 5001
        assert "一次最多导入 5000 行" in expert_import.import_preview(s, city, "专家.csv", too_many.encode()).file_error
        assert count(s) == 0


def test_the_template_has_the_header_and_an_example_that_imports(uow):
    data = expert_import.template_xlsx()
    sheet = load_workbook(io.BytesIO(data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == expert_import.IMPORT_COLUMNS and len(rows) == 2
    with uow() as s:
        preview = expert_import.import_preview(s, user(s, CITY), "专家导入模板.xlsx", data)
        assert preview.ok, preview.rows[0].errors
