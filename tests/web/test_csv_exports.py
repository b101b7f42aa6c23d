"""CSV exports cannot carry a live formula, and every group is labelled (SECURITY.md 32).

Found by an outside probe: team names starting `=`, `+`, `@` or `-` were written into /admin/reports.csv as
they were, so a spreadsheet ran them; and young people without a team were labelled "All", so the file had
two "All" rows.
"""

from __future__ import annotations

import ast
import csv
import io
from pathlib import Path

from passport.exports.csv_file import csv_bytes, neutralise
from tests import factories

ROOT = Path(__file__).resolve().parents[2]
HOSTILE_TEAMS = (
    '=HYPERLINK("https://evil.example","Click")',
    "+SUM(1,2)",
    "@SUM(A1:A2)",
    "-2+3",
    "\tTabbed",
    "\rReturned",
)


def rows_of(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def test_team_names_that_look_like_formulas_are_written_as_text(client, world):
    for name in HOSTILE_TEAMS:
        team = factories.create_team(organisation=world.organisation, name=name)
        factories.create_passport(organisation=world.organisation, team=team, legal_name=f"In {name}", age=17)
    client.sign_in_as(world.admin)
    rows = rows_of(client.get("/admin/reports.csv"))
    cells = [cell for row in rows for cell in row]
    assert not [cell for cell in cells if cell.startswith(("=", "+", "-", "@", "\t", "\r"))]
    groups = [row[1] for row in rows[1:]]
    for name in HOSTILE_TEAMS:
        assert "'" + name in groups


def test_young_people_without_a_team_have_their_own_labelled_row(client, world):
    factories.create_passport(organisation=world.organisation, team=None, legal_name="No Team Yet", age=16)
    client.sign_in_as(world.admin)
    rows = rows_of(client.get("/admin/reports.csv"))
    assert rows[0][:3] == ["breakdown", "group", "size"]
    labels = [(row[0], row[1]) for row in rows[1:]]
    assert len(labels) == len(set(labels)), labels  # no two rows with the same label
    assert ("everyone", "Everyone") in labels
    assert ("team", "No team") in labels
    assert ("team", "North") in labels and ("age band", "16 and 17") in labels
    assert "All" not in [group for _breakdown, group in labels]


def test_neutralise_prefixes_exactly_the_formula_starts():
    for start in ("=", "+", "-", "@", "\t", "\r"):
        assert neutralise(start + "1") == "'" + start + "1"
    assert neutralise("North") == "North" and neutralise("'quoted") == "'quoted"
    assert neutralise(-3) == -3 and neutralise(2.5) == 2.5  # numbers stay numbers
    assert csv_bytes(["a"], [["=1"]]).decode() == "a\r\n'=1\r\n"


def test_no_module_but_the_csv_exporter_writes_csv():
    """Every CSV the app writes goes through passport/exports/csv_file.py, so none can skip neutralising."""
    writers = []
    for path in (ROOT / "passport").rglob("*.py"):
        if path.name == "csv_file.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if (
                isinstance(node, ast.Attribute)
                and node.attr in {"writer", "DictWriter"}
                and isinstance(node.value, ast.Name)
                and node.value.id == "csv"
            ):
                writers.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not writers, f"write CSV with passport.exports.csv_file.csv_bytes: {writers}"


def test_the_check_would_catch_a_writer():
    tree = ast.parse("import csv\nw = csv.writer(out)\n")
    assert any(isinstance(n, ast.Attribute) and n.attr == "writer" for n in ast.walk(tree))
