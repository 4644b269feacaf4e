"""Summons (街乡吹哨、部门报到, loop 4): the township summons departments to a ticket; each reports within its limit."""
