from jiceng_shared.migrations import run_env

from assessment.config import AssessmentSettings
from assessment.models import metadata

run_env(metadata, AssessmentSettings)
