"""The roles page of the Chinese guide (``docs/zh-CN/roles.md``), generated from the gateway's
policy tables (``jiceng_shared/policy/*.toml``) so it cannot drift from what the gateway enforces.

``python -m jiceng_shared.policydoc`` rewrites the page; ``tests/test_readme.py`` fails when the
page differs from the tables.
"""

from __future__ import annotations

import sys
from pathlib import Path

from jiceng_shared.policy import Policy, load_policy

PAGE = Path("docs/zh-CN/roles.md")

SCOPE_ZH = {"county": "县", "township": "乡镇（街道）", "village": "村（社区）", "grid": "网格"}
DEPARTMENT_ZH = {"required": "须指定", "optional": "可指定", "none": "—"}
SERVICE_ZH = {
    "gateway": "网关",
    "iam": "身份与权限",
    "webhooks": "Webhook",
    "approval": "一窗受理",
    "enforcement": "综合执法",
    "grid": "网格治理",
    "dispatch": "综合指挥",
    "assessment": "考核",
}


def _service_of(permission: str) -> str:
    return permission.split(".", 1)[0]


def roles_markdown(policy: Policy) -> str:
    """The page: one table of the roles, then each role's permissions grouped by service."""
    lines = [
        "# 角色与权限",
        "",
        "<!-- 由 `python -m jiceng_shared.policydoc` 根据 shared/src/jiceng_shared/policy/*.toml 生成，请勿手改 -->",
        "",
        "本页由网关实际执行的权限表生成（`shared/src/jiceng_shared/policy/`）。每个角色都按范围授予"
        "（一条授权 = 角色 + 区域 + 可选的部门），调用者只能看到其授权范围内的数据，范围外的对象一律返回 404。"
        "标为“特权”的角色（三员分立）只能由安全管理员在 `/api/iam/v1/admins` 创建和授权，登录须加 TOTP 动态口令。",
        "",
        "| 角色 | 中文名称 | 授予范围 | 部门 | 特权 | 权限数 |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for role in policy.roles.values():
        scopes = "、".join(SCOPE_ZH.get(s, s) for s in role.scope_levels)
        count = len(policy.role_permissions.get(role.name, frozenset()))
        privileged = "是" if role.privileged else ""
        department = DEPARTMENT_ZH.get(role.department, role.department)
        lines.append(
            f"| [`{role.name}`](#{role.name}) | {role.label_zh} | {scopes} | {department} | {privileged} | {count} |"
        )
    for role in policy.roles.values():
        lines += ["", f'<a id="{role.name}"></a>', "", f"## {role.label_zh}（`{role.name}`）", ""]
        permissions = sorted(policy.role_permissions.get(role.name, frozenset()))
        if not permissions:
            lines.append("（无业务权限：只能登录和查看本人信息。）")
            continue
        by_service: dict[str, list[str]] = {}
        for permission in permissions:
            by_service.setdefault(_service_of(permission), []).append(permission)
        for service, names in by_service.items():
            label = SERVICE_ZH.get(service, service)
            items = "；".join(f"{policy.permission_labels.get(p) or p}（`{p}`）" for p in names)
            lines.append(f"- **{label}**：{items}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    target = Path((argv or sys.argv[1:] or [str(PAGE)])[0])
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(roles_markdown(load_policy()), encoding="utf-8")
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
