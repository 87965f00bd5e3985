"""Search ranking, filters, 2-character queries and hostile input (same results on both databases)."""
import datetime as dt

import pytest

from registry.core.extensions import db
from registry.enterprises import search
from tests.factories.enterprises import make_code, make_enterprise


@pytest.fixture
def sample():
    """A small registry whose names exercise every ranking tier."""
    made = {
        "prefix_name": make_enterprise(name="家政之家服务有限公司", brands=["小帮手"]),
        "substring": make_enterprise(name="北京安心家政服务有限公司", brands=["安心阿姨"]),
        "brand_prefix": make_enterprise(name="朝阳保洁公司", brands=["家政宝"], service_types=["保洁"]),
        "shanghai": make_enterprise(name="上海洁净家政有限公司", brands=["Clean Home"], district_code="310104",
                                    service_types=["养老护理"]),
        "other": make_enterprise(name="深圳月嫂服务中心", brands=["好月嫂"], district_code="440305",
                                 service_types=["月嫂"]),
        "symbols": make_enterprise(name='100%_纯净\\保洁"OR"*公司', brands=[]),
    }
    return made


def names(result):
    return [e.name for e in result.items]


def api(client, **params):
    response = client.get("/api/v1/enterprises", query_string=params)
    return response.status_code, response.get_json()


def test_ranking_exact_code_then_prefix_then_substring(sample):
    result = search.search("家政")
    tiers = [result.tiers[e.id] for e in result.items]
    assert tiers == ["prefix", "prefix", "substring", "substring"]
    assert set(names(result)[:2]) == {"家政之家服务有限公司", "朝阳保洁公司"}
    assert result.total == 4 and not result.capped
    code = sample["other"].credit_code
    assert names(search.search(code.lower())) == ["深圳月嫂服务中心"]
    assert search.search(code).tiers[sample["other"].id] == "code"


@pytest.mark.parametrize("q, expected", [
    ("保洁", {"朝阳保洁公司", '100%_纯净\\保洁"OR"*公司'}),
    ("安心", {"北京安心家政服务有限公司"}),
    ("阿姨", {"北京安心家政服务有限公司"}),      # brand, 2 characters
    ("安心阿", {"北京安心家政服务有限公司"}),    # brand, 3 characters
    ("clean", {"上海洁净家政有限公司"}),         # case-insensitive Latin brand
    ("HOME", {"上海洁净家政有限公司"}),
    ("月嫂服务", {"深圳月嫂服务中心"}),
    ("务有", {"北京安心家政服务有限公司", "家政之家服务有限公司"}),
    ("司小", set()),                            # never across name and brand
    ("不存在的企业", set()),
])
def test_substrings_of_names_and_brands(sample, q, expected):
    assert set(names(search.search(q))) == expected


@pytest.mark.parametrize("q", ['"', '""', "*", "OR", "家政 OR 保洁", '"家政"', "家政*", "%", "%%", "_",
                               "__", "\\", "\\\\", "'; DROP TABLE enterprise; --", "NEAR(家政 保洁)", "^家政",
                               "家政:保洁", "1=1", "\x00\x01", "a" * 300, "(", ")", "-家政", "   "])
def test_syntax_characters_are_searched_literally(client, sample, q):
    status, body = api(client, q=q)
    assert status in (200, 422), body
    if status == 200:
        for item in body["items"]:
            assert search.normalize_text(q)[:search.MAX_QUERY_LENGTH] in search.normalize_text(
                item["name"] + "\x1f" + "\x1f".join(item["brands"]))
    else:
        assert body["code"] in ("query_too_short", "validation_error")


def test_literal_percent_underscore_backslash_quote(sample):
    assert names(search.search("100%_")) == ['100%_纯净\\保洁"OR"*公司']
    assert names(search.search("%_")) == ['100%_纯净\\保洁"OR"*公司']
    assert names(search.search('净\\保')) == ['100%_纯净\\保洁"OR"*公司']
    assert names(search.search('"OR"')) == ['100%_纯净\\保洁"OR"*公司']
    assert names(search.search("0%")) == ['100%_纯净\\保洁"OR"*公司']


def test_filters_region_service_and_code(client, sample):
    assert set(names(search.search("家政", province="310000"))) == {"上海洁净家政有限公司"}
    assert set(names(search.search("家政", city="310100"))) == {"上海洁净家政有限公司"}
    assert set(names(search.search(None, city="440300"))) == {"深圳月嫂服务中心"}
    assert set(names(search.search(None, service="maternity"))) >= {"深圳月嫂服务中心"}
    assert names(search.search("家政", service="eldercare")) == ["上海洁净家政有限公司"]
    code = sample["shanghai"].credit_code
    assert names(search.search(None, code=code)) == ["上海洁净家政有限公司"]
    status, body = api(client, code=code, province="310000", city="310100", service="eldercare", q="洁净")
    assert status == 200 and [i["credit_code"] for i in body["items"]] == [code]
    assert body["items"][0]["city"] == "上海市" and body["items"][0]["service_types"] == ["eldercare"]
    status, body = api(client, q="洁净", province="", city="", service="", code="", page="")
    assert status == 200 and body["total"] == 1  # an empty select means "any"


@pytest.mark.parametrize("params, field", [
    ({"province": "999999"}, "province"), ({"city": "110000"}, "city"), ({"province": "440000", "city": "110100"}, "city"),
    ({"service": "flying"}, "service"), ({"page": "0"}, "page"), ({"page": "abc"}, "page"),
    ({"q": "家"}, "q"), ({"q": "x" * 201}, "q"),
])
def test_bad_parameters_are_clear_errors(client, sample, params, field):
    status, body = api(client, **params)
    assert status == 422 and field in body["fields"], body


def test_pagination_and_counts(client):
    for i in range(25):
        make_enterprise(name=f"分页测试家政{i:02d}公司", brands=[])
    first = search.search("分页测试", per_page=10)
    second = search.search("分页测试", page=3, per_page=10)
    assert (first.total, first.pages, len(first.items), len(second.items)) == (25, 3, 10, 5)
    status, body = api(client, q="测试家政", page=2)
    assert status == 200 and body["total"] == 25 and body["pages"] == 2 and len(body["items"]) == 5
    assert api(client, q="测试家政", page=99)[1]["items"] == []


def test_counts_stop_at_the_cap(monkeypatch, sample):
    monkeypatch.setattr(search, "COUNT_CAP", 3)
    result = search.search("家政", per_page=2)
    assert result.capped and result.total == 3 and result.pages == 2


def test_detail_api_and_adverse_summary(client, move_clock):
    today = dt.date.today()
    enterprise = make_enterprise(name="记录测试家政", records=[
        {"kind": "penalty", "occurred_on": "2020-01-01", "summary": "过期处罚", "valid_until": "2021-01-01"},
        {"kind": "complaint", "occurred_on": str(today), "summary": "当前投诉", "valid_until": str(today + dt.timedelta(days=30))},
        {"kind": "reward", "occurred_on": "2019-06-01", "summary": "诚信企业"},
    ])
    body = client.get(f"/api/v1/enterprises/{enterprise.credit_code.lower()}").get_json()
    assert body["current_adverse"] == {"complaint": 1}
    assert body["affiliated_active_workers"] == 0  # counted by the workers domain
    assert {r["summary"]: r["current"] for r in body["records"]} == {"过期处罚": False, "当前投诉": True, "诚信企业": True}
    assert body["commitment"] == {"signed_on": "2020-01-01", "text": "诚信经营"}
    move_clock(dt.timedelta(days=60))
    assert client.get(f"/api/v1/enterprises/{enterprise.credit_code}").get_json()["current_adverse"] == {}
    missing = client.get(f"/api/v1/enterprises/{make_code()}")
    assert missing.status_code == 404 and missing.get_json()["code"] == "not_found"
    assert client.get("/api/v1/enterprises/%22%27%3B--").status_code == 404


def test_regions_api_for_cascading_selects(client):
    provinces = client.get("/api/v1/regions").get_json()
    assert len(provinces) == 34
    cities = client.get("/api/v1/regions?parent=440000").get_json()
    assert {"code": "440300", "name": "深圳市", "level": 2} in cities
    assert client.get("/api/v1/regions?parent=abc").status_code == 404


@pytest.mark.parametrize("city_scan", [True, False])
def test_city_filter_gives_the_same_results_either_way(sample, monkeypatch, city_scan):
    make_enterprise(name="上海家政第二公司", brands=["家政帮"], district_code="310105")
    monkeypatch.setattr(search._Plan, "prefers_city_scan", lambda self, city: city_scan)
    result = search.search("家政", city="310100")
    assert names(result) == ["上海家政第二公司", "上海洁净家政有限公司"]
    assert [result.tiers[e.id] for e in result.items] == ["prefix", "substring"]
    assert names(search.search("洁净家", city="310100")) == ["上海洁净家政有限公司"]
    assert names(search.search("洁净家", city="440300")) == []


def _mistyped(code: str) -> str:
    """The code with a wrong check character (what a slip of one character gives)."""
    return code[:17] + ("1" if code[17] != "1" else "2")


def test_a_mistyped_code_says_which_position_is_wrong(client, sample):
    client.get("/?lang=en")
    code = sample["other"].credit_code
    wrong = _mistyped(code)
    expected = f"The check character (position 18) should be {code[17]}, not {wrong[17]}"
    for params, field in (({"code": wrong}, "code"), ({"q": wrong}, "q"), ({"q": wrong.lower()}, "q")):
        status, body = api(client, **params)
        assert status == 422 and body["code"] == "credit_code_invalid", body
        assert expected in body["fields"][field][0]
    status, body = api(client, q=code[:5] + "O" + code[6:])
    assert status == 422 and "Position 6: “O” does not occur" in body["fields"]["q"][0]
    status, body = api(client, q=code[:17])
    assert status == 422 and "this one has 17" in body["fields"]["q"][0]
    assert api(client, code="9111")[1]["fields"]["code"][0].endswith("this one has 4.")
    # The detail API and page say it too, instead of "not found".
    detail = client.get(f"/api/v1/enterprises/{wrong}")
    assert detail.status_code == 422 and expected in detail.get_json()["fields"]["code"][0]
    page = client.get(f"/enterprises/{wrong}")
    text = page.get_data(as_text=True)
    assert page.status_code == 422 and expected in text and f'value="{wrong}"' in text  # in the search box
    assert client.get(f"/enterprises?q={wrong}").status_code == 422
    assert expected in client.get(f"/enterprises?code={wrong}").get_data(as_text=True)
    # A right code still finds its enterprise; text that is no code is still searched as words.
    assert api(client, q=code)[1]["items"][0]["credit_code"] == code
    assert api(client, q="clean")[0] == 200


def _pages(q, count=4):
    pages = []
    for number in range(1, count + 1):
        result = search.search(q, page=number, per_page=2)
        pages.append(([e.name for e in result.items], [result.tiers[e.id] for e in result.items]))
    return pages


@pytest.mark.parametrize("window_rows", [1, 3, 20_000])
def test_the_prefix_window_gives_the_same_pages(sample, monkeypatch, window_rows):
    for i in range(5):
        make_enterprise(name=f"家政窗口{i}公司", brands=[f"窗口家政{i}"])
    expected = _pages("家政")
    assert [tier for _names, tiers in expected for tier in tiers][:7] == ["prefix"] * 7
    # PostgreSQL tries the window whenever the planner's estimate reaches this (SQLite never does).
    monkeypatch.setattr(search, "WINDOW_MIN_ESTIMATE", 0)
    monkeypatch.setattr(search, "WINDOW_ROWS", window_rows)
    assert _pages("家政") == expected
    assert _pages("家政窗") == [([f"家政窗口{i}公司", f"家政窗口{i + 1}公司"], ["prefix", "prefix"])
                               for i in (0, 2)] + [(["家政窗口4公司"], ["prefix"]), ([], [])]


def test_a_gram_estimated_far_past_the_cap_is_shown_as_capped(sample, monkeypatch):
    before = search.search("家政")
    monkeypatch.setattr(search, "ESTIMATED_PAST_CAP", -1)
    after = search.search("家政")
    assert names(after) == names(before) and after.tiers == before.tiers
    if db.session.get_bind().dialect.name == "postgresql":
        assert (after.total, after.capped) == (search.COUNT_CAP, True)  # "1000+" without reading the rows
    else:
        assert (after.total, after.capped) == (before.total, False) == (4, False)
