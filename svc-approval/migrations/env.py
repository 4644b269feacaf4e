from jiceng_shared.migrations import run_env

from approval.config import ApprovalSettings
from approval.models import metadata

run_env(metadata, ApprovalSettings)
