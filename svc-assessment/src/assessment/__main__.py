import sys

from jiceng_shared.cli import service_main

from assessment.main import spec

sys.exit(service_main(spec, "assessment.main:create_app"))
