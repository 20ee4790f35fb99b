"""Import schools from the DfE's Get Information About Schools (GIAS) establishment CSV.

The file is read as the Department publishes it: about 130 columns, of which we use a few, in UTF-8
(with or without a byte-order mark) or Windows-1252. Open schools whose district the admin has
mapped to a locality are created or updated by URN; everything else is skipped with a reason.

A broken row refuses the whole file unless the caller asks to skip bad rows: the file is checked in
full before anything is written, so a refused import leaves the database as it was. Rows that would be
skipped anyway (closed schools, other councils' districts) are checked only for their shape and URN,
so a slip in another council's school does not block ours.
"""

from __future__ import annotations

import codecs
import csv
import functools
import io
import os
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import String, insert, select

from portal.common import audit
from portal.directory.models import DistrictMapping, Organisation, OrganisationKind
from portal.extensions import db

URN = "URN"
NAME = "EstablishmentName"
STATUS = "EstablishmentStatus (name)"
DISTRICT = "DistrictAdministrative (name)"
REQUIRED_COLUMNS = (URN, NAME, STATUS, DISTRICT)

# Organisation attribute ← GIAS column. A column the file lacks leaves that attribute alone.
COLUMNS = {
    "name": NAME,
    "establishment_type": "TypeOfEstablishment (name)",
    "phase": "PhaseOfEducation (name)",
    "postcode": "Postcode",
    "town": "Town",
    "district": DISTRICT,
}

CLOSED = "Closed"
OPEN_STATUSES = frozenset({"Open", "Open, but proposed to close"})

_URN_PATTERN = re.compile(r"[0-9]{1,9}")  # GIAS URNs have 6 digits; 9 keeps any URN inside a 32-bit integer
_POSTCODE_PATTERN = re.compile(r"[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}")
_FLUSH_EVERY = 1000

Progress = Callable[[int, int], None]
"""Called with (schools written so far, schools to write) while an import writes."""


class GiasFileError(Exception):
    """The file as a whole cannot be imported; the message is fit to show the user."""


class RowError(ValueError):
    """One row cannot be imported; the message is the reason."""


@dataclass(frozen=True)
class BadRow:
    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


@dataclass(frozen=True)
class GiasRow:
    """One establishment as read: its URN and status checked, its other values as the file has them."""

    line: int
    urn: int
    status: str
    values: dict[str, str]  # Organisation attribute → text, for the columns the file has

    @property
    def district(self) -> str:
        return self.values["district"]


@dataclass(frozen=True)
class GiasFile:
    encoding: str
    columns: tuple[str, ...]
    rows: list[GiasRow]
    bad_rows: list[BadRow]

    @property
    def row_count(self) -> int:
        return len(self.rows) + len(self.bad_rows)


@dataclass
class ImportReport:
    """What an import did, or would have done had it not been refused."""

    encoding: str
    rows: int
    file_name: str | None = None
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    bad_rows: list[BadRow] = field(default_factory=list)
    applied: bool = False

    @property
    def refused(self) -> bool:
        return not self.applied

    @property
    def skipped_total(self) -> int:
        return sum(self.skipped.values())


# --- reading the file -----------------------------------------------------------------------------


def decode(data: bytes) -> tuple[str, str]:
    """The text of the file and the name of its encoding: UTF-8 (a byte-order mark is dropped), else
    Windows-1252, the two the Department's downloads and Excel's "CSV" produce."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise GiasFileError("The file is UTF-16 text. Save it as “CSV UTF-8” and try again.")
    try:
        return data.decode("utf-8-sig"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "Windows-1252"
    except UnicodeDecodeError as error:
        raise GiasFileError(
            f"The file is neither UTF-8 nor Windows-1252 text (byte 0x{data[error.start]:02X} at position "
            f"{error.start} is not a character in either)."
        ) from error


def normalise_postcode(text: str) -> str:
    """`le1 6zg` → `LE1 6ZG`; an empty postcode stays empty; anything not shaped like a UK postcode is
    refused with ValueError."""
    compact = "".join(text.split()).upper()
    if not compact:
        return ""
    if not _POSTCODE_PATTERN.fullmatch(compact):
        raise ValueError(f"postcode “{text.strip()}” is not a valid UK postcode")
    return f"{compact[:-3]} {compact[-3:]}"


def _read_bytes(source: BinaryIO | bytes | str | os.PathLike[str]) -> tuple[bytes, str | None]:
    if isinstance(source, bytes):
        return source, None
    if isinstance(source, str | os.PathLike):
        path = Path(source)
        try:
            return path.read_bytes(), path.name
        except OSError as error:
            raise GiasFileError(f"Cannot read {path}: {error.strerror or error}") from error
    name = getattr(source, "name", None)
    try:
        data = source.read()
    except OSError as error:
        raise GiasFileError(f"Cannot read the file: {error.strerror or error}") from error
    return data, Path(name).name if isinstance(name, str) else None


def read_gias(source: BinaryIO | bytes | str | os.PathLike[str]) -> GiasFile:
    """Decode and parse a GIAS CSV, checking each row's shape, URN and uniqueness.

    Raises GiasFileError when the file cannot be read at all or lacks a required column.
    """
    data, _name = _read_bytes(source)
    text, encoding = decode(data)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
    except csv.Error as error:
        raise GiasFileError(f"Line 1 is not valid CSV: {error}") from error
    if not header or not any(h.strip() for h in header):
        raise GiasFileError("The file is empty: it has no header row.")
    columns = tuple(h.strip() for h in header)
    index: dict[str, int] = {}
    for i, name in enumerate(columns):
        index.setdefault(name, i)
    missing = [c for c in REQUIRED_COLUMNS if c not in index]
    if missing:
        raise GiasFileError(
            f"The file is missing the column{'s' if len(missing) > 1 else ''} {', '.join(missing)}. "
            "Use the establishment fields CSV downloaded from Get Information About Schools."
        )
    present = {attr: index[column] for attr, column in COLUMNS.items() if column in index}

    rows: list[GiasRow] = []
    bad_rows: list[BadRow] = []
    first_seen: dict[int, int] = {}
    last_line = reader.line_num
    while True:
        line = last_line + 1  # a quoted field may span lines: a row starts after the previous one ends
        try:
            fields = next(reader, None)
        except csv.Error as error:
            raise GiasFileError(f"Line {line} is not valid CSV ({error}). Is a quotation mark left open?") from error
        last_line = reader.line_num
        if fields is None:
            break
        if not fields or (len(fields) == 1 and not fields[0].strip()):
            continue  # blank lines, such as the one a text editor leaves at the end
        if len(fields) != len(columns):
            bad_rows.append(BadRow(line, f"has {len(fields)} fields where the header has {len(columns)}"))
            continue
        urn_text = fields[index[URN]].strip()
        if not urn_text:
            bad_rows.append(BadRow(line, "URN is missing"))
            continue
        if not _URN_PATTERN.fullmatch(urn_text) or int(urn_text) == 0:
            bad_rows.append(BadRow(line, f"URN “{urn_text}” is not a whole number of up to 9 digits"))
            continue
        urn = int(urn_text)
        if urn in first_seen:
            bad_rows.append(BadRow(line, f"URN {urn} is also on line {first_seen[urn]}"))
            continue
        first_seen[urn] = line
        values = {attr: fields[i].strip() for attr, i in present.items()}
        rows.append(GiasRow(line=line, urn=urn, status=fields[index[STATUS]].strip(), values=values))
    return GiasFile(encoding=encoding, columns=columns, rows=rows, bad_rows=bad_rows)


def skip_reason(row: GiasRow, localities: dict[str, int]) -> str | None:
    """Why the row is not imported (closed, not open, its district unmapped), or None to import it.

    `localities` maps a district name, trimmed and case-folded, to its locality's id.
    """
    if row.status == CLOSED:
        return "establishment is closed"
    if row.status not in OPEN_STATUSES:
        return f"status is “{row.status}”" if row.status else "status is missing"
    if not row.district:
        return "district is missing"
    if row.district.casefold() not in localities:
        return f"district {row.district} is not mapped to a locality"
    return None


@functools.cache
def _column_lengths() -> dict[str, int]:
    return {
        attr: column.type.length
        for attr in COLUMNS
        if isinstance((column := Organisation.__table__.c[attr]).type, String) and column.type.length
    }


def school_values(row: GiasRow) -> dict[str, str]:
    """The Organisation values for a row to import, normalised; raises RowError for a broken one."""
    values = dict(row.values)
    if not values["name"]:
        raise RowError(f"{NAME} is empty")
    if "postcode" in values:
        try:
            values["postcode"] = normalise_postcode(values["postcode"])
        except ValueError as error:
            raise RowError(str(error)) from error
    for attr, length in _column_lengths().items():
        if len(values.get(attr, "")) > length:
            raise RowError(f"{COLUMNS[attr]} is longer than {length} characters")
    return values


# --- importing ------------------------------------------------------------------------------------


def _district_localities() -> dict[str, int]:
    return {
        district.strip().casefold(): locality_id
        for district, locality_id in db.session.execute(select(DistrictMapping.district, DistrictMapping.locality_id))
    }


def _schools_by_urn() -> dict[int, Organisation]:
    return {
        org.urn: org
        for org in db.session.scalars(select(Organisation).where(Organisation.urn.is_not(None)))
        if org.urn is not None
    }


def import_gias(
    source: GiasFile | BinaryIO | bytes | str | os.PathLike[str],
    *,
    skip_bad_rows: bool,
    progress: Progress | None = None,
) -> ImportReport:
    """Create or update the schools in a GIAS CSV by URN, in the districts mapped to localities.

    Every row is checked before anything is written. If any is broken and `skip_bad_rows` is false,
    nothing is written and the report comes back with `refused` set; otherwise the good rows are
    written (flushed, not committed) with an audit row of the counts. Unchanged schools are not
    touched, so their `updated_at` stays as it was. A new school is of kind school; an existing one
    keeps the kind it has.
    """
    if isinstance(source, GiasFile):
        gias, file_name = source, None
    else:
        data, file_name = _read_bytes(source)
        gias = read_gias(data)
    report = ImportReport(encoding=gias.encoding, rows=gias.row_count, file_name=file_name)
    bad_rows = list(gias.bad_rows)
    localities = _district_localities()
    existing = _schools_by_urn()

    # First the plan, without writing anything: (the school or None to create it, the values to set).
    plan: list[tuple[Organisation | None, dict[str, object]]] = []
    for row in gias.rows:
        reason = skip_reason(row, localities)
        if reason is not None:
            report.skipped[reason] += 1
            continue
        try:
            values: dict[str, object] = {**school_values(row), "locality_id": localities[row.district.casefold()]}
        except RowError as error:
            bad_rows.append(BadRow(row.line, str(error)))
            continue
        org = existing.get(row.urn)
        if org is None:
            plan.append((None, {"urn": row.urn, "kind": OrganisationKind.SCHOOL, **values}))
            report.created += 1
            continue
        changes = {attr: value for attr, value in values.items() if getattr(org, attr) != value}
        if "locality_id" in changes and org.lead_id is not None:
            # A school that moves to another locality leaves its lead behind (its requests go to the new
            # locality's duty lead until one of its leads is given the school); every other school keeps its lead.
            changes["lead_id"] = None
        if changes:
            plan.append((org, changes))
            report.updated += 1
        else:
            report.unchanged += 1
    report.bad_rows = sorted(bad_rows, key=lambda b: b.line)
    if report.bad_rows and not skip_bad_rows:
        return report

    # New schools go in as ORM bulk inserts, several times faster than one object each; changed
    # ones through their objects, so that `updated_at` moves only on those.
    for start in range(0, len(plan), _FLUSH_EVERY):
        chunk = plan[start : start + _FLUSH_EVERY]
        new = [changes for org, changes in chunk if org is None]
        if new:
            db.session.execute(insert(Organisation), new)
        for org, changes in chunk:
            if org is not None:
                for attr, value in changes.items():
                    setattr(org, attr, value)
        db.session.flush()
        if progress is not None:
            progress(start + len(chunk), len(plan))
    report.applied = True
    audit.record(
        "organisation.gias_imported",
        file=file_name,
        encoding=report.encoding,
        rows=report.rows,
        created=report.created,
        updated=report.updated,
        unchanged=report.unchanged,
        skipped=report.skipped_total,
        skipped_reasons=dict(report.skipped),
        bad_rows_skipped=len(report.bad_rows),
    )
    db.session.flush()
    return report
