"""Applications at the window: receipt, one-time notice, acceptance, deadlines, decision, hand-out."""
