"""Building real messages for the inbound tests, and a real SMTP server for outbound."""

import base64
import mailbox
import socket
from email.message import EmailMessage
from email.utils import formatdate, make_msgid


def build_mail(
    *,
    sender="alice@acme.test",
    to="support@ecmp.localhost",
    subject="Printer on fire",
    body="Smoke everywhere.",
    html=None,
    headers=None,
    attachments=(),
    message_id=None,
):
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = message_id or make_msgid(domain="client.test")
    for key, value in (headers or {}).items():
        message[key] = value
    if body is not None:
        message.set_content(body)
    if html is not None:
        if body is None:
            message.set_content(html, subtype="html")
        else:
            message.add_alternative(html, subtype="html")
    for name, data, maintype, subtype in attachments:
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return message.as_bytes()


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def maildir_messages(path):
    return list(mailbox.Maildir(str(path), create=False))


def dkim_keypair():
    """A fresh RSA key for DKIM: (the private key in PEM, the DNS TXT record)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private, b"v=DKIM1; k=rsa; p=" + base64.b64encode(public)
