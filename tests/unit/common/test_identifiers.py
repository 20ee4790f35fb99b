"""The identifier detector that asks staff to remove identifiers from free text before saving
(DESIGN.md, "Safety and data principles"; QUALITY.md, "Data protection")."""

from __future__ import annotations

import dataclasses
import itertools
from datetime import date

import pytest

from portal.common.errors import DomainError
from portal.common.identifiers import (
    Finding,
    IdentifierKind,
    IdentifiersFound,
    check_free_text,
    find_identifiers,
    is_valid_nhs_number,
)

TODAY = date(2026, 3, 10)

NHS = IdentifierKind.NHS_NUMBER
DOB = IdentifierKind.DATE_OF_BIRTH
POSTCODE = IdentifierKind.POSTCODE
NAME = IdentifierKind.FULL_NAME


def find(text: str, today: date = TODAY) -> list[Finding]:
    """find_identifiers, checking the promises every result keeps."""
    findings = find_identifiers(text, today=today)
    for finding in findings:
        assert text[finding.start : finding.end] == finding.text
    for before, after in itertools.pairwise(findings):
        assert before.end <= after.start, "findings are sorted and do not overlap"
    return findings


def found(text: str, today: date = TODAY) -> list[tuple[IdentifierKind, str]]:
    return [(f.kind, f.text) for f in find(text, today)]


# --- NHS numbers -------------------------------------------------------------------------------


def nhs_check_digit(first_nine: str) -> int | None:
    """The NHS modulus 11 check digit, written independently of the code under test."""
    total = 0
    for position, digit in enumerate(first_nine):
        total += int(digit) * (10 - position)
    check = 11 - (total % 11)
    if check == 11:
        return 0
    if check == 10:
        return None
    return check


def valid_nhs_numbers() -> list[str]:
    bases = ["943476591", "401023213", "485777345", "640157255", "718529064", "450557710", "999000012"]
    numbers = []
    for base in bases:
        check = nhs_check_digit(base)
        if check is not None:
            numbers.append(base + str(check))
    return numbers


VALID_NHS = valid_nhs_numbers()


def spaced(number: str, sep: str) -> str:
    return f"{number[:3]}{sep}{number[3:6]}{sep}{number[6:]}"


def test_the_helper_makes_enough_valid_numbers_including_the_nhs_example():
    assert len(VALID_NHS) >= 5
    assert "9434765919" in VALID_NHS


@pytest.mark.parametrize("number", VALID_NHS)
@pytest.mark.parametrize("sep", ["", " ", "-"])
def test_valid_nhs_numbers_are_found_in_each_format(number, sep):
    written = spaced(number, sep)
    text = f"NHS no. {written} - please update the record."
    findings = find(text)
    assert [(f.kind, f.text) for f in findings] == [(NHS, written)]
    assert findings[0].start == text.index(written)
    assert is_valid_nhs_number(number)


@pytest.mark.parametrize("number", VALID_NHS)
def test_a_wrong_check_digit_is_not_an_nhs_number(number):
    for digit in "0123456789":
        if digit == number[-1]:
            continue
        wrong = number[:-1] + digit
        assert not is_valid_nhs_number(wrong)
        for sep in ("", " ", "-"):
            assert found(f"NHS number {spaced(wrong, sep)}") == []


def test_a_check_digit_of_ten_is_never_valid():
    assert nhs_check_digit("123456789") is None
    assert found("Reference 1234567890 and 123 456 7890") == []


def test_phone_numbers_are_not_nhs_numbers():
    assert found("Please ring 0116 496 0000 or 01164960000 or 07700 900123.") == []


def test_digits_inside_a_longer_number_are_not_an_nhs_number():
    number = "9434765919"
    longer = ["0" + number, number + "1", "12" + number + "34", "0.9434765919", "943 476 59190", "1943 476 5919"]
    for text in longer:
        assert found(f"Figure {text} in the report") == [], text


def test_ten_identical_digits_are_a_placeholder_not_an_nhs_number():
    assert nhs_check_digit("111111111") == 1  # it would pass the check
    assert found("NHS number 1111111111") == []


# --- Dates of birth ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "written",
    [
        "14/03/2015",
        "14-03-2015",
        "14.3.15",
        "14/3/2015",
        "14th March 2015",
        "14 March 2015",
        "14th of March 2015",
        "14 Mar 2015",
        "14 march 2015",
        "March 14, 2015",
        "March 14th 2015",
        "2015-03-14",
    ],
)
def test_full_dates_in_the_childhood_range_are_found_in_each_format(written):
    text = f"K.M., {written}, Year 5."
    assert found(text) == [(DOB, written)]


@pytest.mark.parametrize(
    "written", ["31/02/2015", "29/02/2015", "2015-13-01", "32 March 2015", "00/03/2015", "31 April 2015", "14/00/2015"]
)
def test_impossible_dates_are_not_found_even_with_a_cue(written):
    assert found(f"DOB {written}") == []


def test_29_february_of_a_leap_year_is_a_date():
    assert found("DOB 29/02/2016") == [(DOB, "29/02/2016")]


@pytest.mark.parametrize(
    ("text", "written"),
    [
        ("born 1 May 2001", "1 May 2001"),
        ("Born on 1 May 2001, now a care leaver", "1 May 2001"),
        ("DOB: 03/04/1999", "03/04/1999"),
        ("D.O.B 3.4.99", "3.4.99"),
        ("d/o/b 03-04-1999", "03-04-1999"),
        ("date of birth is 1 May 2001", "1 May 2001"),
        ("b. 1 May 2001", "1 May 2001"),
        ("born in Leicester on the 1st of May 2001", "1st of May 2001"),
        ("1 May 2001 (DOB)", "1 May 2001"),
        ("Baby born 2 January 2026 at the Royal", "2 January 2026"),
    ],
)
def test_a_birth_cue_flags_a_date_of_any_year(text, written):
    assert found(text) == [(DOB, written)]


@pytest.mark.parametrize("written", ["1 May 2001", "03/04/1999", "2 January 2026"])
def test_without_a_cue_the_same_dates_are_not_flagged(written):
    assert found(f"K.M., {written}.") == []


def test_a_cue_does_not_reach_into_the_next_sentence_or_past_another_number():
    assert found("He was born in Leicester. The review was 3 May 2001.") == []
    assert found("Born 2001, seen 3 May 2001.") == []


@pytest.mark.parametrize(
    "text", ["March 2015", "in 2015", "14 March", "on 14/03", "DOB March 2015", "DOB 2015", "DOB 14 March"]
)
def test_a_partial_date_is_not_found(text):
    assert found(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "The meeting on 14 March 2026 is cancelled.",
        "TAC meeting 14/03/2026, school hall.",
        "Review due 1 June 2027.",
        "Mum phoned 2 February 2026 to cancel.",
    ],
)
def test_appointments_this_year_or_in_the_future_are_not_flagged_without_a_cue(text):
    assert found(text) == []


@pytest.mark.parametrize(
    ("year", "flagged"),
    [(2006, False), (2007, True), (2015, True), (2025, True), (2026, False), (2027, False)],
)
def test_the_childhood_range_is_the_nineteen_years_before_this_one(year, flagged):
    written = f"14/03/{year}"
    assert found(f"K.M. {written}") == ([(DOB, written)] if flagged else [])


@pytest.mark.parametrize(
    "text",
    [
        "Seen by the school nurse on 12/11/2025.",
        "Excluded from 3 November 2025 until 7 November 2025.",
        "Attendance w/c 1/12/2025 was 60%.",
        "Incident on Monday 3 November 2025.",
        "Home visit 12/11/2025 at 10am.",
    ],
)
def test_past_dates_marked_as_events_are_not_flagged(text):
    assert found(text) == []


def test_the_same_past_date_unmarked_is_flagged():
    assert found("Incident 12/11/2025.") == [(DOB, "12/11/2025")]


def test_version_and_section_numbers_are_not_dates():
    assert found("Python 3.8.12, v2.6.15 and section 4.2.10 of the procedures") == []
    assert found("K.M. 4.2.10") == [(DOB, "4.2.10")]


def test_today_defaults_to_the_real_date():
    recent = f"14/03/{date.today().year - 5}"
    assert [(f.kind, f.text) for f in find_identifiers(f"K.M. {recent}")] == [(DOB, recent)]
    assert find_identifiers(f"K.M. 14/03/{date.today().year + 1}") == []


# --- Postcodes ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "postcode",
    ["LE67 3AB", "le67 3ab", "LE673AB", "SW1A 1AA", "M1 1AE", "B33 8TH", "CR2 6XH", "DN55 1PT", "EC1A 1BB", "W1A 0AX"],
)
def test_full_postcodes_are_found(postcode):
    assert found(f"Lives at {postcode}.") == [(POSTCODE, postcode)]


@pytest.mark.parametrize("text", ["LE67", "the LE11 area", "SW1A", "M1", "postcode district B33"])
def test_an_outward_code_alone_is_not_found(text):
    assert found(text) == []


def test_a_postcode_inside_a_sentence_is_found_at_its_place():
    text = "The family moved to a flat near B33 8TH last week."
    findings = find(text)
    assert [(f.kind, f.text) for f in findings] == [(POSTCODE, "B33 8TH")]
    assert (findings[0].start, findings[0].end) == (32, 39)


def test_only_real_postcode_areas_count():
    assert found("KT2 1AB") == [(POSTCODE, "KT2 1AB")]
    assert found("KS2 1AB") == []  # KS is Key Stage, not a postcode area
    assert found("LE673ABC and XLE67 3AB") == []  # not word-bounded


def test_a_lower_case_ordinal_is_not_an_inward_code():
    assert found("Y6 2nd half term, B1 1st floor") == []
    assert found("B1 1ST") == [(POSTCODE, "B1 1ST")]


# --- Full names --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("I am worried about Jayden Smith in Year 5.", "Jayden Smith"),
        ("Mary-Jane O'Connor was absent.", "Mary-Jane O'Connor"),
        ("Mary-Jane O’Connor was absent.", "Mary-Jane O’Connor"),
        ("Concerns about Muhammad Ali Khan continue.", "Muhammad Ali Khan"),
        ("Liam McDonald and his sister", "Liam McDonald"),
        ("We saw Maria de Souza today", "Maria de Souza"),
        ("Ali al-Hassan has moved school", "Ali al-Hassan"),
        ("Referral for Jayden SMITH received", "Jayden SMITH"),
        ("Jayden Smith's mum rang", "Jayden Smith"),
        ("Zoë Wójcik is new to the school", "Zoë Wójcik"),
        ("Oluwaseun Adeyemi-Brown joined Year 3", "Oluwaseun Adeyemi-Brown"),
        ("Mum Kelly Smith attended", "Kelly Smith"),
        ("Kacper Nowak, Year 7", "Kacper Nowak"),
        ("Sister Amelia Smith is in Year 2", "Amelia Smith"),
    ],
)
def test_full_names_are_found(text, name):
    assert found(text) == [(NAME, name)]


@pytest.mark.parametrize(
    "text",
    [
        "Castle Rock High School",
        "St Clare's Primary School",
        "Front Door",
        "Monday 14 March",
        "Locality Lead",
        "Early Help",
        "Social Care",
        "Head Teacher",
        "initials J.S.",
        "initials JS",
        "Mrs Patel",
        "Mrs Sarah Grace Jones",
        "Dr. Priya Shah",
        "Noah's Ark Nursery",
        "Victoria Road",
        "Olivia Summer Term",
        "Jayden alone",
        "Jayden and Noah",
        "Sarah Jones Locality Lead",
        "Red Amber Green",
        "Noah CAMHS appointment",
        "Grace ADHD assessment",
        "Jayden URGENT",
        "the family are Roman Catholic",
        "Isla Mum",
    ],
)
def test_not_names(text):
    assert found(text) == []


# --- Messages, the finding type, order ---------------------------------------------------------


def test_messages_say_what_to_remove():
    assert Finding(NHS, 0, 12, "943 476 5919").message == "Remove the NHS number (943 476 5919)"
    assert Finding(DOB, 0, 10, "14/03/2015").message == "Remove the date of birth (14/03/2015)"
    assert Finding(POSTCODE, 0, 8, "LE67 3AB").message == "Remove the postcode (LE67 3AB)"
    assert Finding(NAME, 0, 12, "Jayden Smith").message == "Remove the name (Jayden Smith). Use initials instead"


def test_a_finding_is_frozen():
    finding = Finding(NAME, 0, 12, "Jayden Smith")
    with pytest.raises(dataclasses.FrozenInstanceError):
        finding.text = "J.S."  # type: ignore[misc]


def test_one_of_each_kind_is_found_in_order_with_offsets():
    text = (
        "Postcode LE67 3AB. The boy is Jayden Smith, NHS number 943 476 5919, "
        "date of birth 14 March 2015, and mum is worried."
    )
    findings = find(text)
    assert [(f.kind, f.text) for f in findings] == [
        (POSTCODE, "LE67 3AB"),
        (NAME, "Jayden Smith"),
        (NHS, "943 476 5919"),
        (DOB, "14 March 2015"),
    ]
    assert [(f.start, f.end) for f in findings] == [
        (9, 17),
        (30, 42),
        (55, 67),
        (83, 96),
    ]
    assert [f.message for f in findings] == [
        "Remove the postcode (LE67 3AB)",
        "Remove the name (Jayden Smith). Use initials instead",
        "Remove the NHS number (943 476 5919)",
        "Remove the date of birth (14 March 2015)",
    ]


def test_empty_text_has_no_findings():
    assert find_identifiers("") == []


@pytest.mark.parametrize(
    "text",
    [
        "NHS number 943 476 5919, born 14 March 2015, now living at LE67 3AB.",
        "Born 14/03/2015 LE67 3AB 9434765919",
        "LE673AB, DOB 2015-03-14, NHS 943-476-5919",
    ],
)
def test_an_nhs_number_a_date_of_birth_and_a_postcode_in_one_text_are_all_found(text):
    assert is_valid_nhs_number("9434765919")
    findings = find(text)
    assert sorted(f.kind for f in findings) == sorted([NHS, DOB, POSTCODE])
    assert len({f.message for f in findings}) == 3, "each finding is its own message"


def test_check_free_text_reports_every_finding_of_every_text_at_once():
    with pytest.raises(IdentifiersFound) as raised:
        check_free_text(
            summary="NHS number 943 476 5919, born 14 March 2015.",
            clean="Attendance has dropped since half term.",
            help_wanted="Please visit LE67 3AB.",
            confirmed=False,
        )
    error = raised.value
    assert isinstance(error, DomainError)
    assert (error.message, error.field) == ("Remove personal details before you save", "summary")
    assert {name: [f.message for f in findings] for name, findings in error.findings.items()} == {
        "summary": ["Remove the NHS number (943 476 5919)", "Remove the date of birth (14 March 2015)"],
        "help_wanted": ["Remove the postcode (LE67 3AB)"],
    }


def test_check_free_text_passes_clean_or_confirmed_texts():
    check_free_text(text="Attendance has dropped since half term.", confirmed=False)
    check_free_text(text="NHS number 943 476 5919", confirmed=True)


# --- False positives on ordinary case notes ----------------------------------------------------

ORDINARY_SENTENCES = [
    "Child A has been absent for 3 days this week and mum says he is unwell.",
    "We held a TAC meeting on Tuesday with Early Help and the school nurse.",
    "Attendance is 82% this term, down from 95% last year.",
    "The family moved to Coalville in the summer and the school has had no contact since.",
    "Please call me back on the school number before 3pm.",
    "Year 6 child, DOB withheld, initials K.M.",
    "I spoke to the Front Door on Monday and was told the case is with the Locality Lead.",
    "Dad collected her late again on Friday and smelt of alcohol, which we have logged on CPOMS.",
    "He is on the SEN register and the EHCP annual review is booked for 14 May 2026.",
    "Mrs Patel, our DSL, will attend the strategy meeting if it is held after 2pm.",
    "She disclosed to her class teacher that there is shouting at home most nights.",
    "The Head Teacher and SENCO would like a consultation about a Year 9 boy, initials R.T., born 2011.",
    "CAMHS have closed the referral and the waiting list for ADHD assessment is about 18 months.",
    "Mum has asked for help with food vouchers and the school has referred to the food bank.",
    "Case reference 1234567890 was closed in January and reopened this week.",
    "The child protection conference is on 20/04/2026 at 10am in the Council offices.",
    "We were not told the outcome of the strategy discussion and would like an update.",
    "Social Care were going to visit last Thursday but nobody has confirmed whether that happened.",
    "Please can the social worker let us know who is covering while she is on leave?",
    "Our school is Castle Rock High School and our locality is North West Leicestershire.",
    "He was excluded for one day on 3 February 2026 after an incident at lunchtime.",
    "The police attended the home at the weekend following a domestic incident; no arrests were made.",
    "Grandparents in Loughborough are now providing most of the childcare during the week.",
    "Child B (Year 2) has bruising on her arm that she says came from playing in the garden.",
    "Our attendance officer has made six home visits since September without seeing the child.",
    "The Early Help worker has closed the case, but the concerns at school have increased.",
    "Both children are now on a Child Protection Plan under the category of neglect.",
    "Could the Locality Lead attend our next Head Teacher meeting in the Summer Term?",
    "The school nurse has weighed him and he has lost 3kg since the start of term.",
    "Mum says the family has been placed in temporary accommodation in the LE11 area.",
    "She told the Teaching Assistant that she is scared of her step-dad.",
    "The PCSO visited on Wednesday and spoke to mum about the younger sibling's safety.",
    "Initials J.S., Year 4, looked after, placed with foster carers in Hinckley since 2023.",
    "The last PEP meeting was in March 2025 and targets have not been reviewed since.",
    "We rang the Front Door on 0116 305 0005 and were on hold for 40 minutes.",
    "Health Visitor and GP both share concerns about the baby's weight gain.",
    "Pod meeting notes: agreed actions for St Clare's Primary School and the family worker.",
    "Our URN is 120345 and our postcode area is LE67, if that helps you find us.",
    "He has not been in school since the Easter holidays and is not answering the door.",
    "Thank you for the Front Door shadowing day, it helped our staff understand thresholds.",
    "The bus stop on Victoria Road is where the older boys have been waiting for her.",
    "Reviewed at the Pod meeting on 2 March 2026; the RAG status is now Amber.",
    "Mum's new partner has moved in, and she has asked us not to tell dad.",
    "A TAF was started in October 2025 and the next review is in April.",
    "The last CIN review was 5 December 2025 and no date has been set for the next one.",
]


def test_ordinary_case_notes_raise_almost_no_false_alarms():
    """Measured: 1 of 45 ordinary sentences is flagged — "The last CIN review was 5 December 2025",
    a past event in the childhood range of years with nothing marking it as an event (the known cost
    of the date rule; the user confirms it). No false names, postcodes or NHS numbers."""
    assert len(ORDINARY_SENTENCES) >= 30
    flagged = [sentence for sentence in ORDINARY_SENTENCES if find(sentence)]
    assert len(flagged) <= 1, flagged
