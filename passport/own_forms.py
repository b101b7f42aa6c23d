"""Forms for what the young person keeps for themselves (appointments, notes, their passport's look), for
photos and files on any passport page, and for the admin's local help list."""

from __future__ import annotations

import re
from datetime import time

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from werkzeug.datastructures import FileStorage
from wtforms import BooleanField, RadioField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, StopValidation

from passport import labels, themes
from passport.forms import DatePartsField, TrimmedStringField, WholeNumberField
from passport.item_forms import VersionedForm, sensitivity_field


def _choices(mapping) -> list[SelectChoice]:
    return [SelectChoice(str(value), label) for value, label in mapping.items()]


# ---- Photos and files ------------------------------------------------------------------------------------


class AttachmentForm(FlaskForm):
    file = FileField(
        _l("Photo or file"),
        description=_l(
            "A photo (JPG, PNG, or HEIC from an iPhone) or a PDF, smaller than 10 MB. "
            "On a phone you can take a photo now or choose one you already have."
        ),
    )
    description = TrimmedStringField(
        _l("What is it? (optional)"),
        description=_l("For example, my vaccination card from Eritrea, or a letter from the dentist"),
        validators=[Optional(), Length(max=200, message=_l("What it is must be 200 characters or fewer"))],
    )

    def upload(self) -> FileStorage | None:
        """The file sent, if one was: a browser sends a file; anything else in its place is no file."""
        data = self.file.data
        if isinstance(data, FileStorage) and data.filename:
            return data
        return None

    def validate_file(self, field):
        if self.upload() is None:
            raise StopValidation(_l("Choose a photo or file"))


class PaperForm(AttachmentForm):
    """Papers not about one item: their own label keeps them out of what is shared, as an item's would."""

    sensitivity = sensitivity_field()


class BirthAttachmentForm(AttachmentForm):
    birth_part = RadioField(
        _l("Which part of the birth history is it about?"),
        description=_l("It is seen only where that part is: by the young person once a consent allows it."),
        choices=_choices(labels.BIRTH_PART),
        validators=[DataRequired(_l("Choose which part it is about"))],
    )


# ---- Appointments and notes -------------------------------------------------------------------------------

_TIME = re.compile(r"^(\d{1,2})\s*[:.]\s*(\d{2})$|^(\d{1,2})(\d{2})$")


class TimeField(TrimmedStringField):
    """A time typed as 10:30, 10.30 or 1030 (24-hour clock); left empty when it is not known."""

    def pre_validate(self, form):
        if isinstance(self.data, time):  # not sent: the appointment's own time stays
            return
        text = (self.data or "").strip()
        if not text:
            self.data = None
            return
        match = _TIME.match(text)
        hours, minutes = (
            (match.group(1) or match.group(3), match.group(2) or match.group(4)) if match else (0, 99)
        )
        if not match or not (0 <= int(hours) <= 23 and 0 <= int(minutes) <= 59):
            self.data = text
            raise StopValidation(_l("Enter the time like 10:30 or 14:15"))
        self.data = time(int(hours), int(minutes))

    def _value(self):
        if isinstance(self.data, time):
            return self.data.strftime("%H:%M")
        return self.data or ""


class AppointmentForm(VersionedForm):
    what = TrimmedStringField(
        _l("What is it?"),
        description=_l("For example, dentist check-up, or sexual health clinic"),
        validators=[
            DataRequired(_l("Enter what the appointment is for, for example dentist")),
            Length(max=200, message=_l("This must be 200 characters or fewer")),
        ],
    )
    on_date = DatePartsField(
        _l("Date"),
        validators=[DataRequired()],
        required_message=_l("Enter the date of the appointment"),
        hint=_l("For example, 14 3 2027"),
    )
    at_time = TimeField(
        _l("Time (if you know it)"),
        description=_l("For example, 10:30 or 14:15"),
        validators=[Optional()],
    )
    place = TrimmedStringField(
        _l("Where (if you know it)"),
        description=_l("For example, Riverside Dental, High Street"),
        validators=[Optional(), Length(max=200, message=_l("This must be 200 characters or fewer"))],
    )
    with_whom = TrimmedStringField(
        _l("Who with (if anyone)"),
        description=_l("For example, Dr Patel, or my adviser is coming too"),
        validators=[Optional(), Length(max=200, message=_l("This must be 200 characters or fewer"))],
    )


class NoteForm(VersionedForm):
    title = TrimmedStringField(
        _l("Title (optional)"),
        validators=[Optional(), Length(max=120, message=_l("The title must be 120 characters or fewer"))],
    )
    body = TextAreaField(
        _l("Your note"),
        validators=[
            DataRequired(_l("Write your note")),
            Length(max=5000, message=_l("A note must be 5,000 characters or fewer")),
        ],
    )
    shared_with_nurse = BooleanField(_l("Let my nurse read this note"))
    shared_with_adviser = BooleanField(_l("Let my personal adviser read this note"))


# ---- The passport's look ----------------------------------------------------------------------------------


class LookForm(VersionedForm):
    theme = RadioField(
        _l("Colour"),
        choices=[SelectChoice(t.name, t.label) for t in themes.THEMES.values()],
        validators=[DataRequired(_l("Choose a colour"))],
    )
    title = TrimmedStringField(
        _l("A name for your passport (optional)"),
        description=_l("For example, Robin's passport, or My health stuff. Up to 40 characters."),
        validators=[Optional(), Length(max=40, message=_l("The name must be 40 characters or fewer"))],
    )


# ---- Local help (the admin's list) ------------------------------------------------------------------------


class LocalServiceForm(VersionedForm):
    category = RadioField(
        _l("What kind of help is it?"),
        choices=_choices(labels.HELP_GROUP),
        validators=[DataRequired(_l("Choose what kind of help it is"))],
    )
    name = TrimmedStringField(
        _l("Name of the service"),
        validators=[DataRequired(_l("Enter the name of the service")), Length(max=200)],
    )
    helps_with = TextAreaField(
        _l("What it helps with"),
        description=_l("In plain words, as a young person would read it."),
        validators=[DataRequired(_l("Enter what the service helps with")), Length(max=1000)],
    )
    phone = TrimmedStringField(_l("Phone number (optional)"), validators=[Optional(), Length(max=40)])
    website = TrimmedStringField(
        _l("Website (optional)"),
        description=_l("Starting with https://"),
        validators=[Optional(), Length(max=300)],
    )
    email = TrimmedStringField(_l("Email address (optional)"), validators=[Optional(), Length(max=254)])
    address = TextAreaField(_l("Address (optional)"), validators=[Optional(), Length(max=500)])
    opening_times = TextAreaField(
        _l("Opening times (optional)"),
        description=_l("For example, Monday to Friday 9am to 5pm, drop-in Wednesday 4pm to 7pm"),
        validators=[Optional(), Length(max=500)],
    )
    min_age = WholeNumberField(
        _l("Youngest age it helps (optional)"),
        minimum=0,
        maximum=120,
        message=_l("Enter an age from 0 to 120"),
    )
    max_age = WholeNumberField(
        _l("Oldest age it helps (optional)"),
        minimum=0,
        maximum=120,
        message=_l("Enter an age from 0 to 120"),
    )
    referral = RadioField(
        _l("Does a young person need a referral?"),
        choices=_choices(labels.REFERRAL_CHOICE),
        default="not_needed",
        validators=[DataRequired(_l("Choose whether a referral is needed"))],
    )
