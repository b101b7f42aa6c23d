"""The words people see for the app's coded values (a source, a severity, a contact's role…), translated.

Forms and templates both read these, so a value is named the same way everywhere.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from passport.models import (
    AllergySeverity,
    AssessmentKind,
    CareStatus,
    ContactRole,
    HelpGroup,
    Referral,
    RegistrationService,
    Sensitivity,
    Source,
)

SOURCE = {
    Source.NURSE_VERIFIED: _l("Checked by a nurse"),
    Source.SELF_REPORTED: _l("Added by the young person"),
    Source.IMPORTED: _l("Imported from a health record"),
    Source.PHOTO_CHECKED: _l("Checked by a nurse against a photo of the card"),
}
# The same, as the young person reads it about their own passport.
SOURCE_FOR_OWNER = {
    Source.NURSE_VERIFIED: _l("Checked by your nurse"),
    Source.SELF_REPORTED: _l("Added by you"),
    Source.IMPORTED: _l("Imported from your health record"),
    Source.PHOTO_CHECKED: _l("Checked by your nurse against a photo of the card"),
}
SENSITIVITY = {
    Sensitivity.MENTAL_HEALTH: _l("Mental health"),
    Sensitivity.SEXUAL_HEALTH: _l("Sexual health"),
}
SEVERITY = {
    AllergySeverity.MILD: _l("Mild"),
    AllergySeverity.MODERATE: _l("Moderate"),
    AllergySeverity.SEVERE: _l("Severe"),
    AllergySeverity.UNKNOWN: _l("Not known"),
}
SERVICE = {
    RegistrationService.GP: _l("GP (family doctor)"),
    RegistrationService.DENTIST: _l("Dentist"),
    RegistrationService.OPTICIAN: _l("Optician (eye tests)"),
    RegistrationService.PHARMACY: _l("Pharmacy (chemist)"),
}
ASSESSMENT = {
    AssessmentKind.INITIAL: _l("Initial health assessment"),
    AssessmentKind.REVIEW: _l("Review health assessment"),
    AssessmentKind.LEAVING_CARE: _l("Leaving care health summary"),
}
CONTACT_ROLE = {
    ContactRole.PERSONAL_ADVISER: _l("Personal adviser"),
    ContactRole.LEAVING_CARE_TEAM: _l("Leaving care team"),
    ContactRole.SOCIAL_WORKER: _l("Social worker"),
    ContactRole.NURSE: _l("Nurse"),
    ContactRole.CAMHS: _l("Children's mental health service (CAMHS)"),
    ContactRole.ADULT_MENTAL_HEALTH: _l("Adult mental health service"),
    ContactRole.PAEDIATRICS: _l("Children's hospital doctor (paediatrics)"),
    ContactRole.ADULT_SERVICES: _l("Adult health services"),
    ContactRole.SEXUAL_HEALTH: _l("Sexual health clinic"),
    ContactRole.HELPLINE: _l("Helpline"),
    ContactRole.EMERGENCY_CONTACT: _l("Emergency contact"),
    ContactRole.SEN_COORDINATOR: _l("Special educational needs coordinator (SENCO)"),
    ContactRole.CARER: _l("Carer or foster carer"),
    ContactRole.OTHER: _l("Someone else"),
}
CARE_STATUS = {
    CareStatus.IN_CARE: _l("In care"),
    CareStatus.LEFT_CARE: _l("Left care"),
}
NHS_NUMBER_REASON = {
    "first_recorded": _l("First recorded"),
    "adoption": _l("New number after adoption"),
    "correction": _l("Corrected"),
}
ITEM_KIND = {
    "registration": _l("Registration"),
    "condition": _l("Health condition"),
    "allergy": _l("Allergy"),
    "medication": _l("Medicine"),
    "assessment": _l("Health assessment"),
    "contact": _l("Contact"),
    "immunisation": _l("Vaccine"),
    "about_me": _l("About me"),
}
# Headings for the add form of each kind, whole sentences so each language can word them its own way.
ADD_HEADING = {
    "registration": _l("Add a GP, dentist, optician or pharmacy"),
    "condition": _l("Add a health condition"),
    "allergy": _l("Add an allergy"),
    "medication": _l("Add a medicine"),
    "assessment": _l("Add a health assessment"),
    "contact": _l("Add a contact"),
    "immunisation": _l("Add a vaccine"),
}
EDIT_HEADING = {
    "registration": _l("Change a registration"),
    "condition": _l("Change a health condition"),
    "allergy": _l("Change an allergy"),
    "medication": _l("Change a medicine"),
    "assessment": _l("Change a health assessment"),
    "contact": _l("Change a contact"),
    "immunisation": _l("Change a vaccine"),
}
WHERE_GIVEN = {
    "uk_gp": _l("At a GP surgery in the UK"),
    "school": _l("At school"),
    "abroad": _l("In another country"),
    "unknown": _l("Not known"),
}
IMMUNISATION_RECORDS = {
    "documented": _l("Checked: the record is complete as far as we know"),
    "none": _l("No reliable record: plan a full catch-up"),
    "not_checked": _l("Not checked yet"),
}
SEX_AT_BIRTH = {
    "female": _l("Female"),
    "male": _l("Male"),
    "indeterminate": _l("Indeterminate"),
}
# Programme status as a short tag.
VACCINE_STATUS = {
    "complete": _l("Done"),
    "due": _l("Due now"),
    "overdue": _l("Overdue"),
    "not_yet_due": _l("Not due yet"),
    "unknown": _l("Needs checking"),
    "not_eligible": _l("Not offered"),
    "not_finished": _l("Course not finished"),
}
DELIVERY = {
    "vaginal": _l("Vaginal birth"),
    "assisted": _l("Assisted birth (forceps or ventouse)"),
    "caesarean": _l("Caesarean section"),
    "not_known": _l("Not known"),
}
CONSENT_GIVER = {
    "birth_mother": _l("Birth mother"),
    "birth_father": _l("Birth father"),
    "other": _l("Someone else with parental responsibility"),
}
BIRTH_PART = {
    "birth_details": _l("Pregnancy, birth and the first months"),
    "family_health": _l("Family health history"),
}
SDQ_BAND = {
    "normal": _l("Normal (0 to 13)"),
    "borderline": _l("Borderline (14 to 16)"),
    "concern": _l("Cause for concern (17 to 40)"),
}
AGE_BAND = {
    "under_16": _l("Under 16"),
    "16_to_17": _l("16 and 17"),
    "18_and_over": _l("18 and over"),
}
MEASURE = {
    "gp": _l("Registered with a GP"),
    "immunised": _l("Vaccines up to date"),
    "assessed_in_time": _l("Health assessment in time (in care)"),
    "pack_by_18": _l("Leaving pack by 18 (18 and over)"),
}
ACTION_OWNER = {
    "young_person": _l("The young person"),
    "nurse": _l("The nurse"),
    "gp": _l("The GP"),
    "carer": _l("The carer"),
    "adviser": _l("The personal adviser"),
}
# The same, as the young person reads it about their own plan.
ACTION_OWNER_FOR_OWNER = {
    "young_person": _l("You"),
    "nurse": _l("Your nurse"),
    "gp": _l("Your GP"),
    "carer": _l("Your carer"),
    "adviser": _l("Your personal adviser"),
}
ACTION_STATUS = {
    "agreed": _l("To do"),
    "done": _l("Done"),
    "not_done": _l("Not done"),
}
GRANT_SCOPE = {
    "see": _l("See the passport"),
    "see_and_curate": _l("See and update the passport"),
}

HELP_GROUP = {
    HelpGroup.SEXUAL_HEALTH: _l("Sexual health"),
    HelpGroup.MENTAL_HEALTH: _l("Mental health"),
    HelpGroup.DENTIST: _l("Dentists"),
    HelpGroup.DRUGS_AND_ALCOHOL: _l("Drugs and alcohol"),
    HelpGroup.MONEY_AND_HOUSING: _l("Money and housing"),
    HelpGroup.HELPLINES: _l("Helplines"),
}
REFERRAL = {
    Referral.NOT_NEEDED: _l("You can go yourself. You do not need a referral."),
    Referral.NEEDED: _l("You need a referral from your GP or another professional."),
    Referral.SOMETIMES: _l("Some of its services need a referral. Ask when you contact them."),
}
# The same choices as the admin reads them on the form.
REFERRAL_CHOICE = {
    Referral.NOT_NEEDED: _l("No: young people can go themselves"),
    Referral.NEEDED: _l("Yes: a GP or another professional refers them"),
    Referral.SOMETIMES: _l("For some of its services"),
}
