"""`python -m kontaktfilter.moderation` runs the moderation CLI on its own."""

from .cli import app

app(prog_name="kontaktfilter moderation")
