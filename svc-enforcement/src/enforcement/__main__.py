import sys

from jiceng_shared.cli import service_main

from enforcement.main import spec

sys.exit(service_main(spec, "enforcement.main:create_app"))
