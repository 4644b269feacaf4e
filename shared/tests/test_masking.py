"""Personal data in lists is masked the same way in every service."""

from jiceng_shared.masking import mask_id_number, mask_person_name


def test_id_numbers_are_masked_but_for_the_area_code_and_the_last_four():
    assert mask_id_number("320971198001011234") == "320971********1234"
    assert mask_id_number("32097119800101X") == "320971*****101X"
    assert mask_id_number("1234567890") == "**********"


def test_a_persons_name_keeps_only_the_surname():
    assert mask_person_name("王小明") == "王**"
    assert mask_person_name("张某") == "张*"
    assert mask_person_name(" 李 ") == "*"
    assert mask_person_name("") == ""
