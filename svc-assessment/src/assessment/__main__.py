import sys

from assessment.main import spec
from jiceng_shared.cli import service_main

sys.exit(service_main(spec, "assessment.main:create_app"))
