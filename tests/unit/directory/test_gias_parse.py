"""Reading a Get Information About Schools CSV: encodings, columns, line numbers and row checks (no database)."""

from __future__ import annotations

import codecs

import pytest

from portal.directory.gias import (
    GiasFileError,
    GiasRow,
    RowError,
    decode,
    normalise_postcode,
    read_gias,
    school_values,
    skip_reason,
)
from tests.fixtures.gias import HEADER, gias_csv, school

# --- encodings ------------------------------------------------------------------------------------


def test_utf8_with_a_byte_order_mark_loses_the_mark():
    text, encoding = decode(codecs.BOM_UTF8 + "URN,EstablishmentName\r\n1,Café School\r\n".encode())

    assert encoding == "UTF-8"
    assert text.startswith("URN,")
    assert "Café School" in text


def test_windows_1252_is_the_fallback():
    text, encoding = decode("1,St Bérénice’s School\r\n".encode("cp1252"))

    assert encoding == "Windows-1252"
    assert "St Bérénice’s School" in text


def test_utf16_is_refused_with_advice():
    with pytest.raises(GiasFileError, match="UTF-16"):
        decode("URN,EstablishmentName\r\n".encode("utf-16"))


def test_bytes_that_are_neither_encoding_are_refused():
    # 0x81 is not a character in Windows-1252, and a lone continuation byte is not UTF-8.
    with pytest.raises(GiasFileError, match=r"byte 0x81 at position 4"):
        decode(b"URN,\x81")


def test_the_bom_is_not_taken_for_part_of_the_first_column():
    gias = read_gias(gias_csv([school(100001, "Testfield Primary School")], encoding="utf-8-sig"))

    assert gias.columns[0] == "URN"
    assert [row.urn for row in gias.rows] == [100001]


# --- columns --------------------------------------------------------------------------------------


def test_missing_required_columns_are_named():
    header = [c for c in HEADER if c not in ("URN", "DistrictAdministrative (name)")]

    with pytest.raises(GiasFileError) as error:
        read_gias(gias_csv([], header=header))

    assert "missing the columns URN, DistrictAdministrative (name)" in str(error.value)


def test_one_missing_column_is_named_in_the_singular():
    header = [c for c in HEADER if c != "EstablishmentName"]

    with pytest.raises(GiasFileError, match=r"missing the column EstablishmentName\."):
        read_gias(gias_csv([], header=header))


def test_an_empty_file_is_refused():
    with pytest.raises(GiasFileError, match="empty"):
        read_gias(b"")


def test_optional_columns_the_file_lacks_are_left_out_of_the_values():
    header = [c for c in HEADER if c not in ("Postcode", "Town")]

    [row] = read_gias(gias_csv([school(100001, "Testfield Primary School")], header=header)).rows

    assert "postcode" not in row.values
    assert "town" not in row.values
    assert row.values["name"] == "Testfield Primary School"


def test_columns_the_importer_ignores_do_not_reach_the_values():
    [row] = read_gias(gias_csv([school(100001, "Testfield Primary School")])).rows

    assert set(row.values) == {"name", "establishment_type", "phase", "postcode", "town", "district"}


# --- rows and line numbers ------------------------------------------------------------------------


def test_line_numbers_count_from_the_header_and_follow_quoted_line_breaks():
    data = gias_csv(
        [
            school(100001, "Testfield Primary School"),
            school(100002, "Brookside Academy", Street="Unit 4\r\nBrookside Business Park"),
            school(100003, "Millbrook Infant School"),
        ]
    )

    gias = read_gias(data)

    assert [(row.line, row.urn) for row in gias.rows] == [(2, 100001), (3, 100002), (5, 100003)]


def test_blank_lines_are_ignored_but_still_counted():
    rows = gias_csv([school(100001, "Testfield Primary School"), school(100002, "Brookside Academy")])
    first, second = rows.rstrip(b"\r\n").rsplit(b"\r\n", 1)
    gias = read_gias(first + b"\r\n\r\n" + second + b"\r\n\r\n")

    assert [row.line for row in gias.rows] == [2, 4]
    assert gias.bad_rows == []


@pytest.mark.parametrize(
    ("urn", "reason"),
    [
        ("", "URN is missing"),
        ("  ", "URN is missing"),
        ("12a456", "URN “12a456” is not a whole number of up to 9 digits"),
        ("-100001", "URN “-100001” is not a whole number of up to 9 digits"),
        ("100001.0", "URN “100001.0” is not a whole number of up to 9 digits"),
        ("0", "URN “0” is not a whole number of up to 9 digits"),
        ("12345678901", "URN “12345678901” is not a whole number of up to 9 digits"),
    ],
)
def test_a_bad_urn_is_a_bad_row_with_its_line(urn, reason):
    gias = read_gias(gias_csv([school(100001, "Testfield Primary School"), school(100002, "Brookside", URN=urn)]))

    assert [(bad.line, bad.reason) for bad in gias.bad_rows] == [(3, reason)]
    assert [row.urn for row in gias.rows] == [100001]


def test_a_urn_with_spaces_around_it_is_read():
    [row] = read_gias(gias_csv([school(100001, "Testfield Primary School", URN=" 100001 ")])).rows

    assert row.urn == 100001


def test_a_repeated_urn_points_to_its_first_line():
    gias = read_gias(
        gias_csv(
            [
                school(100001, "Testfield Primary School"),
                school(100002, "Brookside Academy"),
                school(100001, "Testfield Primary School (again)"),
            ]
        )
    )

    assert [str(bad) for bad in gias.bad_rows] == ["line 4: URN 100001 is also on line 2"]
    assert gias.row_count == 3


def test_a_row_with_the_wrong_number_of_fields_is_a_bad_row():
    full = [school(100002, "Brookside Academy")[c] for c in HEADER]
    gias = read_gias(gias_csv([school(100001, "Testfield Primary School"), [*full, "extra"], full[:5]]))

    assert [(bad.line, bad.reason) for bad in gias.bad_rows] == [
        (3, f"has {len(HEADER) + 1} fields where the header has {len(HEADER)}"),
        (4, f"has 5 fields where the header has {len(HEADER)}"),
    ]


# --- what to import -------------------------------------------------------------------------------


def row(status: str = "Open", district: str = "Charnwood", **values: str) -> GiasRow:
    return GiasRow(
        line=2, urn=100001, status=status, values={"name": "Testfield Primary School", "district": district} | values
    )


LOCALITIES = {"charnwood": 1, "north west leicestershire": 2}


@pytest.mark.parametrize(
    ("given", "reason"),
    [
        (row(), None),
        (row(status="Open, but proposed to close"), None),
        (row(district="CHARNWOOD"), None),
        (row(district="North West Leicestershire"), None),
        (row(status="Closed"), "establishment is closed"),
        (row(status="Proposed to open"), "status is “Proposed to open”"),
        (row(status=""), "status is missing"),
        (row(district="Melton"), "district Melton is not mapped to a locality"),
        (row(district=""), "district is missing"),
    ],
)
def test_skip_reasons(given, reason):
    assert skip_reason(given, LOCALITIES) == reason


def test_a_closed_school_is_skipped_before_its_district_is_looked_at():
    assert skip_reason(row(status="Closed", district="Melton"), LOCALITIES) == "establishment is closed"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("LE11 3AB", "LE11 3AB"),
        ("le113ab", "LE11 3AB"),
        ("  le11   3ab ", "LE11 3AB"),
        ("M1 1AE", "M1 1AE"),
        ("B338TH", "B33 8TH"),
        ("CR2 6XH", "CR2 6XH"),
        ("DN55 1PT", "DN55 1PT"),
        ("W1A 0AX", "W1A 0AX"),
        ("EC1A 1BB", "EC1A 1BB"),
        ("", ""),
    ],
)
def test_postcodes_are_normalised(given, expected):
    assert normalise_postcode(given) == expected


@pytest.mark.parametrize("given", ["LE11", "LE11 3A", "LE11 3ABC", "11 3AB", "LE11-3AB", "Not known", "LE11 3AB X"])
def test_malformed_postcodes_are_refused(given):
    with pytest.raises(ValueError, match="is not a valid UK postcode"):
        normalise_postcode(given)


def test_school_values_normalise_the_postcode():
    assert school_values(row(postcode="le11 3ab"))["postcode"] == "LE11 3AB"


@pytest.mark.parametrize(
    ("values", "reason"),
    [
        ({"name": ""}, "EstablishmentName is empty"),
        ({"postcode": "LE11"}, "postcode “LE11” is not a valid UK postcode"),
        ({"name": "A" * 201}, "EstablishmentName is longer than 200 characters"),
        ({"town": "T" * 81}, "Town is longer than 80 characters"),
    ],
)
def test_school_values_refuse_a_broken_row(values, reason):
    with pytest.raises(RowError) as error:
        school_values(row(**values))

    assert str(error.value) == reason
