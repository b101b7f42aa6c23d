"""Plain rows for the staff lists (passport/projection.py `build_rows`): the select statements a list sends
for its passports' records, made once with the page's passport ids as one parameter, and read through
SQLAlchemy Core, with no ORM objects. A page holds over a thousand such records, and turning each into an ORM
object was most of its time (bench/RESULTS.md, changes 5, 11 and 13).

On PostgreSQL a list's statements go to the server together, in one round trip (psycopg's pipeline mode):
the server runs each while the client reads the one before, instead of a dozen waits one after another
(bench/RESULTS.md, change 14). SQLite has no server to wait for, so there each statement runs when it is
asked for. Either way the statements, their column types and the rows are SQLAlchemy's; only the sending is
psycopg's.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from sqlalchemy import any_, bindparam, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import BinaryExpression, BindParameter
from sqlalchemy.sql.visitors import replacement_traverse

from passport.extensions import db

# The statements are made once, with the passport ids as an expanding parameter: building a select with 25
# ids in it and finding its cache key took a third of each query's time (bench/RESULTS.md, change 12).
PASSPORT_IDS = bindparam("passport_ids", expanding=True)


@functools.cache
def for_passports(*columns, live: bool = True):
    """select(*columns) for the passports in PASSPORT_IDS (the first column is the passport id); archived rows
    left out unless `live` is False."""
    statement = select(*columns).where(columns[0].in_(PASSPORT_IDS))
    return statement.where(columns[0].class_.archived_at.is_(None)) if live else statement


def rows(statement, ids: list[uuid.UUID]) -> list:
    """The rows of a select of plain columns for these passports (a statement with PASSPORT_IDS in it and the
    passport id first), in the session's transaction: the ORM's result machinery adds about a millisecond a
    query and nothing a plain row needs. Within `sent_together`, from the rows it fetched."""
    fetched = _fetched.get()
    if fetched is not None and statement in fetched.rows and fetched.ids.issuperset(ids):
        wanted = set(ids)
        return [row for row in fetched.rows[statement] if row[0] in wanted]
    return db.session.connection().execute(statement, {"passport_ids": ids}).all()


@dataclass(frozen=True)
class _Fetched:
    ids: frozenset
    rows: dict  # statement -> its rows


_fetched: ContextVar[_Fetched | None] = ContextVar("plain_rows_fetched_together", default=None)


@contextmanager
def sent_together(statements, ids: list[uuid.UUID]) -> Iterator[None]:
    """Within the block, `rows` answers these statements, for these passports or some of them, from rows
    fetched in one round trip (on PostgreSQL through psycopg; elsewhere each runs when asked for)."""
    connection = db.session.connection()
    if (connection.dialect.name, connection.dialect.driver) != ("postgresql", "psycopg") or not ids:
        yield
        return
    token = _fetched.set(_Fetched(frozenset(ids), fetch_together(connection, statements, ids)))
    try:
        yield
    finally:
        _fetched.reset(token)


def fetch_together(connection, statements, ids: list[uuid.UUID]) -> dict:
    """Each statement's rows for these passports, sent in one pipeline on the session's own connection and
    transaction. A database error comes out as SQLAlchemy's, as from any other query (so an unreachable
    database gives the branded 503 page, and a dropped connection is not handed out again)."""
    dialect = connection.dialect
    driver = connection.connection.driver_connection
    compiled = [_Compiled.of(statement, dialect) for statement in statements]
    cursors = []
    try:
        with driver.pipeline():
            for statement in compiled:
                cursor = driver.cursor()
                cursors.append(cursor)
                cursor.execute(statement.sql, statement.parameters_for(ids))
        return {
            statement: compiled_statement.rows(cursor.fetchall(), cursor.description, dialect)
            for statement, compiled_statement, cursor in zip(statements, compiled, cursors, strict=True)
        }
    except dialect.loaded_dbapi.Error as error:
        if dialect.is_disconnect(error, driver, None):
            connection.invalidate(error)
        raise DBAPIError.instance(
            "(statements sent together)", None, error, dialect.loaded_dbapi.Error, hide_parameters=True
        ) from error
    finally:
        for cursor in cursors:
            cursor.close()


@dataclass(frozen=True)
class _Compiled:
    """A list's statement as PostgreSQL's SQL, made once: the ids as one array parameter (`= ANY(...)`)
    instead of an expanding IN; its other parameters as SQLAlchemy would send them; and what SQLAlchemy does
    to each column's values on the way out (`rows`)."""

    sql: str
    parameters: dict
    ids_processor: object
    column_types: tuple

    @staticmethod
    @functools.cache
    def of(statement, dialect) -> _Compiled:
        compiled = replacement_traverse(statement, {}, _ids_as_one_array).compile(dialect=dialect)
        if "passport_ids" not in compiled.binds or any(b.expanding for b in compiled.binds.values()):
            raise ValueError("a list's statement selects by PASSPORT_IDS, and by nothing else expanding")
        bind_processors = {
            name: bind.type.dialect_impl(dialect).bind_processor(dialect)
            for name, bind in compiled.binds.items()
        }
        parameters = {
            name: value if bind_processors.get(name) is None else bind_processors[name](value)
            for name, value in compiled.construct_params({"passport_ids": []}).items()
            if name != "passport_ids"
        }
        column_types = tuple(column.type.dialect_impl(dialect) for column in statement.selected_columns)
        return _Compiled(compiled.string, parameters, bind_processors["passport_ids"], column_types)

    def parameters_for(self, ids: list[uuid.UUID]) -> dict:
        return {
            **self.parameters,
            "passport_ids": ids if self.ids_processor is None else self.ids_processor(ids),
        }

    def rows(self, found: list, description, dialect) -> list:
        """The rows as SQLAlchemy would give them: each column's result processor, for the type the database
        says it sent (for today's columns only UTCDateTime has one)."""
        processors = [
            column_type.result_processor(dialect, column.type_code)
            for column_type, column in zip(self.column_types, description, strict=True)
        ]
        if not any(processors):
            return found
        return [
            tuple(v if p is None else p(v) for p, v in zip(processors, row, strict=True)) for row in found
        ]


def _ids_as_one_array(element):
    if (
        isinstance(element, BinaryExpression)
        and element.operator is operators.in_op
        and isinstance(element.right, BindParameter)
        and element.right.key == "passport_ids"
    ):
        return element.left == any_(bindparam("passport_ids", type_=postgresql.ARRAY(element.left.type)))
    return None
