"""Numbers and ids on every form: 400 digits, -1, 1e309 and nothing, posted to every number box, every hidden
version and every list of ids of every form the app serves, as someone allowed to use it (SECURITY.md 15).

A number box is any text box with inputmode="numeric" (whole numbers, the parts of a date, NHS numbers,
security codes) or type="number"; an id field is a select, radio group or list of checkboxes whose options
are UUIDs. Everything else in the form is sent as its page filled it in.

For every submission: never a 5xx; a refusal changes nothing in the database. For 400 digits, -1 and 1e309
in a box a person types into: 400, with the message beside that very field (its `<id>-error`). An empty
value may be a fine answer (an optional box, "No team"), but never a 5xx, and a refusal saves nothing.
A hidden version that is not a number is a version nobody saw: refused (409) or, on a form that adds a row,
ignored.

Found by an outside probe: 309 digits in the dose number, SDQ total, gestation weeks or birth weight gave
500 (WTForms' NumberRange turns the number into a float); an empty `nurses` value on the care-team form gave
500 (a badly formed UUID). One whole-number field (forms.WholeNumberField) and choice fields that refuse a
value from outside their list now serve every form.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from werkzeug.datastructures import MultiDict

from passport.extensions import limiter
from passport.models import Role
from tests import factories
from tests.web.test_fuzz_forms import (
    KNOWN_VALUES,
    RECORDED_REFUSALS,
    TARGETS,
    Target,
    _find_form,
    _prepare,
    _sign_in,
    _url,
    audit_types,
    database_rows,
    forms_on,
    persona_for,
)
from tests.web.test_route_permissions import _example_url

BAD_NUMBERS = ("9" * 400, "-1", "1e309")
UUID = re.compile(r"\A[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\Z")
DATE_PART = re.compile(r"-(day|month|year)\Z")


def probed_fields(form) -> list[tuple[str, str]]:
    """(name, what it is) for every number box, hidden version and list of ids in the form."""
    probed = []
    for name, form_field in form.fields.items():
        if form_field.numeric:
            probed.append((name, "number"))
        elif form_field.kind == "hidden" and name.rsplit("-", 1)[-1] == "version":
            probed.append((name, "version"))
        elif any(UUID.match(option or "") for option in form_field.options):
            probed.append((name, "id"))
    return probed


def error_id(name: str) -> str:
    """The id of the message beside a field: a date's three boxes share one."""
    return DATE_PART.sub("", name) + "-error"


def _values(form, name: str, value: str) -> list[tuple[str, str]]:
    data = []
    for field_name, form_field in form.fields.items():
        if field_name == name:
            data.append((field_name, value))
        elif form_field.kind == "checkbox" and form_field.value == "" and form_field.options:
            continue  # an unticked box sends nothing
        elif form_field.kind == "checkbox":
            data.append((field_name, form_field.value))
        else:
            data.append((field_name, KNOWN_VALUES.get(field_name, form_field.value)))
    return data


def _fresh_form(client, page_url: str, action: str):
    page = client.get(page_url, follow_redirects=True)
    return next((f for f in forms_on(page.get_data(as_text=True), page_url) if f.action == action), None)


@pytest.mark.parametrize("target", TARGETS, ids=[t.id for t in TARGETS])
def test_numbers_and_ids_on_every_form(app, world, target: Target):
    view = app.view_functions[target.endpoint]
    persona = persona_for(view.required_permission)
    if target.endpoint == "auth.set_up_authenticator_app":
        persona = "newcomer"
    newcomer = factories.create_user(
        role=Role.NURSE, organisation=world.organisation, team=world.team, totp_secret=None
    )
    _prepare(target, world)
    url = _url(app, target, world)
    get_urls = [
        _example_url(app, rule, world)
        for rule in app.url_map.iter_rules()
        if "GET" in rule.methods and not rule.arguments - {"passport_id"} and rule.endpoint != "static"
    ]
    finder = app.test_client()
    _sign_in(finder, persona, view.required_permission, world, newcomer)
    page_url, form = _find_form(finder, url, get_urls)
    if form is None or not probed_fields(form):
        pytest.skip("no number, version or id field on this form")

    action = urlsplit(url).path
    for name, what in probed_fields(form):
        for value in (*BAD_NUMBERS, ""):
            limiter.reset()
            client = app.test_client()
            _sign_in(client, persona, view.required_permission, world, newcomer)
            fresh = _fresh_form(client, page_url, action)
            assert fresh is not None, (page_url, "the form went away")
            rows_before, audit_before = database_rows(), audit_types()

            response = client.post(url, data=MultiDict(_values(fresh, name, value)))

            where = (target.id, name, value[:12])
            assert response.status_code < 500, where
            html = response.get_data(as_text=True)
            refused = response.status_code >= 400
            if refused:
                assert database_rows() == rows_before, (*where, "a refused form saved something")
                assert set(audit_types()[len(audit_before) :]) <= RECORDED_REFUSALS, where
            if what == "version":
                assert response.status_code in (302, 303, 400, 409), where
                continue
            if value:
                assert response.status_code == 400, (*where, response.status_code)
                assert f'id="{error_id(name)}"' in html, (*where, "no message beside the field")
            elif refused:
                assert response.status_code == 400, where


def test_the_probe_reaches_the_fields_it_was_written_for(app, world):
    """The fields the outside probe broke are among those probed, so the test above cannot pass by finding
    nothing."""
    client = app.test_client()
    client.sign_in_as(world.nurse)
    pages = {
        f"/staff/passports/{world.passport.id}/add/immunisation": "dose_number",
        f"/staff/passports/{world.passport.id}/sdq": "total",
        f"/staff/passports/{world.passport.id}/birth-history": "gestation_weeks",
    }
    for page_url, name in pages.items():
        html = client.get(page_url).get_data(as_text=True)
        (form,) = [f for f in forms_on(html, page_url) if f.action == page_url]
        assert (name, "number") in probed_fields(form), page_url
    admin = app.test_client()
    admin.sign_in_as(world.admin)
    page_url = f"/admin/young-people/{world.passport.id}/care-team"
    (form,) = [
        f for f in forms_on(admin.get(page_url).get_data(as_text=True), page_url) if f.action == page_url
    ]
    assert ("nurses", "id") in probed_fields(form)
