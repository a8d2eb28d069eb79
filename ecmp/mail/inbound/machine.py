"""Mail a program sent without saying so (no RFC 3834 headers): cron, a tool, noreply.

It is not noise: a registered client's monitoring may rightly open a ticket. But
answering it is pointless at best and a mail loop at worst, so the router never
answers such mail. The reason is English on purpose: it is stored, not shown as a
sentence.
"""

from __future__ import annotations

# Headers that only programs write: one of them is enough.
_TOOL_HEADERS = {
    "x-cron-env": "cron",
    "x-jira-fingerprint": "Jira",
    "x-github-reason": "GitHub",
    "x-github-sender": "GitHub",
    "x-bugzilla-product": "Bugzilla",
    "x-redmine-project": "Redmine",
    "x-jenkins-job": "Jenkins",
    "x-sentry-project": "Sentry",
    "x-pagerduty-incident": "PagerDuty",
    "x-servicenow-generated": "ServiceNow",
    "x-mailchimp-campaign": "Mailchimp",
    "x-mc-user": "Mailchimp",
    "x-campaign": "a mailing campaign",
    "x-auto-response-suppress": "a program asking for no auto-reply",
}
_TOOL_PREFIXES = {
    "x-gitlab-": "GitLab",
    "x-zabbix-": "Zabbix",
    "x-nagios-": "Nagios",
    "x-icinga-": "Icinga",
    "x-jenkins-": "Jenkins",
    "x-bugzilla-": "Bugzilla",
    "x-redmine-": "Redmine",
    "x-sentry-": "Sentry",
}
_BULK_PRECEDENCE = {"bulk", "list", "junk"}
# Local parts that no person reads, compared without "+tag" and separators.
_ROBOTS = {
    "noreply",
    "donotreply",
    "nereplypas",
    "mailerdaemon",
    "cron",
    "root",
    "notifications",
    "notification",
    "notify",
    "alerts",
    "alert",
    "daemon",
    "nobody",
    "bounce",
    "bounces",
}


def _local_part(address: str) -> str:
    local = address.rpartition("@")[0].split("+", 1)[0]
    return local.replace("-", "").replace("_", "").replace(".", "")


def machine_reason(header_names: set[str], headers: dict[str, str], sender: str) -> str:
    """Why this mail looks machine-written ("" if it does not).

    `header_names`: every header's name, lowercased; `headers`: the decoded, lowercased
    values of the few this needs (precedence, list-id, list-unsubscribe).
    """
    for name, tool in _TOOL_HEADERS.items():
        if name in header_names:
            return f"{tool} ({name})"
    for name in header_names:
        if name.startswith("x-"):
            for prefix, tool in _TOOL_PREFIXES.items():
                if name.startswith(prefix):
                    return f"{tool} ({name})"
    precedence = headers.get("precedence", "").strip()
    if precedence in _BULK_PRECEDENCE:
        return f"Precedence: {precedence}"
    if "list-id" in header_names or "list-unsubscribe" in header_names:
        return "mailing list"
    local = _local_part(sender)
    if local in _ROBOTS or local.startswith(("noreply", "donotreply")):
        return f"sent by {sender.partition('@')[0]}"
    return ""
