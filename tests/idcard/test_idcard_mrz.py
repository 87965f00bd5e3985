"""MRZ parsing (TD1/TD2/TD3), check digits and BAC MRZ information."""

from __future__ import annotations

import datetime as dt

import pytest

from idcard.errors import MRZError
from idcard.icao.mrz import check_digit, mrz_information, parse_mrz
from idcard.softcard import make_td1, make_td3

# The idcard tests need neither the Flask app nor the database: opt out of
# the shared per-test app context and transaction (tests/conftest.py).
pytestmark = pytest.mark.own_app

TD3 = ("P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n"
       "L898902C36UTO7408122F1204159ZE184226B<<<<<10")
TD1 = ("I<UTOD231458907<<<<<<<<<<<<<<<\n"
       "7408122F1204159UTO<<<<<<<<<<<6\n"
       "ERIKSSON<<ANNA<MARIA<<<<<<<<<<")
TD1_LONG = ("I<UTOD23145890<7349<<<<<<<<<<<\n"
            "7408122F1204159UTO<<<<<<<<<<<6\n"
            "ERIKSSON<<ANNA<MARIA<<<<<<<<<<")


@pytest.mark.parametrize("text, digit", [
    ("L898902C<", "3"), ("740812", "2"), ("120415", "9"),
    ("ZE184226B<<<<<", "1"), ("D23145890734", "9"), ("<<<<", "0")])
def test_check_digit(text, digit):
    assert check_digit(text) == digit


def test_parse_td3_specimen():
    mrz = parse_mrz(TD3)
    assert mrz.document_type == "TD3"
    assert (mrz.document_code, mrz.issuing_state) == ("P", "UTO")
    assert mrz.document_number == "L898902C3"
    assert mrz.name == "ANNA MARIA ERIKSSON"
    assert (mrz.birth_date, mrz.sex, mrz.expiry_date) == ("740812", "F",
                                                          "120415")
    assert mrz.optional_data == "ZE184226B"
    assert mrz.birth() == dt.date(1974, 8, 12)
    assert mrz.expiry() == dt.date(2012, 4, 15)
    assert mrz.mrz_information == "L898902C3674081221204159"


def test_parse_td1_specimen_and_single_line_form():
    mrz = parse_mrz(TD1)
    assert mrz.document_type == "TD1"
    assert mrz.document_number == "D23145890"
    assert mrz.nationality == "UTO"
    assert parse_mrz(TD1.replace("\n", "")) == mrz


def test_parse_td1_long_document_number():
    mrz = parse_mrz(TD1_LONG)
    assert mrz.document_number == "D23145890734"
    assert mrz.optional_data == ""
    # Longer than 9 characters: used in full, check digit over all of it.
    assert mrz.mrz_information == "D23145890734" + "9" + "7408122" + "1204159"


def test_parse_td2():
    line1 = "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<"
    body = "D23145890" + "7" + "UTO" + "740812" + "2" + "F" + "120415" + "9"
    body += "<<<<<<<"
    body += check_digit(body[0:10] + body[13:20] + body[21:35])
    mrz = parse_mrz(line1 + "\n" + body)
    assert (mrz.document_type, mrz.document_number) == ("TD2", "D23145890")


@pytest.mark.parametrize("position, name", [
    (9, "document number"), (19, "birth date"), (27, "expiry date"),
    (42, "optional data"), (43, "composite")])
def test_every_td3_check_digit_is_verified(position, name):
    line1, line2 = TD3.split("\n")
    wrong = str((int(line2[position]) + 1) % 10)
    broken = line2[:position] + wrong + line2[position + 1:]
    with pytest.raises(MRZError, match=name):
        parse_mrz(line1 + "\n" + broken)


@pytest.mark.parametrize("line, position, name", [
    (0, 14, "document number"), (1, 6, "birth date"), (1, 14, "expiry date"),
    (1, 29, "composite")])
def test_every_td1_check_digit_is_verified(line, position, name):
    lines = TD1.split("\n")
    text = lines[line]
    lines[line] = text[:position] + str((int(text[position]) + 3) % 10) + \
        text[position + 1:]
    with pytest.raises(MRZError, match=name):
        parse_mrz("\n".join(lines))


def test_changed_data_fails_composite_even_with_field_digit_fixed():
    line1, line2 = TD3.split("\n")
    # Change the birth date and fix its own digit: only the composite
    # check digit still catches it.
    line2 = line2[:13] + "740912" + check_digit("740912") + line2[20:]
    with pytest.raises(MRZError, match="composite"):
        parse_mrz(line1 + "\n" + line2)


@pytest.mark.parametrize("text, reason", [
    ("", "layout"), ("P<UTO\nL898", "layout"), (TD3.lower(), "characters"),
    (TD3.replace("7408122", "7413122"), "date"),
    (TD3.replace("2F12", "2Q12"), "sex"), ("x" * 500, "too long")])
def test_malformed_mrz(text, reason):
    with pytest.raises(MRZError, match=reason):
        parse_mrz(text)


def test_mrz_information_pads_short_and_keeps_long_numbers():
    assert mrz_information("L898902C", "690806", "940623") == \
        "L898902C<369080619406236"
    assert mrz_information("d23145890734", "740812", "120415") == \
        "D2314589073497408122120415" + "9"
    with pytest.raises(MRZError):
        mrz_information("AB/12", "740812", "120415")
    with pytest.raises(MRZError):
        mrz_information("L898902C", "741312", "120415")


def test_builders_produce_parseable_mrz():
    td3 = parse_mrz(make_td3(document_number="X1234", birth_date="010203",
                             expiry_date="300101", surname="van der Berg",
                             given_names="Jan", sex="M"))
    assert td3.primary_identifier == "VAN DER BERG"
    assert td3.document_number == "X1234"
    td1 = parse_mrz(make_td1(document_number="ABC123456789XY",
                             birth_date="010203", expiry_date="300101",
                             surname="Li", given_names="Na"))
    assert td1.document_number == "ABC123456789XY"
