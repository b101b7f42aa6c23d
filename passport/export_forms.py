"""Forms for what leaves the app: which sections go into a PDF or a share link, and for how long."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectMultipleField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from passport.forms import DatePartsField, TrimmedStringField

SECTION_CHOICES = [
    SelectChoice("about_me", _l("About me: name, date of birth, NHS number, languages")),
    SelectChoice("health_summary", _l("My health: allergies, medicines and health conditions")),
    SelectChoice("immunisations", _l("My vaccines")),
    SelectChoice("registrations", _l("My GP and other services")),
    SelectChoice("contacts", _l("People who can help")),
]


def _checkboxes(label, choices, default):
    return SelectMultipleField(
        label,
        choices=choices,
        default=default,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        validators=[Optional()],
    )


class ChooseSectionsForm(FlaskForm):
    sections = _checkboxes(_l("What to include"), SECTION_CHOICES, [c.value for c in SECTION_CHOICES])
    mental_health = BooleanField(_l("Also include things about my mental health"))
    sexual_health = BooleanField(_l("Also include things about my sexual health"))
    birth_history = BooleanField(_l("Also include information about my birth"))


class DownloadPassportForm(ChooseSectionsForm):
    bilingual = BooleanField(_l("Add an English copy after it, for health staff"))
    attachments = BooleanField(_l("Also include my photos"))


class ShareLinkForm(ChooseSectionsForm):
    attachments = BooleanField(_l("Also include my photos"))
    label = TrimmedStringField(
        _l("Who is it for?"),
        description=_l("For example, New GP or Dentist. Only you see this."),
        validators=[Optional(), Length(max=60)],
    )
    expires_on = DatePartsField(
        _l("Stops working on"),
        hint=_l("Up to 90 days from today. For example, 15 1 2027"),
    )
    passcode = PasswordField(
        _l("Passcode (optional)"),
        description=_l(
            "If you set one, tell it to the person separately. After 5 wrong tries the link stops."
        ),
        validators=[Optional(), Length(max=40)],
    )
    include_health_card = BooleanField(
        _l("Also add my signed vaccine card"),
        description=_l("Health apps can check it is real. It has your name, date of birth and vaccines."),
    )


class PasscodeForm(FlaskForm):
    passcode = PasswordField(_l("Passcode"), validators=[Optional(), Length(max=40)])


class OfflineCardForm(FlaskForm):
    include_allergies = BooleanField(_l("Also put my allergies on the card"))


class VerifyCardForm(FlaskForm):
    card = TextAreaField(
        _l("Paste the card"),
        description=_l(
            "The text that starts with shc:/ from a QR code scanner (for a card in several QR codes, every "
            "part, one a line), or the contents of the file."
        ),
        validators=[Optional(), Length(max=20000)],
    )
