from assessment.config import AssessmentSettings
from assessment.models import metadata
from jiceng_shared.migrations import run_env

run_env(metadata, AssessmentSettings)
