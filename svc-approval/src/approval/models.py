"""Every table of svc-approval, imported in one place for Alembic and the app."""

from approval.applications.models import (
    Application,
    ApplicationMaterial,
    ApplicationStep,
    ClockPause,
    Extension,
    Notice,
    Receipt,
    Violation,
)
from approval.catalogue.models import CatalogueItem, CatalogueMaterial
from approval.db import Base
from approval.frontdesk.models import Inquiry, InquiryStep, Post
from approval.ratings.models import Rating, Rectification

metadata = Base.metadata

__all__ = [
    "Application",
    "ApplicationMaterial",
    "ApplicationStep",
    "CatalogueItem",
    "CatalogueMaterial",
    "ClockPause",
    "Extension",
    "Inquiry",
    "InquiryStep",
    "Notice",
    "Post",
    "Rating",
    "Receipt",
    "Rectification",
    "Violation",
    "metadata",
]
