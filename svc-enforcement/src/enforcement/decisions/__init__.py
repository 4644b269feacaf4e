"""The decision of a case: rights notice (事先告知), legal review (法制审核), decision by procedure."""
