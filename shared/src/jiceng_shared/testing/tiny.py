"""A tiny service of one table and one subscription, for testing the shared machinery alone
(outbox, relay, consumers, numbers) without any real service's rules in the way."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from fastapi import APIRouter
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from jiceng_shared.consumers import Subscription
from jiceng_shared.db import TYPE_ANNOTATION_MAP, make_metadata, utcnow
from jiceng_shared.errors import Problem
from jiceng_shared.events import CloudEvent, EventPayload
from jiceng_shared.service import ReadSession, ServiceContext, ServiceSpec, Tx
from jiceng_shared.settings import CommonSettings
from jiceng_shared.tables import add_infrastructure_tables


class Base(DeclarativeBase):
    metadata = make_metadata()
    type_annotation_map = TYPE_ANNOTATION_MAP


add_infrastructure_tables(Base.metadata)


class Note(Base):
    __tablename__ = "notes"
    id: Mapped[str] = mapped_column(primary_key=True)
    text: Mapped[str]
    created_at: Mapped[dt.datetime]
    #: a column with a default, for rows that leave it out
    tone: Mapped[str] = mapped_column(default="plain")


class NoteWritten(EventPayload):
    event_type = "test.note.written"
    note_id: str
    text: str


class Settings(CommonSettings):
    service_name = "msgtest"


#: handler behaviour switch for the poison-message test
BROKEN: set[str] = set()


async def on_note(session: AsyncSession, event: CloudEvent) -> None:
    payload = event.payload(NoteWritten)
    if payload.text in BROKEN:
        raise RuntimeError(f"cannot handle {payload.text}")
    session.add(Note(id=event.id, text=payload.text, created_at=utcnow()))


router = APIRouter(prefix="/notes")


@router.post("", status_code=201)
async def write_note(text: str, session: Tx) -> dict[str, str]:
    """Writes through the session dependency; ``text="refuse"`` raises after the write."""
    note = Note(id=text, text=text, created_at=utcnow())
    session.add(note)
    await session.flush()
    if text.startswith("refuse"):
        raise Problem(409, "refused", "Refused", "the note is refused after it was written")
    return {"id": note.id}


@router.get("")
async def list_notes(session: ReadSession) -> list[str]:
    return list((await session.scalars(select(Note.text).order_by(Note.text))).all())


def spec() -> ServiceSpec:
    return ServiceSpec(
        name="msgtest",
        title="messaging test",
        description="",
        settings_cls=Settings,
        metadata=Base.metadata,
        migrations_dir=Path("unused"),
        routers=[router],
        subscriptions=lambda _ctx: [Subscription("notes", "test.note.*", {"test.note.written": on_note})],
    )


async def create_tables(ctx: ServiceContext) -> None:
    async with ctx.db.engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
