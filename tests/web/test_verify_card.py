"""The verify page reads the three forms a card comes in: the QR text (shc:/ in any letter case, and every
part of a multi-part card in any order), a .smart-health-card file (every credential in it, saying which
failed), and the file the young person saves."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest

from passport.exports import shc
from passport.extensions import db
from passport.models import Passport, User
from passport.services import health_cards
from tests import factories
from tests.conftest import csrf_token
from tests.html_checks import page_text


def record_a_vaccine(world):
    """A signed vaccine card is offered only once a vaccine is recorded (issue #17)."""
    factories.create_item(
        "immunisation",
        passport=world.passport,
        by=world.nurse,
        vaccine_id="mmr",
        given_on=world.passport.date_of_birth + timedelta(days=400),
        where_given="uk_gp",
    )


@pytest.fixture
def card(app, world):
    health_cards.generate_key(world.organisation)
    record_a_vaccine(world)
    db.session.commit()
    with app.test_request_context():
        return health_cards.issue(
            db.session.get(User, world.young_person.id),
            db.session.get(Passport, world.passport.id),
            include_allergies=True,
        )


def check(client, **data) -> str:
    return page_text(
        client.post("/verify-card", data={"csrf_token": csrf_token(client), **data}).get_data(as_text=True)
    )


def tampered(jws: str) -> str:
    header, payload, signature = jws.split(".")
    return f"{header}.{payload[:-2]}{'A' if payload[-2] != 'A' else 'B'}{payload[-1]}.{signature}"


def test_the_prefix_in_any_case(client, card):
    assert "This card is real" in check(client, card="SHC:/" + card.qr_text[5:])
    assert "This card is real" in check(client, card="Shc:/" + card.qr_text[5:])


def test_every_part_of_a_multi_part_card_in_any_order(client, world, card):
    digits = card.qr_text[5:]
    cut = len(digits) // 2 // 2 * 2  # parts split between characters, each two digits
    parts = [f"shc:/1/2/{digits[:cut]}", f"SHC:/2/2/{digits[cut:]}"]
    result = check(client, card="\n".join(reversed(parts)))
    assert "This card is real" in result and f"Name on the card: {world.passport.legal_name}" in result
    assert "could not be checked" in check(client, card=parts[0])  # a part missing


def test_every_credential_in_a_file_and_which_failed(client, card):
    bad = tampered(card.jws)
    file_text = json.dumps({"verifiableCredential": [card.jws, bad, card.jws]})
    result = check(client, card=file_text)
    assert "1 card in this file could not be checked" in result
    assert "Card 2: It has been changed, or it is not a whole card." in result
    assert "Card 1 is real and has not been changed" in result and "Card 3 is real" in result


def test_the_file_the_young_person_saves_checks_out(client, world, card):
    client.sign_in_as(world.young_person)
    saved = client.post(
        "/my-passport/offline-card",
        data={"csrf_token": csrf_token(client), "include_allergies": "y", "as_file": "y"},
    )
    assert saved.mimetype == "application/smart-health-card"
    assert "vaccine-card.smart-health-card" in saved.headers["Content-Disposition"]
    (jws,) = shc.parse_health_card_file(saved.data)
    assert "This card is real" in check(client, card=saved.get_data(as_text=True))
    assert shc.verify_health_card(jws, {health_cards.issuer_url(): health_cards.published_keys()}).valid


def test_the_card_page_offers_the_text_and_the_file(client, world, card):
    client.sign_in_as(world.young_person)
    html = client.post("/my-passport/offline-card", data={"csrf_token": csrf_token(client)}).get_data(
        as_text=True
    )
    text = re.search(r'id="card-text" dir="ltr">(shc:/\d+)<', html).group(1)
    assert shc.qr_numeric_to_jws(text).count(".") == 2
    assert 'name="as_file"' in html and 'data-copy="card-text"' in html
