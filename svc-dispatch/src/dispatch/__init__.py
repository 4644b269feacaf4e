"""svc-dispatch: The command centre (指挥调度一中心)."""
