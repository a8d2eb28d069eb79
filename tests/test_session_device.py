"""The session's device, read by a statement compiled once (accounts/session_device.py),
is the one django-otp reads: same instance values, same refusals."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice

from ecmp.accounts import twofactor
from ecmp.accounts.session_device import session_device
from tests.conftest import signed_in

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def _values(device):
    return {f.attname: getattr(device, f.attname) for f in type(device)._meta.concrete_fields}


def test_the_device_read_is_django_otps(agnes):
    totp = twofactor.enrol_demo_authenticator(user=agnes, secret=SECRET)
    twofactor.backup_codes_create(user=agnes)
    static = StaticDevice.objects.get(user=agnes)
    for device in (totp, static):
        ours = session_device(device.persistent_id)
        theirs = Device.from_persistent_id(device.persistent_id)
        assert type(ours) is type(theirs)
        assert _values(ours) == _values(theirs)
        assert ours.confirmed is True
    for junk in (
        "",
        "nonsense",
        "otp_totp.totpdevice/x",
        "otp_totp.totpdevice/999999",
        "accounts.user/1",
        "nope.nope/1",
        f"{totp.persistent_id}/1",
    ):
        assert session_device(junk) is None, junk
    # (django-otp's own read fails on a model that is not a device: ours says None.)


@pytest.mark.parametrize("change", ["delete", "unconfirm", "other user"])
def test_a_session_whose_device_is_gone_is_no_longer_verified(agnes, adam, change):
    device = twofactor.enrol_demo_authenticator(user=agnes, secret=SECRET)
    client = signed_in(agnes)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    desk = reverse("desk:home")
    assert client.get(desk).wsgi_request.user.is_verified()
    if change == "delete":
        device.delete()
    elif change == "unconfirm":
        type(device).objects.filter(pk=device.pk).update(confirmed=False)
    else:
        type(device).objects.filter(pk=device.pk).update(user=adam)
    assert not client.get(desk).wsgi_request.user.is_verified()
    assert DEVICE_ID_SESSION_KEY not in client.session
