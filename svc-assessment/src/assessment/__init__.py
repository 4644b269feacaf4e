"""svc-assessment: Assessment (考核)."""
