"""Find likely personal identifiers in free text before it is saved.

The portal identifies a child by initials and year of birth, or by a case reference, never by a
full name or a full date of birth (DESIGN.md, "Safety and data principles"). Staff type free text,
so before saving it a service calls `check_free_text` with every text it is about to save, which
raises one `IdentifiersFound` holding everything `find_identifiers` found in each of them; the route
shows each finding by its field (`portal.common.forms.show_domain_error`) and asks the user to remove
it, or to confirm that it is not about a child. The detector is a prompt, not a guarantee: it is tuned
to miss little while keeping false alarms on ordinary case notes rare. Pure code: no Flask, no
database, regular expressions compiled once.

What counts, and the rules chosen:

NHS number
    Ten digits, written together or as 3-3-4 groups separated by spaces or hyphens, that pass the
    NHS modulus 11 check digit (weights 10 to 2 over the first nine digits; 11 - (sum mod 11);
    11 means 0, 10 means the number is invalid). About 1 in 11 random ten-digit numbers pass, so a
    ten-digit reference or phone number can still be flagged now and then. Digits that are part of a
    longer number (an 11-digit phone number, a decimal) and ten identical digits are not flagged.

Full date of birth
    A full date (day, month and year) in one of the usual forms: 14/03/2015, 14-03-2015, 14.3.15,
    14th March 2015, 14 of March 2015, March 14, 2015, 2015-03-14 (numbers are read day first, as in
    the UK; two-digit years are read as the most recent such year not after today). Impossible dates
    (31/02/2015) are ignored, and so are a month and year, a year alone, or a day and month. A full
    date is flagged when either

    - a birth cue comes shortly before it: "DOB", "D.O.B", "d/o/b", "date of birth", "birth date",
      "birthday", "born" or "b.", at most four words earlier in the same sentence (or "(DOB)" just
      after it) - whatever the year; or
    - its year is in the childhood range, today.year - 19 to today.year - 1, and nothing marks it as
      the date of an event: not introduced by "on", "since", "from", "until", "to", "by", "before",
      "after", "dated", "between", "w/c" or a weekday, and not followed by a time ("at 10am").

    So the dates of meetings and appointments this year or in the future are never flagged without a
    birth cue; nor is "seen on 12/11/2025", a past event. A baby born this year needs its cue
    ("born 2 January 2026") to be flagged.

Full postcode
    The full form only, outward and inward code ("LE67 3AB", "le673ab", "SW1A 1AA"), in the standard
    shapes A9 9AA, A99 9AA, AA9 9AA, AA99 9AA, A9A 9AA and AA9A 9AA, whose area letters are one of
    the UK's postcode areas (or BF, British Forces). An outward code alone ("LE67") is fine. A
    lower-case ordinal in the inward place ("B1 1st") is read as an ordinal, not a postcode.

Full name
    A common given name (an embedded list of about 600 first names used in the UK, across
    generations and communities) followed directly by one to three surname-like words: "Jayden
    Smith", "Mary-Jane O'Connor", "Muhammad Ali Khan", "Liam McDonald", "Maria de Souza", and the
    social-care habit of capitals, "Jayden SMITH". Not flagged:

    - a given name alone, or initials ("J.S.", "JS");
    - names after a title (Mr, Mrs, Ms, Miss, Dr, Sir, Lady, St …): children are not given titles,
      staff are;
    - a run of capitalised words that names a place, an organisation or a role ("Amelia Hart
      Academy", "St Clare's Primary School", "Victoria Road", "Sarah Jones Locality Lead");
    - a given name followed by a word that is not a surname in this domain (days, months, terms,
      family words such as Mum, team and service words such as Early Help or Front Door).

    Names that are also ordinary capitalised words (Will, May, June, April, August, Justice, Sky …)
    are left out of the list. Staff and parents' names are flagged too: that is acceptable, the user
    can confirm them. Names written in lower case, or with the given name in capitals, are missed.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import NamedTuple

from portal.common.errors import DomainError

__all__ = [
    "Finding",
    "IdentifierKind",
    "IdentifiersFound",
    "check_free_text",
    "find_identifiers",
    "is_valid_nhs_number",
]


class IdentifierKind(StrEnum):
    NHS_NUMBER = "nhs_number"
    DATE_OF_BIRTH = "date_of_birth"
    POSTCODE = "postcode"
    FULL_NAME = "full_name"


_MESSAGES = {
    IdentifierKind.NHS_NUMBER: "Remove the NHS number ({})",
    IdentifierKind.DATE_OF_BIRTH: "Remove the date of birth ({})",
    IdentifierKind.POSTCODE: "Remove the postcode ({})",
    IdentifierKind.FULL_NAME: "Remove the name ({}). Use initials instead",
}


@dataclass(frozen=True, slots=True)
class Finding:
    """A likely identifier: `text` is exactly `source[start:end]`."""

    kind: IdentifierKind
    start: int
    end: int
    text: str

    @property
    def message(self) -> str:
        """What to tell the user, in GOV.UK error-message style."""
        return _MESSAGES[self.kind].format(self.text)


def find_identifiers(text: str, *, today: date | None = None) -> list[Finding]:
    """Likely personal identifiers in `text`, sorted by position and not overlapping.

    `today` fixes the childhood range of dates of birth; it defaults to `date.today()`.
    """
    today = today or date.today()
    found = [*_nhs_numbers(text), *_dates_of_birth(text, today), *_postcodes(text), *_full_names(text)]
    found.sort(key=lambda f: (f.start, -(f.end - f.start)))
    result: list[Finding] = []
    for finding in found:
        if not result or finding.start >= result[-1].end:
            result.append(finding)
    return result


class IdentifiersFound(DomainError):
    """Free text looks as if it holds a child's identifiers: nothing is saved until they are removed or the
    user confirms. `findings` holds every finding of every text checked, by the text's name (the service's
    argument, which the form's field shares), in the order the texts were given; `field` names the first."""

    def __init__(self, findings: dict[str, list[Finding]]) -> None:
        super().__init__("Remove personal details before you save", field=next(iter(findings), None))
        self.findings = findings


def check_free_text(*, confirmed: bool, **texts: str) -> None:
    """Raise IdentifiersFound, unless `confirmed`, when any of `texts` (named as the form's fields are) looks
    as if it names or identifies a child. Every text is checked, so that one submission reports it all."""
    if confirmed:
        return
    found = {name: findings for name, text in texts.items() if (findings := find_identifiers(text))}
    if found:
        raise IdentifiersFound(found)


def _words(words: str) -> frozenset[str]:
    """A set from a whitespace-separated list (easier to read and edit than a list of literals)."""
    return frozenset(words.split())


# --- NHS numbers -------------------------------------------------------------------------------

_SEP = r"[ \u00a0-]"
# Not part of a longer number: no digit, or digit and decimal point, on either side.
_NHS_RE = re.compile(rf"(?<!\d)(?<!\d[.,])\d{{3}}{_SEP}?\d{{3}}{_SEP}?\d{{4}}(?!\d)(?![.,]\d)")


def is_valid_nhs_number(digits: str) -> bool:
    """Whether ten digits pass the NHS modulus 11 check."""
    if len(digits) != 10 or not digits.isascii() or not digits.isdigit():
        return False
    total = sum(int(d) * weight for d, weight in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


def _nhs_numbers(text: str) -> list[Finding]:
    found = []
    for m in _NHS_RE.finditer(text):
        digits = re.sub(r"\D", "", m.group())
        if len(set(digits)) > 1 and is_valid_nhs_number(digits):
            found.append(Finding(IdentifierKind.NHS_NUMBER, m.start(), m.end(), m.group()))
    return found


# --- Dates of birth ----------------------------------------------------------------------------

_CHILDHOOD_YEARS = 19

_MONTHS = {
    "jan": 1,
    "feb": 2,
    "mar": 3,
    "apr": 4,
    "may": 5,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "oct": 10,
    "nov": 11,
    "dec": 12,
}
_MONTH = (
    r"(?P<month>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b\.?"
)
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?"
_NO_DIGITS_BEFORE = r"(?<!\d)(?<!\d[./-])"
_NO_DIGITS_AFTER = r"(?!\d)(?![./-]\d)"

_DATE_RES = (
    # 14/03/2015, 14-03-2015, 14.3.15 (the same separator twice)
    re.compile(
        rf"{_NO_DIGITS_BEFORE}(?P<day>\d{{1,2}})(?P<sep>[./-])(?P<num_month>\d{{1,2}})(?P=sep)"
        rf"(?P<year>\d{{4}}|\d{{2}}){_NO_DIGITS_AFTER}"
    ),
    # 2015-03-14
    re.compile(
        rf"{_NO_DIGITS_BEFORE}(?P<year>\d{{4}})(?P<sep>[./-])(?P<num_month>\d{{1,2}})(?P=sep)"
        rf"(?P<day>\d{{1,2}}){_NO_DIGITS_AFTER}"
    ),
    # 14 March 2015, 14th of March 2015, 14 Mar. 2015
    re.compile(rf"(?<![\d.,/-])\b{_DAY}\s+(?:of\s+)?{_MONTH},?\s+(?P<year>\d{{4}})(?!\d)", re.IGNORECASE),
    # March 14, 2015
    re.compile(rf"\b{_MONTH}\s+{_DAY},?\s+(?P<year>\d{{4}})(?!\d)", re.IGNORECASE),
)

_BIRTH_CUE_RE = re.compile(
    r"\bd[./]?\s?o[./]?\s?b\b|\bdate\s+of\s+birth\b|\bbirth\s?date\b|\bbirthday\b|\bborn\b|(?<![\w.])b\.(?!\w)",
    re.IGNORECASE,
)
_BIRTH_CUE_AFTER_RE = re.compile(r"\s*[(\[,-]?\s*(?:d[./]?\s?o[./]?\s?b\b|date\s+of\s+birth\b)", re.IGNORECASE)
# Between a cue and its date: no digits (another date or number) and no end of sentence.
_CUE_GAP_BREAK_RE = re.compile(r"\d|[!?;]|\.\s+[A-Z]|\n\s*\n")
_CUE_WINDOW = 60
_CUE_MAX_WORDS = 4

_WEEKDAY = r"mon(?:day)?|tue(?:s(?:day)?)?|wed(?:nesday)?|thu(?:r(?:s(?:day)?)?)?|fri(?:day)?|sat(?:urday)?|sun(?:day)?"
_EVENT_BEFORE_RE = re.compile(
    rf"(?:\b(?:on|since|from|until|till|to|by|before|after|dated|between|commencing|w/[ce]|{_WEEKDAY})\b\.?,?)"
    r"\s+(?:the\s+)?$",
    re.IGNORECASE,
)
_EVENT_AFTER_RE = re.compile(r",?\s+(?:at|@)\s*\d")
# 3.8.12 in "Python 3.8.12", "v2.6.15" or "section 4.2.10" is a number, not a date.
_NUMBERING_BEFORE_RE = re.compile(
    r"(?:\b(?:v|ver|version|release|section|sections|para|paragraph|paragraphs|chapter|clause|appendix|python)\.?\s*)$",
    re.IGNORECASE,
)


def _read_date(m: re.Match[str], today: date) -> date | None:
    groups = m.groupdict()
    month = int(groups["num_month"]) if groups.get("num_month") else _MONTHS[groups["month"][:3].lower()]
    year = int(groups["year"])
    if len(groups["year"]) == 2:
        year += 2000 if 2000 + year <= today.year else 1900
    try:
        return date(year, month, int(groups["day"]))
    except ValueError:
        return None


def _has_birth_cue(text: str, start: int, end: int) -> bool:
    window = text[max(0, start - _CUE_WINDOW) : start]
    cues = list(_BIRTH_CUE_RE.finditer(window))
    if cues:
        gap = window[cues[-1].end() :]
        if not _CUE_GAP_BREAK_RE.search(gap) and len(_WORD_RE.findall(gap)) <= _CUE_MAX_WORDS:
            return True
    return _BIRTH_CUE_AFTER_RE.match(text, end) is not None


def _is_event_date(text: str, start: int, end: int) -> bool:
    return (
        _EVENT_BEFORE_RE.search(text[max(0, start - 30) : start]) is not None
        or _EVENT_AFTER_RE.match(text, end) is not None
    )


def _dates_of_birth(text: str, today: date) -> list[Finding]:
    found = []
    for pattern in _DATE_RES:
        for m in pattern.finditer(text):
            when = _read_date(m, today)
            if when is None:
                continue
            start, end = m.span()
            if "num_month" in m.groupdict() and _NUMBERING_BEFORE_RE.search(text[max(0, start - 20) : start]):
                continue
            in_childhood = today.year - _CHILDHOOD_YEARS <= when.year <= today.year - 1
            if _has_birth_cue(text, start, end) or (in_childhood and not _is_event_date(text, start, end)):
                found.append(Finding(IdentifierKind.DATE_OF_BIRTH, start, end, m.group()))
    return found


# --- Postcodes ---------------------------------------------------------------------------------

# The UK's postcode areas, with the Crown dependencies and BF (British Forces Post Office).
_POSTCODE_AREAS = _words(
    """
    AB AL B BA BB BD BF BH BL BN BR BS BT CA CB CF CH CM CO CR CT CV CW DA DD DE DG DH DL DN DT DY
    E EC EH EN EX FK FY G GL GU GY HA HD HG HP HR HS HU HX IG IM IP IV JE KA KT KW KY L LA LD LE LL
    LN LS LU M ME MK ML N NE NG NN NP NR NW OL OX PA PE PH PL PO PR RG RH RM S SA SE SG SK SL SM SN
    SO SP SR SS ST SW SY TA TD TF TN TQ TR TS TW UB W WA WC WD WF WN WR WS WV YO ZE
    """
)
_POSTCODE_RE = re.compile(
    r"\b(?P<outward>[A-PR-UWYZ](?:[0-9]{1,2}|[A-HK-Y][0-9]{1,2}|[0-9][A-HJKPSTUW]|[A-HK-Y][0-9][ABEHMNPRVWXY]))"
    r"[ \u00a0]?(?P<inward>[0-9][ABD-HJLNP-UW-Z]{2})\b",
    re.IGNORECASE,
)
_ORDINAL_RE = re.compile(r"[0-9](?:st|nd|rd|th)")


def _postcodes(text: str) -> list[Finding]:
    found = []
    for m in _POSTCODE_RE.finditer(text):
        outward, inward = m.group("outward"), m.group("inward")
        area = outward[:2] if outward[1].isalpha() else outward[:1]
        if area.upper() not in _POSTCODE_AREAS or _ORDINAL_RE.fullmatch(inward):
            continue
        found.append(Finding(IdentifierKind.POSTCODE, m.start(), m.end(), m.group()))
    return found


# --- Full names --------------------------------------------------------------------------------

# Common given names in the UK, lower case and without accents. Names that are also ordinary
# capitalised words (Will, May, June, April, August, Justice, Charity, Sky, Frank …) are left out.
_GIVEN_NAMES = _words(
    """
    aaliyah aaron aarav aarya abdi abdirahman abdul abdullah abdullahi abena abigail abu adaeze adam
    adebayo adeola aditya adrian ahmad ahmed aidan aiden aimee aisha aleena aleksander aleksandra
    alex alexa alexander alexandra alexandru alexis alan alfie alfred ali alice alicia alina alisha
    alison amaan amal amanda amara amari amber amelia amelie amina aminah amir amira amna amrit amy ana
    anaya andre andreea andrei andrew angela angelina anika anisa anita anjali ann anna anne annie
    andrea anthony antoni antonio anya aoife archie archer arham aria ariana arjun arlo aron arthur arya aryan
    asha ashley ashton aurora ava avneet ayaan ayan ayesha ayla ayodele ayomide aisling
    barbara bartosz beatrice bella ben benjamin bethan bethany bianca bilal blessing bobby bonnie
    bradley brandon brian brooke caitlin caleb callum calvin cameron carl carla carlos caroline carter
    catherine charlene charles charlie charlotte chelsea chidera chidi chiamaka chinedu chioma chloe
    christina christopher ciara cerys claire clara clare cody colin connor courtney craig cristian
    daisy dakota damilola damian daniel daniela danielle daria darius darren david dawid dean debbie deborah declan
    demi denisa denise dev devon dexter diana diya dominic dominik donna dylan
    ebony eden edith edward eileen elena eleanor eli elias elijah elise eliza elizabeth ella ellie
    elliot elliott ellis eloise elsie emeka emilia emilija emily emma emmanuel enzo erin esme esther
    ethan eva evan evelyn evie ezra faith farah fatima fatimah favour felix femi filip finlay finley
    finn florence francesca freddie frederick freya funmilayo gabija gabriel gabriela gabrielle gary graham
    gemma george georgia georgina grace gracie gurpreet hafsa hallie hamza hana hannah hanna harjot
    harleen harley harmony harper harpreet harriet harris harrison harry harvey hassan hayden hayley
    hazel heidi helen henry hira hodan holly hope hugo hussain hussein ian ibrahim idris ifeoma igor
    imaan imogen imran inaya ioana ionut isa isaac isabel isabella isabelle isha isla ismail ivy jack
    jackson jacob jade jaden jai jackie jake jakub james jamie jane janet jaspreet jasleen jasmine jason
    jasper jaxon jay jayden jayla jemima jenna jennifer jenson jermaine jerome jessica jessie joanne
    joe joel john jonah jonathan jordan jose joseph josephine josh joshua jude julia julie julian
    junaid kacper kai kaiden karan karen kate katherine kathryn katie kayden kayla keira keisha kelly
    keith kevin khadija khadijah kian kieran kiera kimberley kiran kirsty kofi kojo krish krystian kwabena
    kwame kyle kyron lacey lara laura lauren layla leah leanne leena leila lena leo leon leona leonardo
    lewis lexi liam libby lilly lily lisa logan lola lottie louie louis louise luca lucas lucia lucy
    luke luna lydia lyla maddison madison maisie maja malachi malaika manpreet marcus margaret margot
    maria mariam marie mark martha martin maryam mary mason mateo mateusz matilda matteo matthew max
    maya megan meera mehmet mia michael michal michelle mihai mikayla mila millie miriam mohamed
    mohammad mohammed mollie molly muhammad musa mustafa naomi natalia natalie natasha nathan
    nathaniel navjot navneet neha neil nevaeh niamh nicholas nicola nigel nikhil nina noah noor nora nur
    obinna olamide oliver olivia oliwia ollie olusegun oluwaseun oluwatobi omar orla oscar oskar owen
    paige patricia patrick paul penelope peter phoebe piotr pooja poppy precious priya rachel rafael
    rahul raj rayan rayyan rebecca reece reggie rhys ria richard riley rio riya robert robyn rohan
    roman ronnie rory rosa rose rosie ruby rufus ruth ryan safa safiya sahil samantha samira samuel
    sana sanjay sara sarah scarlett scott sean sebastian shannon shanice sharon shaun sian sienna simon
    simran skye sofia sophia sophie stacey stanley stefan stephanie stephen steven sukhdeep sumaya
    summer susan sylvie szymon tamara tariq tayo teddy temitope thea theo theodore thomas tia tiana
    tiago tilly tina timothy tobi tobias toby tolu toluwani tommy tomasz tony tracey tunde tyler tyrese tyrone
    umar valentina vanessa veer victoria vihaan vijay vincent violet vlad wayne wiktor wiktoria
    william willow yahya yasmin yasmine yusuf yousef zachary zahra zain zainab zak zara zayn zofia zoe
    zuzanna
    """
)

# A run of capitalised words that holds one of these names a place, an organisation or a role.
_RUN_BLOCKERS = _words(
    """
    school schools primary secondary infant infants junior juniors nursery academy academies college
    university high community church chapel cathedral mosque temple gurdwara synagogue parish
    street st road rd lane close avenue ave drive crescent gardens grove place park square terrace way
    walk row court house centre center hospital infirmary surgery practice clinic health medical nhs
    trust council police station library hub unit estate village federation foundation partnership
    leisure club charity project services service team department office board panel group
    ce rc cofe lead leader manager worker officer teacher head deputy assistant practitioner nurse
    visitor coordinator co-ordinator advisor adviser consultant director governor chair principal
    senco sendco dsl pcso gp mp red county guide
    """
)

# Capitalised words that follow a given name in this domain without being a surname.
_NOT_SURNAMES = _RUN_BLOCKERS | _words(
    """
    monday tuesday wednesday thursday friday saturday sunday mon tue tues wed thu thur thurs fri sat
    sun january february march april may june july august september october november december jan feb
    mar apr jun jul aug sep sept oct nov dec spring summer autumn winter term half holiday holidays
    easter christmas year reception class form set mum mom mummy mother dad daddy father nan nana
    nanny gran granny grandma grandmother grandad granddad grandpa grandfather auntie aunty aunt uncle
    brother sister sibling siblings baby child children family carer carers parent parents early help
    social care front door locality pod review meeting plan conference assessment report referral
    consultation update note notes minutes action actions agenda attendance safeguarding protection
    need needs looked after support contact emergency urgent please thanks thank regards kind best
    dear hi hello yes no not the and but or if when then this that these those he she they we it his
    her their our has had have is was were will would can could should might must did does do also
    today tomorrow yesterday morning afternoon evening week month english maths science history
    geography art music drama computing french spanish german polish romanian urdu punjabi gujarati
    arabic somali british scheme status red rag leicester leicestershire loughborough coalville
    hinckley melton harborough oadby wigston blaby charnwood bosworth lutterworth shepshed syston
    birstall glenfield braunstone narborough enderby nottingham derby london birmingham coventry
    england wales scotland uk time day user person catholic anglican muslim hindu sikh jewish christian
    """
)

# Capitals that are not a surname written in capitals.
_ACRONYMS = _words(
    """
    ADHD AHT ASAP ASC ASD BTEC CAMHS CIN CLA CME CPOMS CPP CSE CCE DBS DDSL DHT DOB DWP EAL EBSA EHA
    EHCP EHE EIP ELSA EOTAS ESOL EWO FAO FYI GCSE GDPR HOY ICPC IRO LAC LADO MAPPA MARAC MASH NEET
    OFSTED PDA PEP PIP PRU PTSD RAG RCPC SALT SATS SEMH SEN SEND SENCO SENDCO SLCN TAC TAF UCAS YOS
    YOT YJS ALL AND ARE BUT CAN DID FOR HAS NEW NOT NOW ONLY PLEASE THE TODAY URGENT VERY WAS WHO
    IMPORTANT NOTE UPDATE AGAIN ALSO
    """
)

_TITLES = _words(
    """
    mr mrs ms miss mx dr prof professor sir dame lady lord rev revd reverend cllr councillor fr saint st pc
    dc ds di sgt insp judge king queen prince princess duke duchess earl pope
    """
)
_PARTICLES = _words("de da di du del della van von der den la le bin binti bint ibn al el abu ben ter")

_WORD_RE = re.compile(r"[^\W\d_]+(?:['’\-][^\W\d_]+)*")
_PART_SPLIT_RE = re.compile(r"['’\-]")
_CAMEL_SURNAME_RE = re.compile(r"(?:Mc|Mac|Fitz|De|Di|Da|Du|La|Le|Van|Von)[A-Z][a-z]+")
_VOWELS = frozenset("AEIOUY")
_MAX_SURNAME_WORDS = 3


class _Token(NamedTuple):
    position: int  # in the list of tokens
    start: int
    end: int  # without a possessive 's
    core: str
    possessive: bool


def _tokens(text: str) -> list[_Token]:
    """The words that can be part of a name: capitalised words and particles (most words are neither)."""
    tokens: list[_Token] = []
    for m in _WORD_RE.finditer(text):
        word = m.group()
        if not (word[0].isupper() or word in _PARTICLES or "-" in word):
            continue
        possessive = len(word) > 2 and word[-2] in "'’" and word[-1] == "s"
        core = word[:-2] if possessive else word
        tokens.append(_Token(len(tokens), m.start(), m.start() + len(core), core, possessive))
    return tokens


def _in(word: str, words: frozenset[str]) -> bool:
    """Whether a word, or its singular, is in a lower-case set: Schools, Leaders."""
    folded = _fold(word)
    return folded in words or (folded.endswith("s") and folded[:-1] in words)


def _fold(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _is_title_case_part(part: str) -> bool:
    return part[:1].isupper() and (part[1:].islower() or _CAMEL_SURNAME_RE.fullmatch(part) is not None)


def _is_given_name(token: _Token) -> bool:
    if token.possessive or token.core.isupper():
        return False
    parts = token.core.split("-")
    if not all(len(p) > 1 and _is_title_case_part(p) for p in parts):
        return False
    return _fold(token.core) in _GIVEN_NAMES or _fold(parts[0]) in _GIVEN_NAMES


def _is_surname(word: str) -> bool:
    if _in(word, _NOT_SURNAMES):
        return False
    letters = [c for c in word if c.isalpha()]
    if word.isupper():
        # SMITH, O'CONNOR; not an acronym such as CAMHS or an emphasis such as URGENT.
        return len(letters) >= 3 and word not in _ACRONYMS and any(_fold(c).upper() in _VOWELS for c in letters)
    if len(letters) < 2:
        return False
    parts = _PART_SPLIT_RE.split(word)
    if parts[0] in _PARTICLES and len(parts) > 1:  # al-Hassan
        parts = parts[1:]
    if any(not p for p in parts):
        return False
    # O'Connor, D'Souza: a single capital before the apostrophe.
    return all(
        _is_title_case_part(p) or (len(p) == 1 and p.isupper() and i < len(parts) - 1) for i, p in enumerate(parts)
    )


def _adjacent(text: str, left: _Token, right: _Token) -> bool:
    """Two words of the same name: separated by one space, nothing else."""
    return text[left.end : right.start] in (" ", "\u00a0")


def _starts_capitalised(word: str) -> bool:
    """Smith, SMITH, and al-Hassan (a lower-case particle joined to a capitalised name)."""
    if word[:1].isupper():
        return True
    head, _, tail = word.partition("-")
    return head in _PARTICLES and tail[:1].isupper()


def _particle_of_name(text: str, tokens: list[_Token], k: int) -> bool:
    """Whether tokens[k] starts particles that lead to a capitalised name: de Souza, van der Berg."""
    while k < len(tokens) and tokens[k].core in _PARTICLES:
        if k + 1 == len(tokens) or not _adjacent(text, tokens[k], tokens[k + 1]):
            return False
        k += 1
    return k < len(tokens) and _starts_capitalised(tokens[k].core)


def _runs(text: str, tokens: list[_Token]) -> list[list[_Token]]:
    """Runs of adjacent capitalised words, with lower-case particles inside them (Maria de Souza)."""
    runs: list[list[_Token]] = []
    run: list[_Token] = []
    for token in tokens:
        capitalised = _starts_capitalised(token.core) or (bool(run) and _particle_of_name(text, tokens, token.position))
        if capitalised and run and _adjacent(text, run[-1], token):
            run.append(token)
            continue
        if len(run) > 1:
            runs.append(run)
        run = [token] if _starts_capitalised(token.core) else []
    if len(run) > 1:
        runs.append(run)
    return runs


def _after_title(text: str, tokens: list[_Token], index: int) -> bool:
    """Whether tokens[index] follows a title written with a full stop ("Dr. Priya Shah")."""
    if index == 0:
        return False
    before = tokens[index - 1]
    return _fold(before.core) in _TITLES and text[before.end : tokens[index].start] in (". ", ".\u00a0")


def _names_in_run(run: list[_Token]) -> list[tuple[_Token, _Token]]:
    """The (first, last) words of each given name + surname(s) in a run of capitalised words."""
    names = []
    p = 0
    while p < len(run):
        if _fold(run[p].core) in _TITLES:
            break  # everything after a title names the titled person: staff, not a child
        if not _is_given_name(run[p]):
            p += 1
            continue
        last = None
        q = p + 1
        while q < len(run) and q - p <= _MAX_SURNAME_WORDS:
            r = q
            while r < len(run) and run[r].core in _PARTICLES:
                r += 1  # de Souza, van der Berg: particles belong to the surname that follows
            if r == len(run) or not _is_surname(run[r].core):
                break
            last = run[r]
            q = r + 1
        if last is None:
            p += 1
            continue
        names.append((run[p], last))
        p = q
    return names


def _full_names(text: str) -> list[Finding]:
    tokens = _tokens(text)
    found = []
    for run in _runs(text, tokens):
        if any(_in(t.core, _RUN_BLOCKERS) for t in run) or _after_title(text, tokens, run[0].position):
            continue
        for first, last in _names_in_run(run):
            found.append(Finding(IdentifierKind.FULL_NAME, first.start, last.end, text[first.start : last.end]))
    return found
