"""Dates, times and numbers per language (FORMAT_MODULE_PATH in config/settings.py).

Every `date` filter, `formats.date_format` and form field reads these, in Django
templates and Jinja2 pages alike: a 24-hour clock everywhere, English day/month/year
(en-GB style, 06/12/2026 14:12), French as in France, or as in Belgium with
ECMP_FRENCH_FORMAT=be (`be/fr/formats.py` only says what differs).
"""
