import pytest
from hypothesis import given
from hypothesis import strategies as st

from registry.enterprises import creditcode

first17 = st.text(alphabet=creditcode.ALPHABET, min_size=17, max_size=17)


def test_known_real_code_is_valid():
    # Published example codes (GB 32100 appendix style and a real registration).
    assert creditcode.is_valid("91350100M000100Y43")
    assert creditcode.validate(" 91350100m000100y43 ") == "91350100M000100Y43"


def test_wrong_check_character_names_position_and_expected():
    with pytest.raises(creditcode.CreditCodeError) as info:
        creditcode.validate("91350100M000100Y44")
    assert info.value.position == 18
    assert info.value.expected == "3"
    assert "'3'" in info.value.message


@pytest.mark.parametrize("code, position", [("I1350100M000100Y43", 1), ("9135010OM000100Y43", 8),
                                             ("91350100M00010SY43", 15)])
def test_forbidden_characters_are_located(code, position):
    with pytest.raises(creditcode.CreditCodeError) as info:
        creditcode.validate(code)
    assert info.value.position == position


@pytest.mark.parametrize("code", ["", "9135", "91350100M000100Y431"])
def test_wrong_length(code):
    with pytest.raises(creditcode.CreditCodeError, match="18 characters"):
        creditcode.validate(code)


@given(first17)
def test_completed_codes_validate(prefix):
    assert creditcode.is_valid(creditcode.make_code(prefix))


@given(first17, st.sampled_from(creditcode.ALPHABET))
def test_any_other_check_character_is_rejected(prefix, other):
    code = creditcode.make_code(prefix)
    if other != code[-1]:
        assert not creditcode.is_valid(code[:-1] + other)
