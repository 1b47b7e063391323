"""Locator for the YAML/SQL configuration shipped as package data."""
from pathlib import Path

CONFIG_DIR = Path(__file__).resolve().parent
