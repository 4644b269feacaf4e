import sys

from grid.main import spec
from jiceng_shared.cli import service_main

sys.exit(service_main(spec, "grid.main:create_app"))
