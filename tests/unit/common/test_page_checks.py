"""The page checks the test client runs on every page (tests/support/pages.py) catch what axe does not: a
choice without its question, a phone number a phone cannot dial."""

from __future__ import annotations

import pytest

from tests.support.pages import PageCheckError, check_choices_have_questions, check_phone_numbers_are_links


def soup(body: str):  # type: ignore[no-untyped-def]
    from bs4 import BeautifulSoup

    return BeautifulSoup(f"<main>{body}</main>", "html.parser")


RADIOS = '<input type="radio" name="kind" value="a"><input type="radio" name="kind" value="b">'


def test_radios_in_a_fieldset_with_a_legend_pass():
    check_choices_have_questions(soup(f"<form><fieldset><legend>What do you need?</legend>{RADIOS}</fieldset></form>"))


@pytest.mark.parametrize(
    "body",
    [
        f"<form>{RADIOS}</form>",  # no fieldset: the options have no question
        f"<form><fieldset>{RADIOS}</fieldset></form>",  # a fieldset without a legend
        f"<form><fieldset><legend> </legend>{RADIOS}</fieldset></form>",  # an empty legend
        '<form><input type="checkbox" name="ids" value="1"><input type="checkbox" name="ids" value="2"></form>',
    ],
)
def test_a_choice_without_its_question_fails(body):
    with pytest.raises(PageCheckError):
        check_choices_have_questions(soup(body))


def test_a_lone_checkbox_is_its_own_question():
    check_choices_have_questions(
        soup('<form><input type="checkbox" name="confirm" id="c"><label for="c">I agree</label></form>')
    )


@pytest.mark.parametrize(
    "body",
    [
        '<p>Call <a href="tel:01164960000">0116 496 0000</a>.</p>',
        '<p>In danger, call <a href="tel:999">999</a>.</p>',
        '<p>Call <a href="tel:+441164960000">+44 116 496 0000</a>.</p>',
        "<p>URN 123456, 4,999 requests, 9 December 2026, reference CR-01164960000</p>",
        '<textarea name="t">call 0116 496 0000</textarea>',  # what someone typed is theirs
    ],
)
def test_phone_numbers_in_tel_links_and_other_numbers_pass(body):
    check_phone_numbers_are_links(soup(body))


@pytest.mark.parametrize(
    "body",
    [
        "<p>Call the Front Door on 0116 496 0000.</p>",
        "<p>If a child is in immediate danger, call 999.</p>",
        '<p>Call <a href="/contact">0116 496 0000</a>.</p>',  # a link, but not one a phone dials
        '<p>Call <a href="tel:0116 496 0000">0116 496 0000</a>.</p>',  # a tel: link with spaces in it
        "<li>telephone: 03031231113</li>",
    ],
)
def test_a_phone_number_a_phone_cannot_dial_fails(body):
    with pytest.raises(PageCheckError):
        check_phone_numbers_are_links(soup(body))
