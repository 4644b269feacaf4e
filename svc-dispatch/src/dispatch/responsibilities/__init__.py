"""The territorial responsibility list (属地管理 主体责任/配合责任清单), versioned."""
