"""env_bool: the accepted yes/no words, the default when unset or empty, and a
clear refusal (naming the variable) for anything else (issue 17, section 7)."""

import importlib

import pytest
from django.core.exceptions import ImproperlyConfigured

import config.settings
from ecmp.core.env import env_bool

NAME = "ECMP_TEST_FLAG"


@pytest.mark.parametrize("value", ["1", "true", "TRUE", "True", "yes", "Yes", "on", "ON", " on "])
def test_yes_words_are_true(monkeypatch, value):
    monkeypatch.setenv(NAME, value)
    assert env_bool(NAME, False) is True


@pytest.mark.parametrize("value", ["0", "false", "FALSE", "no", "No", "off", "Off", " 0 "])
def test_no_words_are_false(monkeypatch, value):
    monkeypatch.setenv(NAME, value)
    assert env_bool(NAME, True) is False


@pytest.mark.parametrize("default", [True, False])
def test_unset_or_empty_is_the_default(monkeypatch, default):
    monkeypatch.delenv(NAME, raising=False)
    assert env_bool(NAME, default) is default
    monkeypatch.setenv(NAME, "")
    assert env_bool(NAME, default) is default
    monkeypatch.setenv(NAME, "   ")
    assert env_bool(NAME, default) is default


@pytest.mark.parametrize("value", ["ture", "2", "y", "enabled", "nope", "1x"])
def test_anything_else_is_refused_naming_the_variable_and_the_words(monkeypatch, value):
    monkeypatch.setenv(NAME, value)
    with pytest.raises(ImproperlyConfigured) as refused:
        env_bool(NAME, False)
    message = str(refused.value)
    assert NAME in message and repr(value) in message
    for word in ("1/0", "true/false", "yes/no", "on/off"):
        assert word in message


def test_a_typo_in_a_setting_stops_the_settings_from_loading(monkeypatch):
    monkeypatch.setenv("ECMP_SSL_REDIRECT", "ture")
    try:
        with pytest.raises(ImproperlyConfigured, match="ECMP_SSL_REDIRECT"):
            importlib.reload(config.settings)
    finally:
        monkeypatch.undo()
        importlib.reload(config.settings)
