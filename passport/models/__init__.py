"""SQLAlchemy models, one module per area. Importing this package registers every table."""

from passport.models.audit import AuditEvent
from passport.models.birth import (
    BIRTH_FIELDS,
    BirthHistory,
    BirthParentConsent,
    BirthPart,
    ConsentGiver,
    Delivery,
)
from passport.models.invite import Invite, InvitePurpose
from passport.models.items import (
    Allergy,
    AllergySeverity,
    AssessmentKind,
    Condition,
    Contact,
    ContactRole,
    CorrectionRequest,
    CorrectionStatus,
    HealthAssessment,
    ImmunisationDose,
    Medication,
    Registration,
    RegistrationService,
    Sensitivity,
    Source,
)
from passport.models.organisation import Organisation, Team
from passport.models.passport import (
    Assignment,
    AssignmentRole,
    CareStatus,
    NhsNumberRecord,
    Passport,
)
from passport.models.user import STAFF_ROLES, LoginSession, RecoveryCode, Role, User

__all__ = [
    "BIRTH_FIELDS",
    "STAFF_ROLES",
    "Allergy",
    "AllergySeverity",
    "AssessmentKind",
    "Assignment",
    "AssignmentRole",
    "AuditEvent",
    "BirthHistory",
    "BirthParentConsent",
    "BirthPart",
    "CareStatus",
    "Condition",
    "ConsentGiver",
    "Contact",
    "ContactRole",
    "CorrectionRequest",
    "CorrectionStatus",
    "Delivery",
    "HealthAssessment",
    "ImmunisationDose",
    "Invite",
    "InvitePurpose",
    "LoginSession",
    "Medication",
    "NhsNumberRecord",
    "Organisation",
    "Passport",
    "RecoveryCode",
    "Registration",
    "RegistrationService",
    "Role",
    "Sensitivity",
    "Source",
    "Team",
    "User",
]
