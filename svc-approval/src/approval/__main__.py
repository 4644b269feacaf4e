import sys

from approval.main import spec
from jiceng_shared.cli import service_main

sys.exit(service_main(spec, "approval.main:create_app"))
