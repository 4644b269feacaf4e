from approval.config import ApprovalSettings
from approval.models import metadata
from jiceng_shared.migrations import run_env

run_env(metadata, ApprovalSettings)
