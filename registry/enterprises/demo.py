"""Clearly synthetic enterprises for demos and benchmarks.

Every name ends in "（演示）" and every record's source is "演示数据", so no
one can mistake them for real registrations. Codes are valid GB 32100 codes
whose organisation part encodes the sequence number: the same --count run
twice gives the same enterprises (an upsert, not duplicates). Every date lies
on or before LATEST_DAY, fixed in the past, so no demo record is dated in the
future and a rerun on another day changes nothing.

`flask demo seed` also adds one demo enterprise of its own (DEMO_ENTERPRISE_CODE,
outside any --count range) with its staff account (13800000005), the
enterprise the demo workers work for.
"""
from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator

from flask_babel import gettext as _

from registry.accounts import services as accounts
from registry.accounts.models import Role
from registry.enterprises import catalog, creditcode, loader, regions, validation
from registry.enterprises import services as enterprises
from registry.web.demo import DemoAccount

DEMO_SOURCE = "演示数据"
DEMO_MARK = "（演示）"
# No generated date (registration, commitment, credit record) is later than this day.
LATEST_DAY = dt.date(2025, 6, 30)
_TRADE_NAMES = ("安心", "好帮手", "家美", "贴心", "福满", "康乐", "阳光", "金牌", "优佳", "如意", "惠民", "巧手",
                "温馨", "宜家宜", "悦家", "佳洁", "德馨", "瑞祥", "诚信", "乐邦", "百福", "嘉禾", "新时代", "春晖",
                "馨月", "宝贝", "童乐", "颐和", "松鹤", "夕阳红", "蓝天", "绿叶", "明珠", "华夏", "红叶", "恒信")
_TRADES = ("家政服务", "家政", "保洁服务", "月嫂服务", "母婴护理", "养老服务", "家庭服务", "物业保洁", "家电维修服务",
           "护理服务", "育婴服务")
_SUFFIXES = ("有限公司", "有限责任公司", "服务中心", "股份有限公司", "服务部")
_BRAND_HEADS = ("阿姨", "管家", "到家", "帮", "e家", "月子", "洁", "护", "宝", "Home", "Care")
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英"
_AUTHORITIES = ("市场监督管理局", "人力资源和社会保障局", "商务局", "消费者协会")
_RECORD_SUMMARIES = {
    "penalty": "未按规定公示年度报告（演示数据）",
    "reward": "评为诚信家政企业（演示数据）",
    "abnormal_operation": "通过登记的住所无法联系（演示数据）",
    "serious_dishonesty": "列入严重违法失信名单（演示数据）",
    "complaint": "服务质量投诉，已调解（演示数据）",
    "commitment_breach": "未履行信用承诺（演示数据）",
}


def _districts() -> list[regions.Region]:
    return [r for r in regions.table().by_code.values() if r.level == regions.DISTRICT]


def _org_part(number: int) -> str:
    # Nine characters of the code alphabet: room for 31**9 distinct enterprises.
    digits = []
    for _digit in range(9):
        number, rest = divmod(number, 31)
        digits.append(creditcode.ALPHABET[rest])
    return "".join(reversed(digits))


def demo_code(number: int, district_code: str) -> str:
    """The demo credit code of enterprise number `number`."""
    return creditcode.make_code("91" + district_code + _org_part(number))


def generate(count: int, start: int = 0, seed: int = 2260) -> Iterator[dict]:
    """`count` raw file rows (the import format), deterministic for a seed."""
    districts = _districts()
    regions_table = regions.table()
    services = list(catalog.SERVICE_TYPES)
    kinds = list(catalog.RECORD_KINDS)
    for number in range(start, start + count):
        rnd = random.Random(seed * 1_000_003 + number)
        district = rnd.choice(districts)
        city = regions_table.get(district.parent_code)
        place = city.name.removesuffix("市").removesuffix("地区") if city else ""
        place = place if len(place) <= 4 else place[:2]
        trade_name, trade, suffix = rnd.choice(_TRADE_NAMES), rnd.choice(_TRADES), rnd.choice(_SUFFIXES)
        if trade.endswith("服务") and suffix.startswith("服务"):
            suffix = suffix[2:]
        name = f"{place}{trade_name}{trade}{suffix}{DEMO_MARK}"
        brands = [f"{trade_name}{rnd.choice(_BRAND_HEADS)}"]
        if rnd.random() < 0.3:
            brands.append(f"{rnd.choice(_TRADE_NAMES)}{rnd.choice(_BRAND_HEADS)}{number % 97}")
        registered = dt.date(2000, 1, 1) + dt.timedelta(days=rnd.randrange(9000))
        row = {
            "credit_code": demo_code(number, district.code),
            "name": name,
            "brands": brands,
            "province_code": city.parent_code if city else None,
            "city_code": district.parent_code,
            "district_code": district.code,
            "address": f"{district.name}演示路{rnd.randrange(1, 999)}号",
            "legal_representative": rnd.choice(_SURNAMES) + rnd.choice(_GIVEN) + "（演示）",
            "registered_on": registered.isoformat(),
            "registered_capital": str(rnd.choice((10, 50, 100, 200, 500, 1000))),
            "business_scope": "家政服务；保洁服务；养老服务（演示数据）",
            "service_types": rnd.sample(services, rnd.randint(1, 4)),
            "status": "operating" if rnd.random() < 0.92 else rnd.choice(("suspended", "revoked", "deregistered")),
            "commitment_signed_on": min(registered + dt.timedelta(days=400), LATEST_DAY).isoformat()
            if rnd.random() < 0.6 else None,
            "commitment_text": "本企业承诺依法诚信经营（演示数据）",
            "records": [],
        }
        if rnd.random() < 0.15:
            # Within 30 days to about 8 years of registration, and never after LATEST_DAY.
            latest = min(3000, (LATEST_DAY - registered).days)
            for _record in range(rnd.randint(1, 3)):
                kind = rnd.choice(kinds)
                day = registered + dt.timedelta(days=rnd.randrange(30, latest))
                row["records"].append({
                    "kind": kind, "occurred_on": day.isoformat(),
                    "authority": (city.name if city else "") + rnd.choice(_AUTHORITIES) + "（演示）",
                    "summary": _RECORD_SUMMARIES[kind],
                    "document_number": f"演示〔{day.year}〕{rnd.randrange(1, 9999)}号",
                    "source": DEMO_SOURCE,
                    "valid_until": (day + dt.timedelta(days=rnd.choice((365, 1095, 1825)))).isoformat()
                    if kind != "reward" else None,
                })
        yield row


# --- the demo enterprise and its staff (`flask demo seed`) ----------------------

# Organisation part 31**9 - 1: beyond every sequence number --count and --start can reach.
DEMO_ENTERPRISE_CODE = demo_code(31**9 - 1, "110105")
DEMO_ENTERPRISE_NAME = "北京安心家政服务有限公司" + DEMO_MARK
DEMO_STAFF_PHONE = "13800000005"
DEMO_STAFF_NAME = "赵演示"


def demo_enterprise_row() -> dict:
    """The demo enterprise as an import row: operating, a reward and a complaint (shown until 2027-11-04), all
    dated in the past."""
    return {
        "credit_code": DEMO_ENTERPRISE_CODE, "name": DEMO_ENTERPRISE_NAME, "brands": ["安心阿姨"],
        "district_code": "110105", "address": "朝阳区演示路1号", "legal_representative": "孙演示（演示）",
        "registered_on": "2016-04-18", "registered_capital": "200",
        "business_scope": "家政服务；保洁服务；养老服务（演示数据）",
        "service_types": ["cleaning", "maternity", "childcare", "eldercare"],
        "status": "operating", "commitment_signed_on": "2018-05-20",
        "commitment_text": "本企业承诺依法诚信经营（演示数据）",
        "records": [
            {"kind": "reward", "occurred_on": "2023-09-12", "authority": "北京市商务局（演示）",
             "summary": _RECORD_SUMMARIES["reward"], "document_number": "演示〔2023〕18号",
             "source": DEMO_SOURCE, "valid_until": None},
            {"kind": "complaint", "occurred_on": "2024-11-05", "authority": "北京市消费者协会（演示）",
             "summary": _RECORD_SUMMARIES["complaint"], "document_number": "演示〔2024〕306号",
             "source": DEMO_SOURCE, "valid_until": "2027-11-04"},
        ],
    }


def seed_demo_enterprise(_app) -> str:
    """Load the demo enterprise and create its staff account linked to it, each once."""
    if enterprises.find_by_code(DEMO_ENTERPRISE_CODE) is None:
        loader.upsert_batch([validation.clean_enterprise(demo_enterprise_row(), default_source=DEMO_SOURCE)],
                            DEMO_SOURCE)
    enterprise = enterprises.get_by_code(DEMO_ENTERPRISE_CODE)
    staff = accounts.find_by_phone(DEMO_STAFF_PHONE)
    if staff is None:
        staff = accounts.create_privileged(Role.ENTERPRISE_STAFF, DEMO_STAFF_NAME, DEMO_STAFF_PHONE)
    if staff.role == Role.ENTERPRISE_STAFF.value and enterprises.staff_enterprise(staff.id) is None:
        enterprises.add_staff(staff, enterprise, actor_id=None)
        return f"demo enterprise {DEMO_ENTERPRISE_CODE} with its staff {DEMO_STAFF_PHONE}"
    return f"demo enterprise {DEMO_ENTERPRISE_CODE} and staff {DEMO_STAFF_PHONE} (already there)"


def demo_accounts(_app) -> list[DemoAccount]:
    return [DemoAccount(DEMO_STAFF_PHONE, lambda: _("Enterprise staff"),
                        lambda: _("Staff of %(name)s: one worker claim waiting to be confirmed",
                                  name=DEMO_ENTERPRISE_NAME))]
