"""Adapters that read the files people actually have (LinkedIn data export, JSON Lines) into plain data."""
