"""SQLAlchemy models, one module per area. Importing this package registers every table."""

from passport.models.audit import AuditEvent
from passport.models.invite import Invite, InvitePurpose
from passport.models.organisation import Organisation, Team
from passport.models.passport import (
    Assignment,
    AssignmentRole,
    CareStatus,
    NhsNumberRecord,
    Passport,
)
from passport.models.user import STAFF_ROLES, LoginSession, Role, User

__all__ = [
    "STAFF_ROLES",
    "Assignment",
    "AssignmentRole",
    "AuditEvent",
    "CareStatus",
    "Invite",
    "InvitePurpose",
    "LoginSession",
    "NhsNumberRecord",
    "Organisation",
    "Passport",
    "Role",
    "Team",
    "User",
]
