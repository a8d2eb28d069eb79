"""E-invoices (issue 19 §4): Factur-X (PDF/A-3 with EN 16931 CII XML) and UBL 2.1
Peppol BIS Billing 3.0, made from an issued invoice's copied details."""
