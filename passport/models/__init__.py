"""SQLAlchemy models, one module per area. Importing this package registers every table."""

from passport.models.audit import AuditEvent
from passport.models.batch import BatchItemStatus, BatchStatus, PdfBatch, PdfBatchItem
from passport.models.birth import (
    BIRTH_FIELDS,
    BirthHistory,
    BirthParentConsent,
    BirthPart,
    ConsentGiver,
    Delivery,
)
from passport.models.care import LeavingPack, SdqScore
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
from passport.models.messages import Channel, MessageChannel, MessageStatus, OfflineCopy, SentMessage
from passport.models.organisation import Organisation, Team
from passport.models.passport import (
    Assignment,
    AssignmentRole,
    CareStatus,
    NhsNumberRecord,
    Passport,
)
from passport.models.plans import (
    AccessGrant,
    ActionOwner,
    ActionStatus,
    GrantScope,
    HealthAction,
    Transfer,
)
from passport.models.sharing import ShareLink, ShareLinkFile, SigningKey
from passport.models.user import STAFF_ROLES, LoginSession, RecoveryCode, Role, User

__all__ = [
    "BIRTH_FIELDS",
    "STAFF_ROLES",
    "AccessGrant",
    "ActionOwner",
    "ActionStatus",
    "Allergy",
    "AllergySeverity",
    "AssessmentKind",
    "Assignment",
    "AssignmentRole",
    "AuditEvent",
    "BatchItemStatus",
    "BatchStatus",
    "BirthHistory",
    "BirthParentConsent",
    "BirthPart",
    "CareStatus",
    "Channel",
    "Condition",
    "ConsentGiver",
    "Contact",
    "ContactRole",
    "CorrectionRequest",
    "CorrectionStatus",
    "Delivery",
    "GrantScope",
    "HealthAction",
    "HealthAssessment",
    "ImmunisationDose",
    "Invite",
    "InvitePurpose",
    "LeavingPack",
    "LoginSession",
    "Medication",
    "MessageChannel",
    "MessageStatus",
    "NhsNumberRecord",
    "OfflineCopy",
    "Organisation",
    "Passport",
    "PdfBatch",
    "PdfBatchItem",
    "RecoveryCode",
    "Registration",
    "RegistrationService",
    "Role",
    "SdqScore",
    "Sensitivity",
    "SentMessage",
    "ShareLink",
    "ShareLinkFile",
    "SigningKey",
    "Source",
    "Team",
    "Transfer",
    "User",
]
