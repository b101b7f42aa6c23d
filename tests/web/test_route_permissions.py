"""Deny by default: every route declares what it needs, and each role gets exactly the answer it should.

- The AST test reads every view module and fails on a route without one of the access decorators.
- The url_map test proves every endpoint the app serves carries a declared permission.
- The matrix walks each route as each kind of person and checks 200 / 302 / 403 / 404.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from passport.policy import Action
from tests.conftest import World, csrf_token

PACKAGE = Path(__file__).resolve().parents[2] / "passport"
ACCESS_DECORATORS = {"public", "requires", "requires_passport"}
ROUTE_METHODS = {"route", "get", "post", "put", "patch", "delete"}


def _decorator_name(node: ast.expr) -> tuple[str | None, str | None]:
    """(object, attribute) for `@bp.get(...)`, (None, name) for `@requires(...)` or `@public`."""
    target = node.func if isinstance(node, ast.Call) else node
    if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name):
        return target.value.id, target.attr
    if isinstance(target, ast.Name):
        return None, target.id
    return None, None


def _routes_without_permission(package: Path = PACKAGE) -> list[str]:
    missing = []
    for path in sorted(package.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.FunctionDef):
                continue
            names = [_decorator_name(d) for d in node.decorator_list]
            is_route = any(obj is not None and attr in ROUTE_METHODS for obj, attr in names)
            declared = [attr for obj, attr in names if obj is None and attr in ACCESS_DECORATORS]
            if is_route and len(declared) != 1:
                missing.append(f"{path.relative_to(package.parent)}:{node.lineno} {node.name}")
    return missing


def test_every_route_in_the_source_declares_one_permission():
    assert _routes_without_permission() == []


def test_the_ast_check_catches_an_undeclared_route(tmp_path):
    """The check above is only worth having if it can fail."""
    views = tmp_path / "passport" / "careless"
    views.mkdir(parents=True)
    (views / "views.py").write_text(
        "@bp.get('/oops')\ndef oops():\n    return 'anyone can see this'\n", encoding="utf-8"
    )
    assert _routes_without_permission(tmp_path / "passport") == ["passport/careless/views.py:2 oops"]


def test_every_endpoint_the_app_serves_declares_a_permission(app):
    undeclared = [
        endpoint
        for endpoint, view in app.view_functions.items()
        if endpoint != "static" and not hasattr(view, "required_permission")
    ]
    assert undeclared == []


def _example_url(app, rule, world: World) -> str:
    values = {}
    for argument in rule.arguments:
        if argument == "passport_id":
            values[argument] = world.passport.id
        else:  # a new kind of URL argument needs an example here
            raise AssertionError(f"no example value for <{argument}> in {rule.rule}")
    with app.test_request_context():
        from flask import url_for

        return url_for(rule.endpoint, **values)


def test_every_non_public_endpoint_refuses_an_anonymous_visitor(app, client, world):
    app.config["WTF_CSRF_ENABLED"] = False  # reach the permission check, not the CSRF check
    try:
        for rule in app.url_map.iter_rules():
            view = app.view_functions[rule.endpoint]
            if rule.endpoint == "static" or view.required_permission == "public":
                continue
            url = _example_url(app, rule, world)
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                response = client.open(url, method=method)
                assert response.status_code == 302, (method, url, response.status_code)
                assert response.headers["Location"].startswith("/sign-in"), (method, url)
    finally:
        app.config["WTF_CSRF_ENABLED"] = True


PERSONAS = [
    "anonymous",
    "young_person",
    "other_young_person",
    "nurse",
    "other_team_nurse",
    "other_nurse",
    "adviser",
    "admin",
    "other_admin",
]

# Expected status per route (method, path template) and persona. {p} is world.passport (17, claimed,
# assigned to `nurse` and `adviser`, in their team); {u} is world.unclaimed_passport (16).
MATRIX = {
    ("GET", "/"): dict.fromkeys(PERSONAS[1:], 302) | {"anonymous": 200},
    ("GET", "/healthz"): dict.fromkeys(PERSONAS, 200),
    ("GET", "/sign-in"): dict.fromkeys(PERSONAS[1:], 302) | {"anonymous": 200},
    ("GET", "/claim"): dict.fromkeys(PERSONAS[1:], 302) | {"anonymous": 200},
    ("GET", "/my-passport/"): {
        "anonymous": 302,
        "young_person": 200,
        "other_young_person": 200,  # their own passport, not this one
        "nurse": 403,
        "other_team_nurse": 403,
        "other_nurse": 403,
        "adviser": 403,
        "admin": 403,
        "other_admin": 403,
    },
    ("GET", "/staff/caseload"): {
        "anonymous": 302,
        "young_person": 403,
        "other_young_person": 403,
        "nurse": 200,
        "other_team_nurse": 200,
        "other_nurse": 200,
        "adviser": 403,
        "admin": 403,
        "other_admin": 403,
    },
    ("GET", "/staff/passports/new"): {
        "anonymous": 302,
        "young_person": 403,
        "other_young_person": 403,
        "nurse": 200,
        "other_team_nurse": 200,
        "other_nurse": 200,
        "adviser": 403,
        "admin": 403,
        "other_admin": 403,
    },
    ("GET", "/staff/passports/{p}"): {
        "anonymous": 302,
        "young_person": 403,  # their own passport, but this is the nurse's curation screen
        "other_young_person": 404,
        "nurse": 200,
        "other_team_nurse": 404,
        "other_nurse": 404,
        "adviser": 403,
        "admin": 403,
        "other_admin": 404,
    },
    ("POST", "/staff/passports/{u}/invite"): {
        "anonymous": 302,
        "young_person": 404,
        "other_young_person": 404,
        "nurse": 200,
        "other_team_nurse": 404,
        "other_nurse": 404,
        "adviser": 403,
        "admin": 403,
        "other_admin": 404,
    },
    ("GET", "/adviser/"): {
        "anonymous": 302,
        "young_person": 403,
        "other_young_person": 403,
        "nurse": 403,
        "other_team_nurse": 403,
        "other_nurse": 403,
        "adviser": 200,
        "admin": 403,
        "other_admin": 403,
    },
    ("GET", "/adviser/young-people/{p}"): {
        "anonymous": 302,
        "young_person": 403,
        "other_young_person": 404,
        "nurse": 200,
        "other_team_nurse": 404,
        "other_nurse": 404,
        "adviser": 200,
        "admin": 403,
        "other_admin": 404,
    },
    ("GET", "/admin/staff"): {
        "anonymous": 302,
        "young_person": 403,
        "other_young_person": 403,
        "nurse": 403,
        "other_team_nurse": 403,
        "other_nurse": 403,
        "adviser": 403,
        "admin": 200,
        "other_admin": 200,
    },
    ("GET", "/admin/staff/new"): {
        "anonymous": 302,
        "young_person": 403,
        "other_young_person": 403,
        "nurse": 403,
        "other_team_nurse": 403,
        "other_nurse": 403,
        "adviser": 403,
        "admin": 200,
        "other_admin": 200,
    },
    ("GET", "/admin/audit"): {
        "anonymous": 302,
        "young_person": 403,
        "other_young_person": 403,
        "nurse": 403,
        "other_team_nurse": 403,
        "other_nurse": 403,
        "adviser": 403,
        "admin": 200,
        "other_admin": 200,
    },
}

CASES = [(method, path, persona) for (method, path), row in MATRIX.items() for persona in row]


def test_the_matrix_covers_every_route(app):
    """A new route must get a row in MATRIX, so nobody forgets to say who may use it."""
    served = {
        (method, rule.rule.replace("<uuid:passport_id>", "{p}"))
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static"
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    covered = {(m, p.replace("{u}", "{p}")) for m, p in MATRIX}
    not_covered = (
        served
        - covered
        - {("POST", "/sign-in"), ("POST", "/claim")}
        - {
            # State-changing routes with their own tests (test_auth.py): the matrix proves their GETs.
            ("POST", "/sign-out"),
            ("POST", "/language"),
            ("GET", "/set-up"),
            ("POST", "/set-up"),
            ("POST", "/staff/passports/new"),
            ("POST", "/admin/staff/new"),
        }
    )
    assert not_covered == set()


@pytest.mark.parametrize(("method", "path", "persona"), CASES)
def test_route_matrix(client, world, method, path, persona):
    if persona != "anonymous":
        client.sign_in_as(getattr(world, persona))
    url = path.format(p=world.passport.id, u=world.unclaimed_passport.id)
    data = {"csrf_token": csrf_token(client)} if method == "POST" else {}
    response = client.open(url, method=method, data=data)
    assert response.status_code == MATRIX[(method, path)][persona], response.headers.get("Location")


def test_route_permissions_name_real_actions(app):
    actions = {a.value for a in Action}
    for endpoint, view in app.view_functions.items():
        if endpoint == "static" or view.required_permission == "public":
            continue
        kind, _, action = view.required_permission.partition(":")
        assert kind in {"role", "passport"} and action in actions, endpoint
