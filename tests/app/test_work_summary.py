"""工作总结 per tier: the totals, the sentences, the table per area and the Excel / PDF downloads."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from pypdf import PdfReader
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

from core.db import unit_of_work
from tests.app.conftest import activate, open_as, texts
from tests.unit.test_summary import summary_campaign

PAGE = "pages/work_summary.py"
CITY_TOTALS = {"企业数": "3", "评估通过": "1", "验收通过": "1", "已实施方案（项）": "2", "已实施投资（万元）": "123.5",
               "经济效益（万元/年）": "31.2", "节水（t/a）": "6200", "节能（tce/a）": "42"}


@pytest.fixture
def downloads(monkeypatch):
    """What the page hands to its download buttons, by the id in the button (AppTest's media storage
    lives only during a run): {file id: bytes} for data, {placeholder id: callable} for deferred data."""
    files, deferred = {}, {}
    load = MemoryMediaFileStorage.load_and_get_id
    add_deferred = MediaFileManager.add_deferred

    def spy_load(self, data, *args, **kwargs):
        file_id = load(self, data, *args, **kwargs)
        files[file_id] = data
        return file_id

    def spy_deferred(self, data_callable, *args, **kwargs):
        file_id = add_deferred(self, data_callable, *args, **kwargs)
        deferred[file_id] = data_callable
        return file_id

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", spy_load)
    monkeypatch.setattr(MediaFileManager, "add_deferred", spy_deferred)
    return files, deferred


def _open(login: str):
    activate(login)
    return open_as(login, PAGE)


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def button(at, label: str):
    [found] = [d for d in at.get("download_button") if d.proto.label == label]
    return found.proto


def test_the_city_sees_its_totals_and_downloads_them(db, downloads):
    with unit_of_work() as s:
        summary_campaign(s)
    city = _open("130600")
    assert not city.exception, city.exception
    assert metrics(city) == CITY_TOTALS
    page = texts(city)
    assert "保定市共有 3 家企业列入强制性清洁生产审核。评估：通过 1 家" in page
    assert "已实施方案 2 项，其中无/低费方案 1 项、中/高费方案 1 项；计划实施方案 2 项" in page
    assert "年节水 6200 吨，年削减 COD 3.3 吨、氨氮 0.35 吨、其他污染物 1.5 吨，年节能 42 吨标准煤" in page
    table = city.dataframe[0].value
    assert table["区县"].tolist() == ["清苑区", "涿州市", "合计"]
    assert table["企业数"].tolist() == [1, 2, 3] and table["验收通过"].tolist() == [1, 0, 1]
    assert table["投资（万元）"].tolist() == [123.5, 0, 123.5]

    files, deferred = downloads
    xlsx = deferred[button(city, "下载工作总结（Excel）").deferred_file_id]()  # made on the click, as the PDF
    sheets = pd.read_excel(io.BytesIO(xlsx), sheet_name=None)
    assert list(sheets) == ["汇总", "分地区"]
    totals = dict(zip(sheets["汇总"]["指标"], sheets["汇总"]["数值"], strict=True))
    assert (totals["企业数"], totals["评估通过"], totals["验收通过"], totals["已实施方案"], totals["计划实施方案"]) == (
        3, 1, 1, 2, 2)
    assert (totals["已实施方案投资"], totals["已实施方案经济效益"], totals["已实施方案节水"], totals["已实施方案COD 削减"],
            totals["已实施方案氨氮削减"], totals["已实施方案节能"]) == pytest.approx((123.5, 31.2, 6200, 3.3, 0.35, 42))
    areas = sheets["分地区"].set_index("区县")
    assert areas.loc["清苑区", "节水（t/a）"] == 6200 and areas.loc["涿州市", "企业数"] == 2
    assert areas.loc["合计", "氨氮削减（t/a）"] == pytest.approx(0.35)

    pdf = deferred[button(city, "下载工作总结（PDF）").deferred_file_id]()
    text = "".join("".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "统计范围：保定市" in text and "保定市共有3家企业" in text and "累计投资123.5万元" in text


def test_a_county_sees_its_zeros(db):
    with unit_of_work() as s:
        summary_campaign(s)
    zhuozhou = _open("130681")
    assert metrics(zhuozhou) == {**{k: "0" for k in CITY_TOTALS}, "企业数": "2"}
    assert "涿州市共有 2 家企业列入强制性清洁生产审核" in texts(zhuozhou)
    assert zhuozhou.dataframe[0].value["区县"].tolist() == ["涿州市", "合计"]
    assert [d.proto.label for d in zhuozhou.get("download_button")] == ["下载工作总结（Excel）", "下载工作总结（PDF）"]
    assert "暂无工作总结" in texts(_open("130606"))  # 莲池区: no enterprise in a campaign


def test_the_province_sees_cities_and_picks_one(db):
    with unit_of_work() as s:
        summary_campaign(s)
    province = _open("130000")
    assert metrics(province) == CITY_TOTALS
    assert province.dataframe[0].value["地市"].tolist() == ["保定市", "合计"]
    province.selectbox(key="sum_city").set_value("保定市").run()
    assert metrics(province) == CITY_TOTALS
    assert province.dataframe[0].value["区县"].tolist() == ["清苑区", "涿州市", "合计"]
    assert "保定市共有 3 家企业" in texts(province)
    [choice] = [o for o in province.selectbox(key="sum_campaign").options if o != "全部"]
    province.selectbox(key="sum_campaign").set_value(choice).run()
    assert metrics(province)["已实施投资（万元）"] == "123.5"
