"""Mastodon follow requests: fetch the pending ones, screen the requesting accounts, authorize or reject."""
