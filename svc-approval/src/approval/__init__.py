"""svc-approval: One-window approval and public services (审批服务一窗口)."""
