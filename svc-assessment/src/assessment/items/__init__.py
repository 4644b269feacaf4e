"""The published list (签订责任书清单 / 一票否决) and manual ratings against it."""
