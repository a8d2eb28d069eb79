"""Personal data (GDPR): a person's copy of their data, and erasure.

A layer of its own, between the apps that hold the data (accounts, tickets,
billing, notifications) and the pages that offer it (portal, desk): it reads
all of them, so none of them may import it.
"""
