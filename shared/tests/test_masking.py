"""Personal data in lists is masked the same way in every service."""

from jiceng_shared.masking import mask_id_number, mask_person_name, mask_phone


def test_id_numbers_are_masked_but_for_the_area_code_and_the_last_four():
    assert mask_id_number("320971198001011234") == "320971********1234"
    assert mask_id_number("32097119800101X") == "320971*****101X"
    assert mask_id_number("1234567890") == "**********"


def test_a_persons_name_keeps_only_the_surname():
    assert mask_person_name("王小明") == "王**"
    assert mask_person_name("张某") == "张*"
    assert mask_person_name(" 李 ") == "*"
    assert mask_person_name("") == ""


def test_one_phone_mask_for_every_service():
    assert mask_phone("13812345678") == "138****5678"  # mobile: 3 + 4
    assert mask_phone("0515-88881234") == "*********1234"  # landline: the area code is hidden too
    assert mask_phone("12345") == "*2345"
    assert mask_phone("1234") == "****"
    assert mask_phone(None) is None
