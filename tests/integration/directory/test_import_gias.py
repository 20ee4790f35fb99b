"""`flask directory import-gias`: schools from a Get Information About Schools CSV, on both databases."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from flask import Flask
from sqlalchemy import func, select

from portal.common.models import AuditEvent
from portal.directory.gias import import_gias
from portal.directory.models import DistrictMapping, Organisation, OrganisationKind
from portal.extensions import db
from tests.fixtures.gias import HEADER, HERE, gias_csv, school

UTF8_BOM_FILE = HERE / "establishments-utf8-bom.csv"
CP1252_FILE = HERE / "establishments-windows-1252.csv"


@pytest.fixture
def localities(factories: Any) -> tuple[Any, Any]:
    """Northfield takes Charnwood's schools and Southmere Blaby's; Melton is another council's."""
    north = factories.LocalityFactory(name="Northfield")
    south = factories.LocalityFactory(name="Southmere")
    db.session.add_all(
        [
            DistrictMapping(district="Charnwood", locality_id=north.id),
            DistrictMapping(district="Blaby", locality_id=south.id),
        ]
    )
    db.session.commit()
    return north, south


def run_import(app: Flask, path: Path | str, *options: str) -> Result:
    result = app.test_cli_runner().invoke(args=["directory", "import-gias", str(path), *options])
    # A refusal exits through SystemExit; anything else escaping is a crash, not an answer.
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def write(tmp_path: Path, rows: list[Any], **kwargs: Any) -> Path:
    path = tmp_path / "edubasealldata.csv"
    path.write_bytes(gias_csv(rows, **kwargs))
    return path


def counts(output: str) -> dict[str, int]:
    found = re.findall(r"^(Created|Updated|Unchanged|Skipped):\s+([\d,]+)$", output, flags=re.MULTILINE)
    return {label.lower(): int(number.replace(",", "")) for label, number in found}


def schools() -> dict[int, Organisation]:
    db.session.expire_all()
    return {org.urn: org for org in db.session.scalars(select(Organisation)) if org.urn is not None}


def snapshot() -> tuple[list[tuple[Any, ...]], int]:
    """Every organisation's imported fields and timestamps, and the number of audit rows."""
    db.session.expire_all()
    rows = db.session.execute(
        select(
            Organisation.id,
            Organisation.urn,
            Organisation.name,
            Organisation.postcode,
            Organisation.town,
            Organisation.locality_id,
            Organisation.updated_at,
        ).order_by(Organisation.id)
    )
    return [tuple(r) for r in rows], db.session.scalar(select(func.count(AuditEvent.id))) or 0


def imports_audited() -> list[AuditEvent]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "organisation.gias_imported").order_by(AuditEvent.id)
        )
    )


# --- reading the Department's files ---------------------------------------------------------------


def test_imports_open_schools_in_mapped_districts_from_utf8_with_bom(app, localities):
    north, south = localities
    assert UTF8_BOM_FILE.read_bytes().startswith(b"\xef\xbb\xbf")

    result = run_import(app, UTF8_BOM_FILE)

    assert result.exit_code == 0, result.output
    found = schools()
    assert set(found) == {990001, 990002, 990003}
    first = found[990001]
    assert (first.name, first.kind, first.phase, first.establishment_type) == (
        "Testfield Primary School",
        OrganisationKind.SCHOOL,
        "Primary",
        "Community school",
    )
    assert (first.postcode, first.town, first.district, first.locality_id) == (
        "ZZ1 1AA",
        "Testville",
        "Charnwood",
        north.id,
    )
    academy = found[990002]  # open but proposed to close: still open
    assert academy.name == "Brookside Church of England Academy, Testville"
    assert (academy.phase, academy.establishment_type, academy.postcode) == (
        "Secondary",
        "Academy converter",
        "ZZ1 2AB",
    )
    infants = found[990003]  # "BLABY" in the file, "Blaby" in the mapping
    assert (infants.district, infants.locality_id) == ("BLABY", south.id)
    assert counts(result.output) == {"created": 3, "updated": 0, "unchanged": 0, "skipped": 3}
    assert "UTF-8" in result.output


def test_reads_windows_1252(app, localities):
    raw = CP1252_FILE.read_bytes()
    assert "’".encode("cp1252") in raw  # the file really is Windows-1252, not UTF-8
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")

    result = run_import(app, CP1252_FILE)

    assert result.exit_code == 0, result.output
    assert "Windows-1252" in result.output
    names = {org.name for org in schools().values()}
    assert "St Bérénice’s Catholic Primary School" in names
    assert "Ashby Road Nursery School" in names


def test_skips_closed_and_unopened_schools_and_unmapped_districts_with_reasons(app, localities, tmp_path):
    path = write(
        tmp_path,
        [
            school(990101, "Testfield Primary School"),
            school(990102, "Old Forge Junior School", **{"EstablishmentStatus (name)": "Closed"}),
            school(990103, "Old Mill Infant School", **{"EstablishmentStatus (name)": "Closed"}),
            school(990104, "Greenacre Free School", **{"EstablishmentStatus (name)": "Proposed to open"}),
            school(990105, "Hilltop Primary School", **{"DistrictAdministrative (name)": "Melton"}),
        ],
    )

    result = run_import(app, path)

    assert result.exit_code == 0, result.output
    assert set(schools()) == {990101}
    assert counts(result.output) == {"created": 1, "updated": 0, "unchanged": 0, "skipped": 4}
    reasons = {
        reason: int(count) for count, reason in re.findall(r"^\s+(\d+)\s+(.+)$", result.stdout, flags=re.MULTILINE)
    }
    assert reasons == {
        "establishment is closed": 2,
        "status is “Proposed to open”": 1,
        "district Melton is not mapped to a locality": 1,
    }


# --- upserts and idempotence ----------------------------------------------------------------------


def test_updates_a_known_school_by_urn_and_leaves_other_organisations_alone(app, localities, factories, tmp_path):
    north, south = localities
    known = factories.OrganisationFactory(
        urn=990201,
        name="Testfield County Primary",
        postcode="ZZ9 9ZZ",
        locality=south,
        kind=OrganisationKind.EARLY_YEARS,
    )
    agency = factories.OrganisationFactory(urn=None, name="Testville Health Visitors", kind=OrganisationKind.HEALTH)
    agency_before = snapshot()[0][-1]
    known_before = known.updated_at
    path = write(tmp_path, [school(990201, "Testfield Primary School", Postcode="ZZ1 1AA")])

    result = run_import(app, path)

    assert result.exit_code == 0, result.output
    assert counts(result.output) == {"created": 0, "updated": 1, "unchanged": 0, "skipped": 0}
    org = schools()[990201]
    assert org.id == known.id
    assert (org.name, org.postcode, org.locality_id) == ("Testfield Primary School", "ZZ1 1AA", north.id)
    assert org.kind is OrganisationKind.EARLY_YEARS  # a kind the admin chose is kept
    assert org.updated_at > known_before
    assert db.session.get(Organisation, agency.id) is not None
    assert snapshot()[0][-1] == agency_before


def test_a_second_run_changes_nothing(app, localities, tmp_path):
    path = write(
        tmp_path,
        [school(990300 + i, f"Testfield School {i}", Postcode=f"zz{i}{i}aa") for i in range(1, 6)]
        + [school(990399, "Old Forge Junior School", **{"EstablishmentStatus (name)": "Closed"})],
    )
    first = run_import(app, path)
    assert first.exit_code == 0, first.output
    before = snapshot()[0]

    second = run_import(app, path)

    assert second.exit_code == 0, second.output
    assert counts(second.output) == {"created": 0, "updated": 0, "unchanged": 5, "skipped": 1}
    assert snapshot()[0] == before  # the same rows with the same updated_at
    audited = imports_audited()
    assert [(a.detail["created"], a.detail["unchanged"], a.detail["skipped"]) for a in audited] == [
        (5, 0, 1),
        (0, 5, 1),
    ]


def test_the_audit_row_holds_the_counts(app, localities):
    run_import(app, UTF8_BOM_FILE)

    [event] = imports_audited()
    assert event.actor_id is None  # run from the command line
    assert event.detail["file"] == UTF8_BOM_FILE.name
    assert (event.detail["rows"], event.detail["created"], event.detail["updated"]) == (6, 3, 0)
    assert event.detail["skipped_reasons"] == {
        "establishment is closed": 1,
        "status is “Proposed to open”": 1,
        "district Melton is not mapped to a locality": 1,
    }


# --- broken files ---------------------------------------------------------------------------------

BROKEN_ROWS = {
    "URN not a number": ({"URN": "99O402"}, "URN “99O402” is not a whole number"),
    "URN missing": ({"URN": ""}, "URN is missing"),
    "name empty": ({"EstablishmentName": "  "}, "EstablishmentName is empty"),
    "postcode malformed": ({"Postcode": "ZZ1 1A"}, "postcode “ZZ1 1A” is not a valid UK postcode"),
    "URN repeated": ({"URN": "990401"}, "URN 990401 is also on line 2"),
}


def broken_file(tmp_path: Path, broken: dict[str, str] | None) -> Path:
    """Line 2 a known school renamed, line 3 a new school, line 4 the broken row, line 5 another new one."""
    fourth = school(990402, "Brookside Primary School", **(broken or {}))
    return write(
        tmp_path,
        [
            school(990401, "Testfield Primary School"),
            school(990403, "Millbrook Infant School"),
            fourth,
            school(990404, "Hilltop Primary School"),
        ],
    )


@pytest.mark.parametrize("broken", BROKEN_ROWS.values(), ids=BROKEN_ROWS.keys())
def test_a_broken_row_refuses_the_whole_file(app, localities, factories, tmp_path, broken):
    changes, reason = broken
    factories.OrganisationFactory(urn=990401, name="Testfield County Primary")
    before = snapshot()

    result = run_import(app, broken_file(tmp_path, changes))

    assert result.exit_code != 0
    assert f"line 4: {reason}" in result.stderr
    assert "Nothing was imported" in result.stderr
    assert snapshot() == before  # neither the renamed school nor the good new rows around the bad one
    assert imports_audited() == []


def test_a_row_of_the_wrong_length_refuses_the_file(app, localities, tmp_path):
    row = [school(990501, "Brookside Primary School")[c] for c in HEADER]
    path = write(tmp_path, [school(990500, "Testfield Primary School"), row[:-3], row])
    before = snapshot()

    result = run_import(app, path)

    assert result.exit_code != 0
    assert f"line 3: has {len(HEADER) - 3} fields where the header has {len(HEADER)}" in result.stderr
    assert snapshot() == before


def test_skip_bad_rows_imports_the_good_rows(app, localities, factories, tmp_path):
    factories.OrganisationFactory(urn=990401, name="Testfield County Primary")
    path = broken_file(tmp_path, {"URN": "99O402"})

    result = run_import(app, path, "--skip-bad-rows")

    assert result.exit_code == 0, result.output
    assert "line 4: URN “99O402” is not a whole number" in result.stderr
    assert counts(result.stdout) == {"created": 2, "updated": 1, "unchanged": 0, "skipped": 0}
    found = schools()
    assert set(found) == {990401, 990403, 990404}
    assert found[990401].name == "Testfield Primary School"
    [event] = imports_audited()
    assert event.detail["bad_rows_skipped"] == 1


def test_a_file_without_the_required_columns_is_refused_by_name(app, localities, tmp_path):
    header = [c for c in HEADER if c not in ("EstablishmentStatus (name)", "DistrictAdministrative (name)")]
    path = write(tmp_path, [school(990601, "Testfield Primary School")], header=header)

    result = run_import(app, path)

    assert result.exit_code != 0
    assert "missing the columns EstablishmentStatus (name), DistrictAdministrative (name)" in result.stderr
    assert schools() == {}


@pytest.mark.parametrize(("name", "message"), [("no-such-file.csv", "No such file"), (".", "Is a directory")])
def test_a_file_that_cannot_be_opened_is_a_clear_error(app, tmp_path, name, message):
    result = run_import(app, tmp_path / name)

    assert result.exit_code == 2
    assert "Invalid value for 'PATH'" in result.stderr
    assert message in result.stderr


def test_a_file_that_is_not_text_is_refused(app, localities, tmp_path):
    path = tmp_path / "edubasealldata.csv"
    path.write_bytes(b"URN,EstablishmentName\r\n\x81\x8d\x8f\x90\x9d\r\n")

    result = run_import(app, path)

    assert result.exit_code != 0
    assert "neither UTF-8 nor Windows-1252" in result.stderr


# --- long files and the service itself ------------------------------------------------------------


def test_shows_progress_on_long_files(app, localities, tmp_path):
    path = write(tmp_path, [school(800000 + i, f"Testfield School {i}") for i in range(1200)])

    result = run_import(app, path)

    assert result.exit_code == 0, result.output
    assert "Writing schools" in result.stderr
    assert "Writing schools" not in result.stdout
    assert counts(result.stdout)["created"] == 1200


def test_the_service_flushes_and_leaves_the_commit_to_its_caller(app, localities):
    report = import_gias(UTF8_BOM_FILE, skip_bad_rows=False)

    assert report.applied
    assert db.session.scalar(select(func.count(Organisation.id)).where(Organisation.urn.is_not(None))) == 3
    db.session.rollback()
    assert schools() == {}
    assert imports_audited() == []


def test_the_service_reports_a_refusal_without_writing(app, localities, tmp_path):
    report = import_gias(broken_file(tmp_path, {"EstablishmentName": ""}), skip_bad_rows=False)

    assert report.refused
    assert [(b.line, b.reason) for b in report.bad_rows] == [(4, "EstablishmentName is empty")]
    assert (report.created, report.updated) == (3, 0)  # what it would have done
    assert not db.session.new and not db.session.dirty
    assert schools() == {}
