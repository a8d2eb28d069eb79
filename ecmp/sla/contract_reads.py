"""Whether a client has a contract, in a statement compiled once per process
(core/prepared.py): most clients have none, and the client page then needs no
history read through the ORM (about 0.3 ms to build and compile, with its
prefetches)."""

from __future__ import annotations

from ecmp.core.prepared import prepared
from ecmp.sla.contract_selectors import contract_history

_ANY_VERSION = prepared(
    lambda organization_id: contract_history(organization_id).order_by().values_list("pk")[:1],
    arity=1,
)


def has_contract(organization_id: int) -> bool:
    """Whether `contract_history(organization_id)` holds any version."""
    return bool(_ANY_VERSION.rows(organization_id))
