"""Signing in and out, claiming a passport with an invite code, and staff account set-up."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from passport.auth import second_factor, views  # noqa: E402, F401
