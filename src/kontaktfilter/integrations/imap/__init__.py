"""Invitation e-mails read over IMAP: the connection, the pluggable extractors and the watcher."""
