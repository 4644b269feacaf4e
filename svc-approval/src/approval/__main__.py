import sys

from jiceng_shared.cli import service_main

from approval.main import spec

sys.exit(service_main(spec, "approval.main:create_app"))
