"""French as in Belgium (fr-BE), where it differs from France: the short date with
a two-digit year and no leading zero on the day (6/12/26 14:12), as CLDR's fr-BE.
The rest: config/formats/fr/formats.py."""

SHORT_DATE_FORMAT = "j/m/y"
SHORT_DATETIME_FORMAT = "j/m/y H:i"
