import sys

from enforcement.main import spec
from jiceng_shared.cli import service_main

sys.exit(service_main(spec, "enforcement.main:create_app"))
