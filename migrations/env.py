"""Alembic environment for Flask-Migrate: the metadata of every domain's models."""

from __future__ import annotations

import logging
import warnings
from logging.config import fileConfig

from alembic import context
from flask import current_app

import portal.models  # noqa: F401  (imports every model so that autogenerate and check see them)
from portal.models_base import Base, UTCDateTime

config = context.config
if config.config_file_name:
    fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")

target_metadata = Base.metadata


def render_item(type_: str, obj: object, autogen_context: object) -> str | bool:
    # Migrations use plain timestamp columns; UTCDateTime only converts values in Python.
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def compare_type(
    context_: object, inspected: object, metadata_column: object, inspected_type: object, metadata_type: object
) -> bool | None:
    if isinstance(metadata_type, UTCDateTime):
        return False
    return None


# Indexes on an expression (lower(case_reference)): SQLite's reflection cannot read them back, so on SQLite
# autogenerate and `flask db check` leave them out (PostgreSQL compares them); their migration creates them on both.
EXPRESSION_INDEXES = {"ix_consultation_request_case_reference_lower"}


def include_object(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    sqlite = get_engine().dialect.name == "sqlite"
    return not (sqlite and type_ == "index" and name in EXPRESSION_INDEXES)


def get_engine():  # type: ignore[no-untyped-def]
    return current_app.extensions["migrate"].db.engine


def run_migrations_offline() -> None:
    context.configure(
        url=str(get_engine().url),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
        render_item=render_item,
        compare_type=compare_type,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    def process_revision_directives(context_, revision, directives):  # type: ignore[no-untyped-def]
        if getattr(config.cmd_opts, "autogenerate", False):
            script = directives[0]
            if script.upgrade_ops.is_empty():
                directives[:] = []
                logger.info("No changes in schema detected.")

    conf_args = current_app.extensions["migrate"].configure_args
    conf_args.setdefault("process_revision_directives", process_revision_directives)
    conf_args["compare_type"] = compare_type
    conf_args["include_object"] = include_object
    warnings.filterwarnings("ignore", message="Skipped unsupported reflection of expression-based index")
    warnings.filterwarnings("ignore", message="autogenerate skipping metadata-specified expression-based index")
    with get_engine().connect() as connection:
        # SQLite: batch mode rebuilds a table (copy, drop, rename) to change its constraints, and dropping it with
        # foreign keys on deletes the rows that cascade from it (a meeting's invitations and actions, 0016). The
        # pragma works only outside a transaction, so it is set before the migrations' one and restored after.
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        context.configure(connection=connection, target_metadata=target_metadata, render_item=render_item, **conf_args)
        with context.begin_transaction():
            context.run_migrations()
        if sqlite:
            connection.commit()
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")
            connection.commit()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
