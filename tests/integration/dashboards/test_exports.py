"""Downloads of the quarterly report: each one is audited (who, which figures, which format) without the
GET committing anything; and the PDF renderer reads the app's own static files and nothing else."""

from __future__ import annotations

import io
from pathlib import Path

from pypdf import PdfReader
from sqlalchemy import select

from portal.common.models import AuditEvent
from portal.common.roles import Role
from portal.dashboards.pdf import render_pdf
from portal.extensions import db

QUARTER = "2025-Q3"


def exports() -> list[AuditEvent]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "dashboards.report_exported").order_by(AuditEvent.id)
        )
    )


def test_each_download_of_the_report_is_audited_and_the_page_is_not_an_export(client_for, world):
    manager = client_for(Role.MANAGER)
    args = f"period={QUARTER}&locality={world.locality.id}"
    assert manager.get(f"/dashboards/report?{args}").status_code == 200
    assert exports() == []
    assert manager.get(f"/dashboards/report.csv?{args}").status_code == 200
    assert manager.get(f"/dashboards/report.pdf?{args}").status_code == 200

    assert [(e.actor_id, e.object_type, e.detail) for e in exports()] == [
        (
            world.manager.id,
            None,
            {"format": file_format, "period": QUARTER, "locality_id": world.locality.id, "pod_id": None}
            | {"practitioner_id": None},
        )
        for file_format in ("csv", "pdf")
    ]
    # A download refused (a locality outside the manager's area) is not an export.
    other = client_for(world.other_manager)
    assert other.get(f"/dashboards/report.csv?{args}").status_code == 404
    assert len(exports()) == 2


def test_the_pdf_reads_the_apps_static_files_and_nothing_outside_them(app, tmp_path: Path, monkeypatch):
    static = tmp_path / "static"
    static.mkdir()
    (static / "print.css").write_text('h1::after { content: " and its static stylesheet"; }')
    (tmp_path / "outside.css").write_text('h1::before { content: "Leaked "; }')
    monkeypatch.setattr(app, "static_folder", str(static))
    html = (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Report</title>'
        '<link rel="stylesheet" href="/static/print.css">'
        '<link rel="stylesheet" href="/static/../outside.css">'
        f'<link rel="stylesheet" href="{(tmp_path / "outside.css").as_uri()}">'
        "</head><body><h1>The report</h1></body></html>"
    )
    with app.test_request_context():
        pdf = render_pdf(html)
    text = " ".join(PdfReader(io.BytesIO(pdf)).pages[0].extract_text().split())
    assert "The report and its static stylesheet" in text
    assert "Leaked" not in text
