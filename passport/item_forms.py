"""The forms for each kind of passport item, shared by the young person's and the nurse's pages.

Field names match the item kinds in services/items.py; the service checks the rules that need several
fields together (a medicine cannot stop before it started) and the form checks each field alone.
"""

from __future__ import annotations

import functools

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, RadioField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, Optional

from passport import labels, schedule
from passport.forms import (
    ChoiceFromListField,
    ClinicalTermField,
    DatePartsField,
    SeenVersion,
    TrimmedStringField,
    WholeNumberField,
    valid_nhs_number,
)
from passport.immunisations import vaccine_name
from passport.services.passports import NHS_NUMBER_REASONS


def _choices(mapping) -> list[SelectChoice]:
    return [SelectChoice(str(value), label) for value, label in mapping.items()]


class VersionedForm(SeenVersion):
    """An item form: the version of the item the person started from comes with it (forms.SeenVersion)."""

    def item_values(self) -> dict:
        skip = {"csrf_token", "version"}
        return {
            name: (None if field.data == "" else field.data)
            for name, field in self._fields.items()
            if name not in skip
        }


@functools.cache  # one class per kind of item, made once
def with_where_it_came_from(form_class: type[VersionedForm]) -> type[VersionedForm]:
    """The staff form to add an item: also asks whether the nurse checked it against the record or copied it
    from another record without checking (shown as imported until a nurse marks it as checked)."""

    class StaffAddForm(form_class):
        source = RadioField(
            _l("Where did this come from?"),
            choices=[
                SelectChoice("nurse_verified", _l("I checked it against the GP or child health record")),
                SelectChoice("imported", _l("I copied it from another record and have not checked it yet")),
            ],
            # No answer is chosen for them: a preselected "I checked it" let a copied record go in as
            # checked without a thought. The service refuses no answer (or a made-up one) with a message
            # beside the field, together with anything else wrong on the form.
            validate_choice=False,
            validators=[Optional()],
        )

    StaffAddForm.__name__ = f"StaffAdd{form_class.__name__}"
    return StaffAddForm


class LabelChoiceField(RadioField):
    """A radio choice where "no label" is a real answer: None from the database shows as the "" choice."""

    def process_data(self, value):
        self.data = "" if value is None else str(value)


def sensitivity_field():
    return LabelChoiceField(
        _l("Is this about mental health or sexual health?"),
        description=_l(
            "If you choose one, only the young person and their nurse see it. "
            "It is left out of anything shared, unless the young person adds it."
        ),
        choices=[SelectChoice("", _l("No")), *_choices(labels.SENSITIVITY)],
        default="",
        validators=[Optional()],
    )


def speak_to_the_young_person(form) -> None:
    """The young person reads the label question about themselves, not about "the young person"."""
    if "sensitivity" in form:
        form.sensitivity.description = gettext(
            "If you choose one, only you and your nurse can see it. "
            "It is left out of what you share, unless you add it."
        )


class RegistrationForm(VersionedForm):
    service = RadioField(
        _l("What kind of service is it?"),
        choices=_choices(labels.SERVICE),
        validators=[DataRequired(_l("Choose what kind of service it is"))],
    )
    name = TrimmedStringField(
        _l("Name"),
        description=_l("For example, Riverside Medical Centre"),
        validators=[DataRequired(_l("Enter the name of the practice or shop")), Length(max=200)],
    )
    ods_code = TrimmedStringField(
        _l("Practice code (if you know it)"),
        description=_l("GPs only. It is on letters from the practice: a letter and 5 numbers, like K81003."),
        validators=[Optional(), Length(max=12)],
    )
    address = TextAreaField(_l("Address (if you know it)"), validators=[Optional(), Length(max=500)])
    postcode = TrimmedStringField(_l("Postcode (if you know it)"), validators=[Optional(), Length(max=10)])
    phone = TrimmedStringField(_l("Phone number (if you know it)"), validators=[Optional(), Length(max=40)])
    registered_on = DatePartsField(_l("Date you joined (if you know it)"), hint=_l("For example, 3 9 2025"))
    ended_on = DatePartsField(
        _l("Date you left (if you have left)"), hint=_l("Only if you have moved to a different one")
    )


class ConditionForm(VersionedForm):
    name = ClinicalTermField(
        _l("Health condition"),
        kind="condition",
        description=_l("For example, asthma or eczema"),
        validators=[DataRequired(_l("Enter the health condition")), Length(max=200)],
    )
    since = DatePartsField(_l("Since when (optional)"), hint=_l("For example, 1 6 2019"))
    notes = TextAreaField(_l("Anything else to know (optional)"), validators=[Optional(), Length(max=2000)])
    sensitivity = sensitivity_field()


class AllergyForm(VersionedForm):
    substance = ClinicalTermField(
        _l("What are you allergic to?"),
        kind="allergy",
        description=_l("For example, penicillin, peanuts or bee stings"),
        validators=[DataRequired(_l("Enter what the allergy is to")), Length(max=200)],
    )
    reaction = TrimmedStringField(
        _l("What happens (optional)"),
        description=_l("For example, a rash, or swelling and trouble breathing"),
        validators=[Optional(), Length(max=300)],
    )
    severity = RadioField(
        _l("How bad is it?"),
        choices=_choices(labels.SEVERITY),
        default="unknown",
        validators=[DataRequired(_l("Choose how bad it is"))],
    )
    sensitivity = sensitivity_field()


class MedicationForm(VersionedForm):
    name = ClinicalTermField(
        _l("Medicine"),
        kind="medication",
        description=_l("The name on the box or prescription, for example salbutamol inhaler"),
        validators=[DataRequired(_l("Enter the name of the medicine")), Length(max=200)],
    )
    dose = TrimmedStringField(
        _l("How much (optional)"),
        description=_l("For example, 2 puffs or 10mg"),
        validators=[Optional(), Length(max=200)],
    )
    how_often = TrimmedStringField(
        _l("How often (optional)"),
        description=_l("For example, twice a day, or when needed"),
        validators=[Optional(), Length(max=200)],
    )
    started_on = DatePartsField(_l("Date started (optional)"), hint=_l("For example, 14 2 2024"))
    stopped_on = DatePartsField(_l("Date stopped (optional)"), hint=_l("Leave empty if you still take it"))
    sensitivity = sensitivity_field()


class AssessmentForm(VersionedForm):
    kind = RadioField(
        _l("Type of assessment"),
        choices=_choices(labels.ASSESSMENT),
        validators=[DataRequired(_l("Choose the type of assessment"))],
    )
    assessed_on = DatePartsField(
        _l("Date of the assessment"),
        validators=[DataRequired()],
        required_message=_l("Enter the date of the assessment"),
    )
    assessed_by = TrimmedStringField(
        _l("Done by (optional)"), description=_l("Name and role"), validators=[Optional(), Length(max=200)]
    )
    next_due_on = DatePartsField(_l("Next assessment due (optional)"))


class ContactForm(VersionedForm):
    role = RadioField(
        _l("Who are they?"),
        choices=_choices(labels.CONTACT_ROLE),
        validators=[DataRequired(_l("Choose who they are"))],
    )
    name = TrimmedStringField(_l("Name"), validators=[DataRequired(_l("Enter their name")), Length(max=200)])
    organisation = TrimmedStringField(
        _l("Where they work (if you know)"), validators=[Optional(), Length(max=200)]
    )
    phone = TrimmedStringField(_l("Phone number"), validators=[Optional(), Length(max=40)])
    email = EmailField(
        _l("Email address (if you know)"),
        filters=[lambda v: v.strip() if v else v],
        validators=[
            Optional(),
            Email(_l("Enter an email address in the right format, like name@example.com")),
            Length(max=254),
        ],
    )
    notes = TextAreaField(
        _l("When and how to contact them (if you know)"),
        description=_l("For example, weekdays 9am to 5pm, or text first"),
        validators=[Optional(), Length(max=1000)],
    )
    from_on = DatePartsField(_l("They help you from (if you know)"))
    until_on = DatePartsField(
        _l("They help you until (if you know)"), hint=_l("Leave empty if there is no end date")
    )
    emergency_contact = BooleanField(_l("Call them in an emergency"))
    sensitivity = sensitivity_field()


class ImmunisationForm(VersionedForm):
    vaccine_id = ChoiceFromListField(
        _l("Vaccine"),
        not_in_list_message=_l("We do not know that vaccine. Choose one from the list"),
        description=_l("If you are not sure of the name, choose the closest. Your nurse will check it."),
        validators=[DataRequired(_l("Choose the vaccine"))],
    )
    given_on = DatePartsField(
        _l("Date given"),
        validators=[DataRequired()],
        required_message=_l("Enter the date the vaccine was given"),
        hint=_l("For example, 15 9 2021. If you only know the month, use the 1st."),
    )
    dose_number = WholeNumberField(
        _l("Dose number (optional)"),
        description=_l("For example, 2 for the second dose"),
        minimum=1,
        maximum=10,
        message=_l("Enter a dose number from 1 to 10"),
    )
    where_given = RadioField(
        _l("Where was it given?"),
        choices=_choices(labels.WHERE_GIVEN),
        default="unknown",
        validators=[DataRequired(_l("Choose where it was given"))],
    )
    batch = TrimmedStringField(
        _l("Batch number (optional)"),
        description=_l("On the vaccine record card, if you have it"),
        validators=[Optional(), Length(max=60)],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Built per request so the names are in the reader's language.
        self.vaccine_id.choices = [SelectChoice("", _l("Choose a vaccine"))] + [
            SelectChoice(c.value, vaccine_name(c.value), optgroup=gettext(c.group_label_msgid))
            for c in schedule.vaccine_choices()
        ]


class ImmunisationRecordsForm(SeenVersion):
    records = RadioField(
        _l("Have the immunisation records been checked?"),
        description=_l("Against the GP record or the child health record."),
        choices=_choices(labels.IMMUNISATION_RECORDS),
        validators=[DataRequired(_l("Choose whether the records have been checked"))],
    )
    sex_registered_at_birth = LabelChoiceField(
        _l("Sex registered at birth (optional)"),
        description=_l(
            "Only used to work out whether the HPV vaccine is offered to people born before "
            "1 September 2006. It is not shown anywhere else."
        ),
        choices=[SelectChoice("", _l("Not recorded")), *_choices(labels.SEX_AT_BIRTH)],
        default="",
        validators=[Optional()],
    )


ITEM_FORMS: dict[str, type[VersionedForm]] = {
    "registration": RegistrationForm,
    "condition": ConditionForm,
    "allergy": AllergyForm,
    "medication": MedicationForm,
    "assessment": AssessmentForm,
    "contact": ContactForm,
    "immunisation": ImmunisationForm,
}


class AboutMeForm(VersionedForm):
    """What the young person keeps up to date about themselves."""

    preferred_name = TrimmedStringField(
        _l("Name you like to be called (if you want)"), validators=[Optional(), Length(max=200)]
    )
    pronouns = TrimmedStringField(
        _l("Pronouns (if you want)"),
        description=_l("For example, she/her, he/him or they/them"),
        validators=[Optional(), Length(max=60)],
    )
    languages = TrimmedStringField(
        _l("Languages you speak (if you want)"),
        description=_l("For example, Tigrinya and English"),
        validators=[Optional(), Length(max=200)],
    )
    interpreter_needed = BooleanField(_l("I would like an interpreter at health appointments"))
    communication_needs = TextAreaField(
        _l("What helps you at appointments (if anything)"),
        description=_l("For example, easy read letters, or a quiet room"),
        validators=[Optional(), Length(max=1000)],
    )


class NurseAboutMeForm(AboutMeForm):
    legal_name = TrimmedStringField(
        _l("Full name"), validators=[DataRequired(_l("Enter the young person's full name")), Length(max=200)]
    )
    date_of_birth = DatePartsField(
        _l("Date of birth"), validators=[DataRequired()], required_message=_l("Enter their date of birth")
    )
    care_status = RadioField(
        _l("Care status"),
        choices=_choices(labels.CARE_STATUS),
        validators=[DataRequired(_l("Choose a care status"))],
    )
    date_left_care = DatePartsField(_l("Date they left care (optional)"))


class NhsNumberForm(SeenVersion):
    nhs_number = TrimmedStringField(
        _l("New NHS number"),
        description=_l("10 digits, like 943 476 5919. The old number stays in the history."),
        validators=[DataRequired(_l("Enter the NHS number")), valid_nhs_number],
    )
    reason = RadioField(
        _l("Why is it changing?"),
        choices=[SelectChoice(r, labels.NHS_NUMBER_REASON[r]) for r in NHS_NUMBER_REASONS],
        validators=[DataRequired(_l("Choose why the NHS number is changing"))],
    )


class CorrectionForm(FlaskForm):
    what_is_wrong = TextAreaField(
        _l("What is wrong, and what should it say?"),
        description=_l("Your nurse will check and reply. You will see their answer here."),
        validators=[DataRequired(_l("Tell us what is wrong and what it should say")), Length(max=2000)],
    )


class DeclineCorrectionForm(FlaskForm):
    reason = TextAreaField(
        _l("Why does the record stay as it is?"),
        description=_l("The young person will read this. Use plain words."),
        validators=[
            DataRequired(_l("Tell the young person why the record stays as it is")),
            Length(max=2000),
        ],
    )


class ActionForm(FlaskForm):
    """A button that changes something: only the CSRF token."""


class StaffAccessForm(SeenVersion):
    """The question asked before the 18th birthday: may my nurse and adviser keep seeing my passport?"""

    nurse = LabelChoiceField(
        _l("Can your nurse still see and update your passport after you turn 18?"),
        choices=[
            SelectChoice("yes", _l("Yes, my nurse can still see it and keep it up to date")),
            SelectChoice("no", _l("No, only I will see it")),
        ],
        validate_choice=False,  # the service says what is missing, beside the field
    )
    adviser = LabelChoiceField(
        _l("Can your personal adviser still see your contacts, your GP and what you share with them?"),
        description=_l(
            "Whatever you choose, your adviser can see which things you still need to sort out before you "
            "leave care, until you are 25. They never see the details."
        ),
        choices=[
            SelectChoice("yes", _l("Yes, my adviser can still see them")),
            SelectChoice("no", _l("No, only the list of things I still need to sort out")),
        ],
        validate_choice=False,
    )

    def answers(self) -> dict[str, bool | None]:
        return {name: {"yes": True, "no": False}.get(self[name].data) for name in ("nurse", "adviser")}


class AdviserSharingForm(SeenVersion):
    health_summary = BooleanField(_l("My health summary: conditions, allergies and medicines"))
    immunisations = BooleanField(_l("My vaccines"))
    health_plan = BooleanField(_l("What we agreed at my health checks (my health plan)"))
    mental_health = BooleanField(_l("Things about my mental health"))
    sexual_health = BooleanField(_l("Things about my sexual health"))
    attachments = BooleanField(_l("My photos and files about the things above"))
