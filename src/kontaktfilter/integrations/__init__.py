"""Integrations that bring requests into the inbox without hand-made exports: invitation e-mails read
over IMAP (`imap`) and follow requests of a locked Mastodon account (`mastodon`)."""

from ._inbox import IncomingRequest, Stored, reconcile_mail_invitations, store_requests

__all__ = ["IncomingRequest", "Stored", "reconcile_mail_invitations", "store_requests"]
