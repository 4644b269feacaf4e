"""The front desk: window posts with their backups (AB岗) and inquiries owned by the first clerk (首问负责制)."""
