"""好差评: one rating per finished service, rectification of every bad one, invitations to rate."""
