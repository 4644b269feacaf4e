"""Cases (案件): registration by two certified officers, rights notice, legal review, decision, closure."""
