import pytest

from registry.enterprises import regions


def test_table_has_every_province_and_their_cities():
    table = regions.table()
    provinces = table.provinces()
    assert len(provinces) == 34  # 31 mainland + Taiwan, Hong Kong, Macao
    names = {p.name for p in provinces}
    assert {"北京市", "广东省", "新疆维吾尔自治区", "西藏自治区"} <= names
    assert table.get("440300").name == "深圳市"
    assert table.get("440305").parent_code == "440300"
    assert [c.code for c in table.children_of("110000")] == ["110100"]
    mainland = [p for p in provinces if p.code not in ("710000", "810000", "820000")]
    assert all(table.children_of(p.code) for p in mainland)


def test_resolve_completes_from_district():
    assert regions.resolve(None, None, "110105") == ("110000", "110100", "110105")
    assert regions.resolve("440000", "440300", None) == ("440000", "440300", None)


@pytest.mark.parametrize("province, city, district, field", [
    (None, None, "999999", "district_code"),
    (None, "110101", None, "city_code"),
    ("440000", "110100", None, "city_code"),
    (None, "440300", "110105", "district_code"),
    (None, None, None, "city_code"),
])
def test_resolve_rejects_unknown_and_mismatched(province, city, district, field):
    with pytest.raises(regions.RegionError) as info:
        regions.resolve(province, city, district)
    assert info.value.field == field
