"""Builders for test data; the named personas live in conftest.py."""

import factory
from django.utils import timezone

from ecmp.accounts.models import Organization, Role, User

TEST_PASSWORD = "Correct-Horse-7!"


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Client {n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.test")
    full_name = factory.Faker("name")
    role = Role.CUSTOMER
    organization = factory.SubFactory(OrganizationFactory)
    activated_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def password(obj, create, extracted, **kwargs):
        obj.set_password(extracted or TEST_PASSWORD)
        if create:
            obj.save(update_fields=["password"])


class AgentFactory(UserFactory):
    role = Role.AGENT
    organization = None


def make_ticket(requester, subject="Le logiciel XYZ ne s'ouvre plus", **kwargs):
    """A ticket opened through the one door, as the portal does."""
    from ecmp.tickets.services import ticket_create

    kwargs.setdefault("description", "It crashes at start.\nSee http://example.test/log")
    return ticket_create(requester=requester, subject=subject, **kwargs)


def upload(name="screenshot.png", content=b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, content_type=None):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type=content_type or "image/png")
