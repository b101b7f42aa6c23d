"""SQLAlchemy models, one module per area. Importing this package registers every table."""

from passport.models.attachments import BIRTH_HISTORY, Attachment
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
from passport.models.diary import Appointment, PrivateNote
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
    contact_for_emergencies,
    contact_is_current,
)
from passport.models.local_help import HelpGroup, LocalService, Referral
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
    "BIRTH_HISTORY",
    "STAFF_ROLES",
    "AccessGrant",
    "ActionOwner",
    "ActionStatus",
    "Allergy",
    "AllergySeverity",
    "Appointment",
    "AssessmentKind",
    "Assignment",
    "AssignmentRole",
    "Attachment",
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
    "HelpGroup",
    "ImmunisationDose",
    "Invite",
    "InvitePurpose",
    "LeavingPack",
    "LocalService",
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
    "PrivateNote",
    "RecoveryCode",
    "Referral",
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
    "contact_for_emergencies",
    "contact_is_current",
]
