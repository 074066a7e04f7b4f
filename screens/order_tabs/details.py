"""Details tab: every order field, times in UTC."""

from __future__ import annotations

import json

from orderview.widgets.field_list import FieldList
from orderview.widgets.fmt import utc, yes_no
from textual.app import ComposeResult
from textual.containers import VerticalScroll

from orderview.services.views import OrderDetail

ORDER_TYPES = {"normal": "normal", "api_trial": "API trial (trial-key request)"}


def order_fields(detail: OrderDetail) -> list[tuple[str, object]]:
    metadata = (
        json.dumps(detail.metadata, ensure_ascii=False, sort_keys=True) if detail.metadata else ""
    )
    return [
        ("Order ID", detail.store_id),
        ("Reference", detail.reference),
        ("Order type", ORDER_TYPES.get(detail.order_type, detail.order_type)),
        ("Test order", yes_no(detail.is_test)),
        ("Trial order", yes_no(detail.is_trial)),
        ("Campaign params", detail.campaign_params),
        ("Download ID", detail.download_id),
        ("Language", detail.language),
        ("Customer", detail.customer.display_name if detail.customer else "no customer"),
        ("Licenses", f"{detail.license_count:,}"),
        ("Managers", f"{len(detail.managers):,}"),
        ("Created", utc(detail.created_at, seconds=True)),
        ("Updated", utc(detail.updated_at, seconds=True)),
        ("Version", detail.version),
        ("Metadata", metadata),
    ]


class DetailsPane(VerticalScroll):
    DEFAULT_CSS = "DetailsPane { height: 1fr; }"

    def compose(self) -> ComposeResult:
        yield FieldList(id="order-fields")

    def show(self, detail: OrderDetail) -> None:
        self.query_one(FieldList).show_fields(order_fields(detail))
