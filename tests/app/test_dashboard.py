"""统计分析 per tier: each department sees only its jurisdiction's figures and can drill down."""

from __future__ import annotations

from core.db import unit_of_work
from tests.app.conftest import activate, open_as, texts
from tests.support.stats import campaign


def _open(login: str):
    activate(login)
    return open_as(login, "pages/dashboard.py")


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_each_tier_sees_its_own_jurisdiction(db):
    with unit_of_work() as s:
        campaign(s)
    province = _open("130000")
    assert metrics(province) == {"企业总数": "3", "已接受任务": "1", "评估通过": "1", "验收通过": "0"}
    assert [d.value for d in province.dataframe][0]["地市"].tolist() == ["保定市"]
    zhuozhou = _open("130681")
    assert metrics(zhuozhou)["企业总数"] == "2" and metrics(zhuozhou)["已接受任务"] == "0"
    detail = zhuozhou.dataframe[-1].value
    assert sorted(detail["企业名称"]) == ["涿州市飞耀金属制品有限公司", "涿州迅利达创新科技发展有限公司"]
    assert set(detail["当前进度"]) == {"未告知"}
    assert metrics(_open("130608"))["企业总数"] == "1"
    assert "暂无统计" in texts(_open("130606"))


def test_the_city_drills_down_to_a_county_and_its_enterprises(db):
    with unit_of_work() as s:
        campaign(s)
    city = _open("130600")
    assert metrics(city)["企业总数"] == "3"
    assert "选择区县后可查看到每家企业的进度" in texts(city)
    # One breakdown at a time: the counties, or the industries (counted only when asked for).
    assert sorted(city.dataframe[0].value["区县"]) == ["涿州市", "清苑区"]
    city.segmented_control(key="dash_view").set_value("按行业大类").run()
    industries = city.dataframe[0].value
    assert "区县" not in industries and industries["企业总数"].sum() == 3
    city.segmented_control(key="dash_view").set_value("按区县").run()
    city.selectbox(key="dash_county").set_value("清苑区").run()
    assert metrics(city) == {"企业总数": "1", "已接受任务": "1", "评估通过": "1", "验收通过": "0"}
    detail = city.dataframe[-1].value
    assert detail["企业名称"].tolist() == ["保定玖福食品有限公司"] and detail["当前进度"].tolist() == ["评估通过"]


def test_the_home_page_starts_with_what_is_overdue(db):
    from datetime import timedelta

    from core.notice_models import MILESTONES, AuditNotice
    from core.startup_fields import today

    with unit_of_work() as s:
        notice = s.get(AuditNotice, campaign(s))
        for i, (key, _) in enumerate(MILESTONES):  # letters were due 3 days ago, the rest later
            setattr(notice, key, today() + timedelta(days=10 * i - 3))
    activate("130681")
    home = texts(open_as("130681", "pages/home.py"))
    assert "时间节点提醒：**2** 项已逾期" in home
    table = open_as("130681", "pages/home.py").dataframe[0].value
    assert set(table["状态"]) == {"逾期 3 天"} and set(table["时间节点"]) == {"告知书送达企业"}
    activate("130608")
    assert "时间节点提醒" not in texts(open_as("130608", "pages/home.py"))  # 玖福's next date is 37 days off


def test_a_chosen_campaign_lists_its_milestones(db):
    with unit_of_work() as s:
        campaign(s)
    city = _open("130600")
    [choice] = [o for o in city.selectbox(key="dash_campaign").options if o != "全部"]
    city.selectbox(key="dash_campaign").set_value(choice).run()
    table = city.dataframe[0].value
    assert table["时间节点"].tolist()[0] == "告知书送达企业" and table["已完成企业"].tolist()[:2] == ["1/3", "1/3"]
    assert table["已完成企业"].tolist()[-1] == "—（部门工作）"
