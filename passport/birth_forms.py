"""Forms for birth history: the nurse's record and consents, and the young person's choices."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, SelectMultipleField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from passport import labels
from passport.forms import DatePartsField, SeenVersion, TrimmedStringField, WholeNumberField
from passport.item_forms import LabelChoiceField, VersionedForm


def _choices(mapping):
    return [SelectChoice(str(value), label) for value, label in mapping.items()]


def _text(label, description=None):
    return TextAreaField(label, description=description, validators=[Optional(), Length(max=4000)])


class BirthHistoryForm(VersionedForm):
    place_of_birth = TrimmedStringField(_l("Place of birth"), validators=[Optional(), Length(max=200)])
    birth_weight_grams = WholeNumberField(
        _l("Birth weight in grams (optional)"),
        description=_l("For example, 3200"),
        minimum=300,
        maximum=6500,
        message=_l("Enter a birth weight between 300 and 6500 grams"),
    )
    gestation_weeks = WholeNumberField(
        _l("Weeks of pregnancy at birth (optional)"),
        description=_l("For example, 39"),
        minimum=20,
        maximum=45,
        message=_l("Enter a number of weeks between 20 and 45"),
    )
    delivery = LabelChoiceField(
        _l("How they were born"),
        choices=[SelectChoice("", _l("Not recorded")), *_choices(labels.DELIVERY)],
        default="",
        validators=[Optional()],
    )
    condition_at_birth = _text(_l("Condition at birth"))
    neonatal_care = _text(_l("Care as a newborn baby"), _l("For example, time in a special care baby unit"))
    feeding = _text(_l("Feeding"))
    health_in_pregnancy = _text(_l("Birth mother's health in pregnancy"))
    substance_exposure = _text(
        _l("Exposure to alcohol or drugs in pregnancy"),
        _l("Sensitive. Write it so the young person can read it, with their nurse there if they want."),
    )
    early_development = _text(_l("Early development"))
    family_health_history = _text(
        _l("Family health history"), _l("Only what the birth parent agreed to share.")
    )
    notes = _text(_l("Other notes"))


class ConsentForm(FlaskForm):
    given_by = RadioField(
        _l("Who gave consent?"),
        choices=_choices(labels.CONSENT_GIVER),
        validators=[DataRequired(_l("Choose who gave consent"))],
    )
    given_by_name = TrimmedStringField(
        _l("Their name (optional)"),
        description=_l("Leave empty if the form does not record it."),
        validators=[Optional(), Length(max=200)],
    )
    given_on = DatePartsField(
        _l("Date consent was given"),
        validators=[DataRequired()],
        required_message=_l("Enter the date consent was given"),
    )
    covers = SelectMultipleField(
        _l("What does the consent cover?"),
        choices=_choices(labels.BIRTH_PART),
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        validators=[DataRequired(_l("Choose what the consent covers"))],
    )
    young_person_may_see = BooleanField(_l("The young person may see it"))
    may_include_in_pdf = BooleanField(_l("It may go in the young person's PDF and health record download"))
    may_include_in_share_links = BooleanField(_l("It may go in links the young person shares"))
    may_include_in_fhir = BooleanField(_l("It may go in the FHIR health record file"))
    evidence = TrimmedStringField(
        _l("Evidence"),
        description=_l("For example, the CoramBAAF Consent Form reference"),
        validators=[
            DataRequired(_l("Enter the evidence, for example the CoramBAAF Consent Form reference")),
            Length(max=300),
        ],
    )


class WithdrawConsentForm(FlaskForm):
    withdrawn_on = DatePartsField(
        _l("Date consent was withdrawn"),
        validators=[DataRequired()],
        required_message=_l("Enter the date consent was withdrawn"),
    )
    reason = TextAreaField(
        _l("Why was it withdrawn?"),
        validators=[DataRequired(_l("Enter why consent was withdrawn")), Length(max=2000)],
    )


class BirthChoicesForm(SeenVersion):
    in_pdf = BooleanField(_l("Put it in my PDF and the health record file I download"))
    in_share_links = BooleanField(_l("Include it when I share my passport with a link"))
