"""svc-enforcement: Comprehensive administrative enforcement (综合执法一队伍)."""
