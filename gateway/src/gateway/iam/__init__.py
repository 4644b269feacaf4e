"""Identity administration (/api/iam/v1): users, department-system clients, bindings, audit log."""
