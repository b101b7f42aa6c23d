"""Form pieces shared by every blueprint: the day-month-year date field, a trimmed text field, the one
whole-number field every form uses for numbers, and choice fields that never pass on a value from outside
their list.

Messages follow the NHS/GOV.UK pattern ("Enter your date of birth", "Enter a real date") and
are lazy strings, translated when shown.
"""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, SelectField, SelectMultipleField, StringField
from wtforms.utils import unset_value
from wtforms.validators import StopValidation, ValidationError
from wtforms.widgets import HiddenInput, TextInput

from passport.validation import nhs_number_is_valid


def strip(value):
    return value.strip() if isinstance(value, str) else value


class TrimmedStringField(StringField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("filters", []).append(strip)
        super().__init__(*args, **kwargs)


class ClinicalTermField(TrimmedStringField):
    """Free text, with the listed health conditions, allergies or medicines of one kind offered as
    suggestions (an HTML datalist: it needs no JavaScript). A listed term chosen or typed in the reader's
    language is kept as its English name, so exports can code it and every page shows it translated;
    anything else is kept as typed (passport/clinical_terms.py)."""

    def __init__(self, *args, kind: str, **kwargs):
        self.kind = kind
        kwargs.setdefault("filters", []).append(self._listed_name)
        super().__init__(*args, **kwargs)

    def _listed_name(self, value):
        if not isinstance(value, str) or not value:
            return value
        from flask_babel import gettext

        from passport import clinical_terms

        folded = value.strip().casefold()
        for term in clinical_terms.terms(self.kind):
            if folded in (term.name.casefold(), gettext(term.name).casefold()):
                return term.name
        return value

    @property
    def suggestions(self) -> list[str]:
        from flask_babel import gettext

        from passport import clinical_terms

        return [gettext(term.name) for term in clinical_terms.terms(self.kind)]

    def _value(self):
        from flask_babel import gettext

        from passport import clinical_terms

        term = clinical_terms.match(self.kind, self.data)
        return gettext(term.name) if term is not None else super()._value()


class ChoiceFromListField(SelectField):
    """A select whose answer must be one of its options, with a plain message (WTForms' own, "Not a valid
    choice", is in English only and says nothing useful) when a request sends something else."""

    def __init__(self, *args, not_in_list_message=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.not_in_list_message = not_in_list_message or _l("Choose one of the options in the list")

    def pre_validate(self, form):
        if self.data in (None, ""):
            return  # DataRequired (or Optional) has its say
        try:
            super().pre_validate(form)
        except ValidationError:
            raise ValidationError(self.not_in_list_message) from None


class ChoicesFromListField(SelectMultipleField):
    """Several answers from one list (checkboxes), each of which must be on it. An empty value is not on it
    either: WTForms' own field, with Optional(), let "" through to the view (which then failed turning it
    into an id)."""

    def __init__(self, *args, not_in_list_message=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.not_in_list_message = not_in_list_message or _l("Choose one of the options in the list")

    def pre_validate(self, form):
        allowed = {str(choice[0]) for choice in self.iter_choices()}
        if any(value not in allowed for value in self.data or ()):
            raise StopValidation(self.not_in_list_message)


# The most characters a whole number may have: enough for any count the passport keeps, and far short of
# what makes Python's int() slow or WTForms' NumberRange fail (a 309-digit number cannot become a float).
WHOLE_NUMBER_MAX_CHARACTERS = 9


class WholeNumberField(Field):
    """A whole number between `minimum` and `maximum`, typed in a text box: the one number field every form
    uses (tests/web/test_numbers_and_ids.py sends each of them 400 digits, -1, 1e309 and nothing).

    One message (`message`, say "Enter a dose number from 1 to 10") for anything that is not such a number,
    beside the field; what was typed is shown again (cut to a sensible length). Digits from any script are
    accepted (an Arabic keyboard types ٣), signs, decimals, exponents and spaces inside are not. Empty is
    None, or `required_message` when `required`.
    """

    widget = TextInput()

    def __init__(
        self,
        label=None,
        validators=None,
        *,
        minimum: int,
        maximum: int,
        message=None,
        required: bool = False,
        required_message=None,
        **kwargs,
    ):
        super().__init__(label, validators, **kwargs)
        self.minimum, self.maximum = minimum, maximum
        self.message = message or _l("Enter a whole number")
        self.required = required
        self.required_message = required_message or self.message
        self.typed = ""

    def process_formdata(self, valuelist):
        self.typed = (valuelist[0] if valuelist else "").strip()[:50]
        self.data = None

    def process_data(self, value):
        self.data = value if isinstance(value, int) and not isinstance(value, bool) else None
        self.typed = "" if self.data is None else str(self.data)

    def pre_validate(self, form):
        text = self.typed
        if not text:
            self.data = None
            if self.required:
                raise StopValidation(self.required_message)
            return
        if len(text) > WHOLE_NUMBER_MAX_CHARACTERS or not text.isdecimal():
            self.data = None
            raise StopValidation(self.message)
        number = int(text)
        if not self.minimum <= number <= self.maximum:
            self.data = None
            raise StopValidation(self.message)
        self.data = number

    def _value(self):
        return str(self.data) if self.data is not None else self.typed


class SeenVersionField(WholeNumberField):
    """The hidden version: never a message (nobody types it), just None when it is not a version, which the
    use case refuses as changed."""

    def __init__(self, **kwargs):
        super().__init__(widget=HiddenInput(), minimum=0, maximum=2**31 - 1, **kwargs)

    def pre_validate(self, form):
        try:
            super().pre_validate(form)
        except StopValidation:
            self.data = None


class SeenVersion(FlaskForm):
    """The version of the row the person's page showed (services/versions.py). Inherit it in a form that
    changes a row (made with obj=row, it fills itself in), or use it alone for a button whose template puts
    `seen_version(row.version)` in its <form>. Anything but a plain number is a version nobody saw: None,
    which the use case refuses as changed."""

    version = SeenVersionField()


class DatePartsField(Field):
    """A date typed as three boxes: day, month, year (the NHS date input pattern).

    Keeps what was typed in `parts`, so a form with errors shows it again unchanged.
    """

    def __init__(self, label=None, validators=None, *, required_message=None, hint=None, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.parts = {"day": "", "month": "", "year": ""}
        self.required_message = required_message
        self.hint = hint
        self.error_part: str | None = None

    def process(self, formdata, data=unset_value, extra_filters=None):
        self.process_errors = []
        if data is unset_value:  # the form was made without an object or keyword data for this field
            data = self.default() if callable(self.default) else self.default
        self.data = data
        if isinstance(self.data, date):
            self.parts = {
                "day": str(self.data.day),
                "month": str(self.data.month),
                "year": str(self.data.year),
            }
        if formdata is not None and any(f"{self.name}-{p}" in formdata for p in self.parts):
            self.parts = {
                part: (formdata.get(f"{self.name}-{part}") or "").strip()[:10] for part in self.parts
            }
            self.data = None
            self.raw_data = [self.parts[p] for p in ("day", "month", "year")]

    def pre_validate(self, form):
        day, month, year = (self.parts[p] for p in ("day", "month", "year"))
        if not (day or month or year):
            if self.flags.required:
                raise StopValidation(self.required_message or _l("Enter the date"))
            return
        for part, value in (("day", day), ("month", month), ("year", year)):
            if not value:
                self.error_part = part
                raise StopValidation(_date_part_missing(part))
        if (
            not (day.isdigit() and month.isdigit() and year.isdigit())
            or len(year) != 4
            or len(day) > 2
            or len(month) > 2
        ):
            self.error_part = "day"
            raise StopValidation(_l("Enter a real date, for example 27 3 2008"))
        try:
            self.data = date(int(year), int(month), int(day))
        except (ValueError, OverflowError) as error:
            self.error_part = "day"
            raise StopValidation(_l("Enter a real date, for example 27 3 2008")) from error

    def _value(self):
        return self.parts


def _date_part_missing(part: str):
    # Whole sentences, not the field's label glued in: the label is just above the message, and some
    # languages change a word's first letter after others, which a glued-in label cannot do.
    if part == "day":
        return _l("The date must include a day")
    if part == "month":
        return _l("The date must include a month")
    return _l("The date must include a year")


def valid_nhs_number(form, field) -> None:
    """An NHS number that passes its check digit, checked with the rest of the form so every problem shows
    at once (the use case checks it again)."""
    if field.data and not nhs_number_is_valid(field.data[:40]):
        raise StopValidation(_l("Enter a valid NHS number. It has 10 digits, like 943 476 5919"))


def apply_service_error(form, error) -> None:
    """Show a use case's refusal (a ServiceError) beside the field it names, or above the form."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        form.form_errors.append(error.message)
