"""The whole-process record (全过程记录) of a case: append-only entries chained by hash."""
