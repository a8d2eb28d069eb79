"""Attachments on an S3-compatible store (django-storages), against a real S3 server.

The server is moto's S3 server on a local port: real HTTP, real boto3 signing,
real multipart bodies. The settings come from the documented environment
variables (ecmp.core.env.s3_storage_from_env).
"""

import uuid

import pytest
from django.urls import reverse

from ecmp.core.env import s3_storage_from_env
from ecmp.tickets.attachments import delete_stored
from ecmp.tickets.models import Ticket
from tests.factories import upload
from tests.mailtools import free_port


@pytest.fixture(scope="module")
def s3_endpoint():
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def bucket(s3_endpoint, settings, monkeypatch):
    import boto3

    name = f"ecmp-{uuid.uuid4().hex[:12]}"
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        aws_access_key_id="ecmp-test",
        aws_secret_access_key="ecmp-test-secret",
        region_name="eu-west-3",
    )
    client.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": "eu-west-3"})
    for variable, value in {
        "ECMP_S3_BUCKET": name,
        "ECMP_S3_ENDPOINT_URL": s3_endpoint,
        "ECMP_S3_REGION": "eu-west-3",
        "ECMP_S3_ACCESS_KEY": "ecmp-test",
        "ECMP_S3_SECRET_KEY": "ecmp-test-secret",
        "ECMP_S3_PREFIX": "ecmp",
    }.items():
        monkeypatch.setenv(variable, value)
    settings.STORAGES = {**settings.STORAGES, "default": s3_storage_from_env()}

    def keys():
        listing = client.list_objects_v2(Bucket=name)
        return sorted(item["Key"] for item in listing.get("Contents", []))

    return keys


def test_no_bucket_means_the_filesystem(monkeypatch):
    monkeypatch.delenv("ECMP_S3_BUCKET", raising=False)
    assert s3_storage_from_env() is None


def test_attachments_are_stored_in_the_bucket_and_served_through_the_checked_view(
    bucket, client_for, alice, carol
):
    data = b"ERROR 42 at line 7\n" * 100
    response = client_for(alice).post(
        reverse("portal:ticket-new"),
        {
            "subject": "Printer log",
            "description": "See the log",
            "priority": 2,
            "files": [upload("app.log", data, "text/plain")],
        },
    )
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    attachment = ticket.attachments.get()
    assert bucket() == [f"ecmp/{attachment.file.name}"]

    url = reverse("portal:attachment-download", args=[ticket.number, attachment.pk])
    download = client_for(alice).get(url)
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == data
    assert client_for(carol).get(url).status_code == 404


def test_a_refused_upload_writes_nothing_and_cleanup_deletes_from_the_bucket(
    bucket, client_for, alice
):
    response = client_for(alice).post(
        reverse("portal:ticket-new"),
        {
            "subject": "Two files",
            "description": "One is a program",
            "priority": 2,
            "files": [upload("fine.png"), upload("setup.exe", b"MZ\x90\x00" + b"\x00" * 60)],
        },
    )
    assert "setup.exe" in response.content.decode()
    assert not Ticket.objects.exists() and bucket() == []

    client_for(alice).post(
        reverse("portal:ticket-new"),
        {"subject": "One", "description": "x", "priority": 2, "files": [upload("a.png")]},
    )
    assert len(bucket()) == 1
    # What a failed transaction does with the files it had stored (no orphans).
    delete_stored(list(Ticket.objects.get().attachments.all()))
    assert bucket() == []
