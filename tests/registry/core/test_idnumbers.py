"""Resident ID numbers, phone numbers and masking."""
from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from registry.core.idnumbers import (
    InvalidIdNumber,
    InvalidPhone,
    age_in_full_years,
    birth_date_of,
    id_check_char,
    mask_id_number,
    mask_name,
    mask_phone,
    normalize_id_number,
    normalize_phone,
)
from tests.factories.accounts import make_id_number


def test_check_digit_of_published_example():
    # The GB 11643-1999 standard's own example number.
    assert id_check_char("11010519491231002") == "X"
    assert normalize_id_number("11010519491231002x") == "11010519491231002X"


def test_valid_number_round_trips_birth_date():
    number = make_id_number("20000229", sequence=7)
    assert normalize_id_number(number) == number
    assert birth_date_of(number) == dt.date(2000, 2, 29)


@pytest.mark.parametrize("number, reason", [
    ("1101051949123100", "shape"),
    ("11010519491231002Y", "shape"),
    ("A1010519491231002X", "shape"),
    ("99010519491231002X", "region"),
    ("110000" + "19491231002X", "region"),
    ("110105" + "19490230" + "0021", "date"),
    ("110105" + "20991231" + "0021", "impossible_date"),
    ("110105" + "18000101" + "0021", "impossible_date"),
    ("110105194912310021", "check_digit"),
])
def test_bad_numbers_are_refused_with_a_reason(number, reason):
    if reason in ("date", "impossible_date"):
        # Give these a correct check digit so only the date is wrong.
        number = number[:17] + id_check_char(number[:17])
    with pytest.raises(InvalidIdNumber) as info:
        normalize_id_number(number, today=dt.date(2026, 11, 22))
    assert info.value.reason == reason
    assert str(info.value)


def test_birth_date_today_is_allowed_tomorrow_is_not():
    today = dt.date(2026, 11, 22)
    assert normalize_id_number(make_id_number("20261122"), today=today)
    with pytest.raises(InvalidIdNumber):
        normalize_id_number(make_id_number("20261123"), today=today)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_any_text_is_either_valid_or_refused_cleanly(text):
    try:
        value = normalize_id_number(text)
    except InvalidIdNumber:
        return
    assert len(value) == 18 and value[17] == id_check_char(value[:17])


@pytest.mark.parametrize("raw, expected", [
    ("13812345678", "13812345678"), ("+86 138-1234-5678", "13812345678"),
    ("8613812345678", "13812345678"), ("0086 13812345678", "13812345678"),
])
def test_phone_forms_are_normalised(raw, expected):
    assert normalize_phone(raw) == expected


@pytest.mark.parametrize("raw", ["12812345678", "1381234567", "138123456789", "+85291234567", "abc", "",
                                 "+1 415 555 0100", "1381234567x"])
def test_non_mainland_or_malformed_phones_are_refused(raw):
    with pytest.raises(InvalidPhone):
        normalize_phone(raw)


def test_masks():
    assert mask_id_number("11010519491231002X") == "110105********002X"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_name("王小明") == "王*明"
    assert mask_name("李四") == "李*"
    assert mask_id_number(None) == "" and mask_phone("") == ""


def test_age_in_full_years_is_reached_the_day_after_the_birthday():
    born = dt.date(2010, 5, 10)
    assert age_in_full_years(born, dt.date(2026, 5, 10)) == 15
    assert age_in_full_years(born, dt.date(2026, 5, 11)) == 16
    assert age_in_full_years(born, dt.date(2027, 1, 1)) == 16
    leap = dt.date(2008, 2, 29)
    assert age_in_full_years(leap, dt.date(2024, 2, 29)) == 15 and age_in_full_years(leap, dt.date(2024, 3, 1)) == 16
    assert age_in_full_years(leap, dt.date(2025, 2, 28)) == 16 and age_in_full_years(leap, dt.date(2025, 3, 1)) == 17
