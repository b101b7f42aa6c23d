"""Form pieces shared by every blueprint: the day-month-year date field and a trimmed text field.

Messages follow the NHS/GOV.UK pattern ("Enter your date of birth", "Enter a real date") and
are lazy strings, translated when shown.
"""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from wtforms import Field, SelectField, StringField
from wtforms.utils import unset_value
from wtforms.validators import StopValidation, ValidationError


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
        if not (day.isdigit() and month.isdigit() and year.isdigit()) or len(year) != 4:
            self.error_part = "day"
            raise StopValidation(_l("Enter a real date, for example 27 3 2008"))
        try:
            self.data = date(int(year), int(month), int(day))
        except ValueError as error:
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


def apply_service_error(form, error) -> None:
    """Show a use case's refusal (a ServiceError) beside the field it names, or above the form."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        form.form_errors.append(error.message)
