"""The demo data: the seed paper's eleven schools and four leads, loaded once, never in production."""

from __future__ import annotations

from sqlalchemy import func, select

from portal.accounts.models import User
from portal.common.roles import Role
from portal.directory.models import Locality, Organisation, OrganisationKind, Pod
from portal.extensions import db
from seeds.demo import SCHOOLS


def _count(model: type) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def test_demo_data_loads_the_seed_papers_schools_and_leads_once(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["seed", "demo"])
    assert result.exit_code == 0, result.output
    for email in ("partner@example.org", "amara.okafor@example.org", "manager@example.org", "admin@example.org"):
        assert email in result.output
    schools = db.session.scalars(select(Organisation).where(Organisation.kind == OrganisationKind.SCHOOL)).all()
    assert sorted(s.name for s in schools) == sorted(s.name for s in SCHOOLS)
    localities = db.session.scalars(select(Locality)).all()
    assert len(localities) == 4 and all(loc.lead is not None and loc.manager is not None for loc in localities)
    assert _count(Pod) == 4
    roles = {u.role for u in db.session.scalars(select(User))}
    assert roles == set(Role)
    assert all(u.email.endswith("@example.org") for u in db.session.scalars(select(User)))

    before = {m.__name__: _count(m) for m in (User, Organisation, Locality, Pod)}
    assert runner.invoke(args=["seed", "demo"]).exit_code == 0
    assert {m.__name__: _count(m) for m in (User, Organisation, Locality, Pod)} == before


def test_demo_data_refuses_to_load_in_production(app, database_url, make_app):
    production = make_app("production", SECRET_KEY="s" * 40, SQLALCHEMY_DATABASE_URI=database_url)
    with production.app_context():
        result = production.test_cli_runner().invoke(args=["seed", "demo"])
        assert result.exit_code != 0
        assert "cannot be loaded in production" in result.output
        assert _count(User) == 0
