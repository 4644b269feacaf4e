"""Demo identities of demo-data.md: one user per role and township, one client per department,
derived from the county's organisation (``ctx.org``: the demo county, or JICENG_COUNTY_DIR's)."""

from __future__ import annotations

from sqlalchemy import select

from gateway.auth import passwords
from gateway.auth.passwords import hash_secret
from gateway.config import MIN_SECRET_LENGTH
from gateway.iam.rules import privileged_roles, township_home
from gateway.models import Client, RoleBinding, User
from jiceng_shared import county, demo
from jiceng_shared.county import Organisation
from jiceng_shared.db import new_id, utcnow
from jiceng_shared.devkeys import DEMO_TOTP_SECRET
from jiceng_shared.policy import load_policy
from jiceng_shared.service import ServiceContext
from jiceng_shared.settings import InsecureConfiguration


def demo_usernames(org: Organisation) -> list[str]:
    """The logins the demo seed creates for this county (production refuses them with the
    development password)."""
    return [u.username for u in demo.users_for(org)]


def client_secret(client_id: str, demo_password: str) -> str:
    """Demo clients' secret: ``<client id>-secret-<demo password>`` (printed by ``make run``)."""
    return f"{client_id}-secret-{demo_password}"


async def seed(ctx: ServiceContext) -> None:
    if ctx.settings.env == "production" and ctx.settings.weak_demo_password():
        raise InsecureConfiguration(
            f"refusing to seed demo accounts in production with the development password or one shorter than "
            f"{MIN_SECRET_LENGTH} characters (GATEWAY_DEMO_PASSWORD)"
        )
    passwords.configure(ctx.settings)  # seeding may run before (or without) the app
    password = ctx.settings.demo_password
    org = getattr(ctx, "org", None) or county.registry(ctx.settings.county_dir)
    password_hash = await hash_secret(password)  # one hash for all demo users keeps the seed fast
    now = utcnow()
    privileged = privileged_roles(load_policy())
    async with ctx.db.transaction() as session:
        existing = set((await session.scalars(select(User.username))).all())
        for demo_user in demo.users_for(org):
            if demo_user.username in existing:
                continue
            user = User(
                id=new_id(),
                username=demo_user.username,
                display_name=demo_user.display_name,
                password_hash=password_hash,
                area=township_home(demo_user.bindings[0][1]),
                created_at=now,
                updated_at=now,
            )
            if ctx.settings.env != "production" and any(role in privileged for role, _, _ in demo_user.bindings):
                # the demo administrators' second factor: devkeys.DEMO_TOTP_SECRET (in production
                # they enrol their own at /auth/mfa/enrolment)
                user.totp_secret, user.totp_enrolled = DEMO_TOTP_SECRET, True
            session.add(user)
            for role, area, dept in demo_user.bindings:
                session.add(
                    RoleBinding(
                        id=new_id(),
                        subject_id=user.id,
                        subject_kind="user",
                        role=role,
                        area=area,
                        dept=dept,
                        created_at=now,
                    )
                )
        existing_clients = set((await session.scalars(select(Client.client_id))).all())
        for demo_client in demo.clients_for(org):
            if demo_client.client_id in existing_clients:
                continue
            client = Client(
                id=new_id(),
                client_id=demo_client.client_id,
                name=demo_client.name,
                secret_hash=await hash_secret(client_secret(demo_client.client_id, password)),
                dept=demo_client.dept,
                area=org.code,
                created_at=now,
                updated_at=now,
            )
            session.add(client)
            for township in demo_client.townships:
                session.add(
                    RoleBinding(
                        id=new_id(),
                        subject_id=client.id,
                        subject_kind="client",
                        role="dept_system",
                        area=township,
                        dept=demo_client.dept,
                        created_at=now,
                    )
                )
