import re
from urllib.parse import urlsplit

from django.core import mail


def last_link(path_part: str) -> str:
    """The path of the last link containing `path_part` in the last email sent."""
    assert mail.outbox, "no email was sent"
    body = mail.outbox[-1].body
    links = [link for link in re.findall(r"https?://\S+", body) if path_part in link]
    assert links, f"no link with {path_part!r} in: {body}"
    return urlsplit(links[-1]).path


def activation_path_for(user, by, capture):
    """Send `user` a fresh invitation from `by` and return the path of its link."""
    from ecmp.accounts import services

    with capture(execute=True):
        services.invitation_send(user=user, by=by)
    return last_link("/accounts/activate/")
