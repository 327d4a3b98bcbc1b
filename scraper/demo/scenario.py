"""The demo's orders: every case of docs/rules.md, placed relative to the moment the store
starts, some of them moving along (cancellable → preparing → shipped) as its clock runs.

Each order is a timeline of stages; what a page shows is the stage at the clock's "now".
`expected()` says what our parser should read from the page at that moment: it is the
contract the tests hold the markup to.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Literal

from cancelwatch.scraper.demo import tracking_numbers
from cancelwatch.scraper.demo.locale import Locale, locale_for
from cancelwatch.scraper.read.carriers import Carrier
from cancelwatch.scraper.read.model import Approval, Cancellability, OrderStatus, PreOrder

# Amazon's own Seller Central rule: a buyer cancels a seller's order directly for this long.
# amazon.co.uk's help says 30 minutes too; amazon.ca takes amazon.com's rule (issue 9).
SELLER_WINDOW = {
    "amazon.co.jp": timedelta(minutes=5),
    "amazon.com": timedelta(minutes=30),
    "amazon.co.uk": timedelta(minutes=30),
    "amazon.ca": timedelta(minutes=30),
}
RETURN_DAYS = 30
# Old closed orders sit behind the open ones, one every so often, back from this age.
_HISTORY_START = timedelta(days=40)
_HISTORY_STEP = timedelta(hours=18)

Preset = Literal["full", "benchmark"]
"""Which orders a scenario starts from, before `history` adds old ones behind them:
"full", every docs/rules.md case; "benchmark", only `BENCHMARK_CASES`."""
PRESETS: tuple[Preset, ...] = ("full", "benchmark")
BENCHMARK_CASES = ("seller_window", "cancellable_soon", "preparing", "shipped_1", "preorder")
"""The benchmark preset's orders, all of them open: a long history with the same few open
orders in front, so that a check's cost can be compared across history lengths. With
`history=n` it holds 5 + n orders, every one after the first 5 closed."""

YES, NO, REQUEST = Cancellability.YES, Cancellability.NO, Cancellability.REQUEST
S = OrderStatus


class Kind(StrEnum):
    PHYSICAL = "physical"
    KINDLE = "kindle"
    APP = "app"
    MUSIC = "music"


@dataclass(frozen=True)
class Item:
    title: str
    asin: str
    price: Decimal
    seller: str


@dataclass(frozen=True)
class Parcel:
    carrier: Carrier
    printed: str
    """The carrier's name as the tracking page prints it."""
    tracking_id: str
    shipment_id: str


@dataclass(frozen=True)
class Stage:
    at: datetime
    status: OrderStatus
    cancellable: Cancellability = NO


@dataclass(frozen=True)
class Expected:
    """What parse_page should read for one order at one moment."""

    id: str
    placed_on: date
    total: Decimal
    currency: str
    status: OrderStatus
    cancellable: Cancellability
    digital: bool
    preorder: PreOrder | None
    """On the details page; the list card shows the release date only (deadline None)."""
    left_at_door: bool | None
    return_until: date | None
    tracking: tuple[str, str] | None
    """(canonical carrier, tracking ID) on the tracking page, when the order has shipped."""
    approval: Approval | None = None
    """Amazon Business orders: where the order stands with its approver."""


@dataclass(frozen=True)
class DemoOrder:
    id: str
    case: str
    """Which docs/rules.md case it shows, e.g. "seller_window"; "history" for old orders."""
    placed_at: datetime
    kind: Kind
    items: tuple[Item, ...]
    stages: tuple[Stage, ...]
    parcel: Parcel | None = None
    arriving_on: date | None = None
    release_on: date | None = None
    cancel_deadline: date | None = None
    left_at_door: bool = False
    seller_id: str | None = None
    placed_by: str | None = None
    """Amazon Business orders: the buyer who placed it, printed in its own column."""
    approval: Approval | None = None
    """Amazon Business orders: the approval box's state; None for a consumer order."""

    @property
    def digital(self) -> bool:
        return self.kind is not Kind.PHYSICAL

    @property
    def total(self) -> Decimal:
        return sum((i.price for i in self.items), Decimal(0))

    def stage(self, now: datetime) -> Stage:
        current = self.stages[0]
        for stage in self.stages:
            if stage.at <= now:
                current = stage
        return current

    def delivered_on(self, locale: Locale, now: datetime) -> date | None:
        stage = self.stage(now)
        if stage.status is not S.DELIVERED:
            return None
        return stage.at.astimezone(locale.zone).date()

    def return_until(self, locale: Locale, now: datetime) -> date | None:
        """Printed only while the return window is open."""
        delivered = self.delivered_on(locale, now)
        if delivered is None or self.digital:
            return None
        until = delivered + timedelta(days=RETURN_DAYS)
        return until if until >= now.astimezone(locale.zone).date() else None

    def shipped(self, now: datetime) -> bool:
        return self.parcel is not None and self.stage(now).status in (S.SHIPPED, S.DELIVERED)

    def cancel_url(self, now: datetime) -> str | None:
        mode = self.stage(now).cancellable
        if mode is YES:
            return f"/progress-tracker/package/preship/cancel-items?orderID={self.id}"
        if mode is REQUEST:
            return f"/ss/help/contact/?orderId={self.id}&sellerID={self.seller_id}&cancelRequest=1"
        return None

    def tracking_url(self, now: datetime) -> str | None:
        if self.parcel is None or not self.shipped(now):
            return None
        return (
            f"/progress-tracker/package?_encoding=UTF8&itemId={self.items[0].asin}"
            f"&orderId={self.id}&packageIndex=0&shipmentId={self.parcel.shipment_id}"
        )

    def expected(self, locale: Locale, now: datetime) -> Expected:
        stage = self.stage(now)
        preorder = PreOrder(self.release_on, self.cancel_deadline) if self.release_on else None
        door: bool | None = None
        if stage.status is S.DELIVERED and not self.digital:
            door = True if self.left_at_door else (False if locale.handover_said else None)
        tracking = None
        if self.parcel is not None and self.shipped(now):
            tracking = (self.parcel.carrier.value, self.parcel.tracking_id)
        return Expected(
            id=self.id,
            placed_on=self.placed_at.astimezone(locale.zone).date(),
            total=self.total,
            currency=locale.currency,
            # Digital orders have no shipment box, so their pages carry no status at all.
            status=S.UNKNOWN if self.digital else stage.status,
            cancellable=stage.cancellable,
            digital=self.digital,
            preorder=preorder,
            left_at_door=door,
            return_until=self.return_until(locale, now),
            tracking=tracking,
            approval=self.approval,
        )


@dataclass(frozen=True)
class Scenario:
    marketplace: str
    start: datetime
    orders: tuple[DemoOrder, ...]
    """Newest first, as the order list shows them."""
    base_count: int
    """Orders before the `history` ones were added."""

    def find(self, order_id: str) -> DemoOrder | None:
        return next((o for o in self.orders if o.id == order_id), None)

    def by_case(self, case: str) -> DemoOrder:
        return next(o for o in self.orders if o.case == case)

    def listed(self, now: datetime, time_filter: str) -> list[DemoOrder]:
        """The orders a time filter shows: `last30`, `months-3` or `year-YYYY`."""
        zone = locale_for(self.marketplace).zone
        if time_filter.startswith("year-") and time_filter[5:].isdigit():
            year = int(time_filter[5:])
            # An order placed later in the run (`with_seller_order`) is not listed before it.
            return [
                o
                for o in self.orders
                if o.placed_at.astimezone(zone).year == year and o.placed_at <= now
            ]
        days = 30 if time_filter == "last30" else 90
        return [o for o in self.orders if now - timedelta(days=days) <= o.placed_at <= now]

    def with_seller_order(self, at: datetime) -> tuple[Scenario, DemoOrder]:
        """This scenario and a new third-party seller order placed at `at` (later than
        the start: the store shows it, and mails it, from then on), inside its seller
        window for the marketplace's minutes, then request-only."""
        b = _Builder(self.marketplace, at, seed=f"late:{len(self.orders)}")
        window = SELLER_WINDOW[self.marketplace]
        order = b.physical(
            "seller_mail",
            timedelta(0),
            [(timedelta(0), S.PENDING, YES), (window, S.PENDING, REQUEST)],
            seller_id="A1DEMOSELLER",
        )
        orders = sorted((*self.orders, order), key=lambda o: o.placed_at, reverse=True)
        return replace(self, orders=tuple(orders)), order

    def years(self) -> list[int]:
        zone = locale_for(self.marketplace).zone
        return sorted({o.placed_at.astimezone(zone).year for o in self.orders}, reverse=True)


# ---- building it ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Catalogue:
    prefixes: tuple[str, ...]
    items: dict[str, tuple[str, str]]
    """case → (title, price)"""
    sold_by_amazon: str
    seller: str
    carriers: dict[str, tuple[Carrier, str]]
    """case → (carrier, printed name)"""
    history_titles: tuple[tuple[str, str], ...]
    placed_by: str | None = None
    """Who places the catalogue's Amazon Business order (its "business" item); None where
    the demo account shops as a consumer only."""


_JP = _Catalogue(
    prefixes=("249", "250", "503"),
    items={
        "cancellable_soon": (
            "見本ブランド ワイヤレスイヤホン Bluetooth 5.3 ノイズキャンセリング ブラック",
            "10618",
        ),
        "seller_window": ("見本レザー工房 手作り 本革 名刺入れ キャメル", "3280"),
        "seller_mail": ("見本レザー工房 手作り 本革 キーケース ブラウン", "2980"),
        "preparing": ("見本家電 電気ケトル 1.0L ホワイト", "4280"),
        "preorder": ("見本ゲーム 限定版 (特典付き)", "7480"),
        "shipped_1": ("見本キッチン ステンレス製 計量スプーン 5本セット", "2178"),
        "shipped_2": ("見本家具 折りたたみデスク 幅80cm", "15980"),
        "shipped_3": ("見本書房 はじめての統計学 (単行本)", "1320"),
        "shipped_4": ("見本スポーツ ヨガマット 10mm", "4999"),
        "delivered": ("見本キャンプ LEDランタン 充電式", "6980"),
        "left_at_door": ("見本日用品 食器用洗剤 詰め替え 1.5L", "2530"),
        "cancelled": ("見本文具 ゲルインクボールペン 0.5mm 10本パック", "1980"),
        "kindle": ("見本の物語 上 (サンプル文庫) Kindle版", "1650"),
        "app": ("見本パズル Pro", "480"),
        "music": ("見本アーティスト 見本アルバム", "2200"),
    },
    sold_by_amazon="Amazon.co.jp",
    seller="見本レザー工房",
    carriers={
        "cancellable_soon": (Carrier.YAMATO, "ヤマト運輸"),
        "preparing": (Carrier.JAPAN_POST, "日本郵便"),
        "shipped_1": (Carrier.YAMATO, "ヤマト運輸"),
        "shipped_2": (Carrier.SAGAWA, "佐川急便"),
        "shipped_3": (Carrier.JAPAN_POST, "日本郵便"),
        "shipped_4": (Carrier.AMAZON_JP, "Amazon"),
        "delivered": (Carrier.YAMATO, "ヤマト運輸"),
        "left_at_door": (Carrier.AMAZON_JP, "Amazon"),
    },
    history_titles=(
        ("見本日用品 ティッシュペーパー 5箱パック", "498"),
        ("見本書房 見本の料理帖 (文庫)", "880"),
        ("見本電機 USB-C ケーブル 1m", "1180"),
        ("見本食品 ドリップコーヒー 50袋", "1650"),
    ),
)

_US = _Catalogue(
    prefixes=("111", "112", "113", "114"),
    items={
        "cancellable_soon": (
            "Sample Brand Wireless Earbuds, Bluetooth 5.3, Noise Cancelling, Black",
            "79.99",
        ),
        "seller_window": ("Sample Leather Works Handmade Card Holder, Camel", "23.47"),
        "seller_mail": ("Sample Leather Works Handmade Key Case, Brown", "19.99"),
        "preparing": ("Sample Home Electric Kettle, 1.0 L, White", "34.99"),
        "preorder": ("Sample Game Limited Edition (with Bonus)", "59.99"),
        "shipped_1": ("Sample Kitchen Stainless Steel Measuring Spoons, Set of 5", "12.99"),
        "shipped_2": ("Sample Books: Statistics for Beginners (Paperback)", "18.50"),
        "shipped_3": ("Sample Furniture Folding Desk, 31 inch", "129.00"),
        "shipped_4": ("Sample Sports Yoga Mat, 10 mm", "29.95"),
        "delivered": ("Sample Camping LED Lantern, Rechargeable", "45.00"),
        "left_at_door": ("Sample Household Dish Soap Refill, 50 fl oz", "15.49"),
        "cancelled": ("Sample Office Gel Pens, 0.5 mm, 10 Pack", "9.99"),
        "kindle": ("The Sample Story: Part One (Kindle Edition)", "11.99"),
        "app": ("Sample Puzzle Pro", "2.99"),
        "music": ("Sample Artist: Sample Album", "9.49"),
    },
    sold_by_amazon="Amazon.com Services, Inc",
    seller="Sample Leather Works",
    carriers={
        "cancellable_soon": (Carrier.UPS, "UPS"),
        "preparing": (Carrier.USPS, "USPS"),
        "shipped_1": (Carrier.UPS, "UPS"),
        "shipped_2": (Carrier.USPS, "USPS"),
        "shipped_3": (Carrier.FEDEX, "FedEx"),
        "shipped_4": (Carrier.AMAZON_LOGISTICS, "Amazon"),
        "delivered": (Carrier.UPS, "UPS"),
        "left_at_door": (Carrier.AMAZON_LOGISTICS, "Amazon"),
    },
    history_titles=(
        ("Sample Household Facial Tissues, 5 Boxes", "8.49"),
        ("Sample Books: The Sample Cookbook (Paperback)", "14.99"),
        ("Sample Electronics USB-C Cable, 3 ft", "9.99"),
        ("Sample Foods Ground Coffee, 12 oz", "11.49"),
    ),
)

_UK = _Catalogue(
    prefixes=("202", "203", "204", "205", "206"),
    items={
        "cancellable_soon": (
            "Sample Brand Wireless Earbuds, Bluetooth 5.3, Noise Cancelling, Black",
            "64.99",
        ),
        "seller_window": ("Sample Leather Works Handmade Card Holder, Tan", "19.95"),
        "seller_mail": ("Sample Leather Works Handmade Key Case, Brown", "16.95"),
        "business": ("Sample Office A4 Copier Paper, 80 gsm, 5 Reams", "24.99"),
        "preparing": ("Sample Home Electric Kettle, 1.7 Litre, Cream", "29.99"),
        "preorder": ("Sample Game Limited Edition (with Bonus)", "54.99"),
        "shipped_1": ("Sample Kitchen Stainless Steel Measuring Spoons, Set of 5", "9.49"),
        "shipped_2": ("Sample Books: Statistics for Beginners (Paperback)", "14.99"),
        "shipped_3": ("Sample Furniture Folding Desk, 80 cm, Grey", "89.00"),
        "shipped_4": ("Sample Sports Yoga Mat, 10 mm, Colour: Plum", "22.50"),
        "delivered": ("Sample Camping LED Lantern, Rechargeable", "34.00"),
        "left_at_door": ("Sample Household Washing-Up Liquid Refill, 1.5 Litre", "8.20"),
        "cancelled": ("Sample Office Gel Pens, 0.5 mm, 10 Pack", "7.99"),
        "kindle": ("The Sample Story: Part One (Kindle Edition)", "8.99"),
        "app": ("Sample Puzzle Pro", "2.49"),
        "music": ("Sample Artist: Sample Album", "7.99"),
    },
    sold_by_amazon="Amazon EU S.a.r.L., UK Branch",
    seller="Sample Leather Works Ltd",
    # Royal Mail, DPD and Evri deliver most of amazon.co.uk's parcels, but cancelwatch
    # knows no carrier of theirs yet (scraper/read/carriers.py): the demo uses those it knows.
    carriers={
        "cancellable_soon": (Carrier.AMAZON_LOGISTICS, "Amazon"),
        "preparing": (Carrier.UPS, "UPS"),
        "shipped_1": (Carrier.AMAZON_LOGISTICS, "Amazon"),
        "shipped_2": (Carrier.UPS, "UPS"),
        "shipped_3": (Carrier.FEDEX, "FedEx"),
        "shipped_4": (Carrier.AMAZON_LOGISTICS, "Amazon"),
        "delivered": (Carrier.UPS, "UPS"),
        "left_at_door": (Carrier.AMAZON_LOGISTICS, "Amazon"),
    },
    history_titles=(
        ("Sample Household Tissues, 5 Boxes", "6.49"),
        ("Sample Books: The Sample Cookbook (Paperback)", "12.99"),
        ("Sample Electronics USB-C Cable, 1 m", "7.99"),
        ("Sample Foods Ground Coffee, 227 g", "5.75"),
    ),
    placed_by="Alex Taylor",
)

_CA = _Catalogue(
    prefixes=("701", "702"),
    items={
        "cancellable_soon": (
            "Sample Brand Wireless Earbuds, Bluetooth 5.3, Noise Cancelling, Black",
            "99.99",
        ),
        "seller_window": ("Sample Leather Works Handmade Card Holder, Colour: Tan", "29.95"),
        "seller_mail": ("Sample Leather Works Handmade Key Case, Colour: Brown", "24.95"),
        "business": ("Sample Office Copy Paper, Letter, 5 Reams", "44.99"),
        "preparing": ("Sample Home Electric Kettle, 1.7 L, Grey", "49.99"),
        "preorder": ("Sample Game Limited Edition (with Bonus)", "79.99"),
        "shipped_1": ("Sample Kitchen Stainless Steel Measuring Spoons, Set of 5", "16.99"),
        "shipped_2": ("Sample Books: Statistics for Beginners (Paperback)", "24.50"),
        "shipped_3": ("Sample Furniture Folding Desk, 80 cm, Centre Drawer", "159.00"),
        "shipped_4": ("Sample Sports Yoga Mat, 10 mm, Colour: Plum", "39.95"),
        "delivered": ("Sample Camping LED Lantern, Rechargeable", "59.00"),
        "left_at_door": ("Sample Household Dish Soap Refill, 1.5 L", "18.49"),
        "cancelled": ("Sample Office Gel Pens, 0.5 mm, 10 Pack", "12.99"),
        "kindle": ("The Sample Story: Part One (Kindle Edition)", "14.99"),
        "app": ("Sample Puzzle Pro", "3.99"),
        "music": ("Sample Artist: Sample Album", "12.49"),
    },
    sold_by_amazon="Amazon.com.ca ULC",
    seller="Sample Leather Works",
    # Canada Post and Purolator deliver much of amazon.ca, but cancelwatch knows no
    # carrier of theirs yet (scraper/read/carriers.py): the demo uses those it knows.
    carriers={
        "cancellable_soon": (Carrier.AMAZON_LOGISTICS, "Amazon"),
        "preparing": (Carrier.UPS, "UPS"),
        "shipped_1": (Carrier.UPS, "UPS"),
        "shipped_2": (Carrier.AMAZON_LOGISTICS, "Amazon"),
        "shipped_3": (Carrier.FEDEX, "FedEx"),
        "shipped_4": (Carrier.AMAZON_LOGISTICS, "Amazon"),
        "delivered": (Carrier.FEDEX, "FedEx"),
        "left_at_door": (Carrier.AMAZON_LOGISTICS, "Amazon"),
    },
    history_titles=(
        ("Sample Household Facial Tissues, 5 Boxes", "10.49"),
        ("Sample Books: The Sample Cookbook (Paperback)", "19.99"),
        ("Sample Electronics USB-C Cable, 1 m", "12.99"),
        ("Sample Foods Ground Coffee, 340 g", "13.49"),
    ),
    placed_by="Sam Tremblay",
)

_CATALOGUES = {"amazon.co.jp": _JP, "amazon.com": _US, "amazon.co.uk": _UK, "amazon.ca": _CA}


class _Builder:
    """Makes orders for one marketplace; ids and numbers are seeded, so a scenario built
    twice from the same start is the same scenario."""

    def __init__(self, marketplace: str, start: datetime, seed: str = "") -> None:
        self.marketplace = marketplace
        self.locale = locale_for(marketplace)
        self.cat = _CATALOGUES[marketplace]
        self.start = start
        # `seed` apart: orders added later get ids of their own, not the first ones again.
        self.rng = random.Random(f"cancelwatch-demo:{marketplace}{seed}")
        self.today = start.astimezone(self.locale.zone).date()

    def order_id(self, digital: bool = False) -> str:
        prefix = "D01" if digital else self.rng.choice(self.cat.prefixes)
        return f"{prefix}-{self.rng.randrange(10**7):07d}-{self.rng.randrange(10**7):07d}"

    def item(self, title: str, price: str, seller: str | None = None) -> Item:
        asin = "B0" + "".join(
            self.rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789") for _ in range(8)
        )
        return Item(title, asin, Decimal(price), seller or self.cat.sold_by_amazon)

    def parcel(self, case: str) -> Parcel:
        carrier, printed = self.cat.carriers[case]
        number = tracking_numbers.make(carrier, self.rng)
        return Parcel(carrier, printed, number, f"DemoShp{self.rng.randrange(10**6):06d}")

    def local_date(self, when: datetime) -> date:
        return when.astimezone(self.locale.zone).date()

    def physical(
        self,
        case: str,
        age: timedelta,
        stages: list[tuple[timedelta, OrderStatus, Cancellability]],
        **extra: object,
    ) -> DemoOrder:
        """`stages` are (offset from the store's start, status, cancellability); the first
        applies from the moment of ordering."""
        placed = self.start - age
        title, price = self.cat.items[case]
        seller = self.cat.seller if case in ("seller_window", "seller_mail") else None
        timeline = tuple(
            Stage(placed if i == 0 else self.start + offset, status, cancel)
            for i, (offset, status, cancel) in enumerate(stages)
        )
        parcel = self.parcel(case) if case in self.cat.carriers else None
        return DemoOrder(
            id=self.order_id(),
            case=case,
            placed_at=placed,
            kind=Kind.PHYSICAL,
            items=(self.item(title, price, seller),),
            stages=timeline,
            parcel=parcel,
            arriving_on=self.local_date(placed) + timedelta(days=3),
            **extra,  # type: ignore[arg-type]
        )

    def business(self, age: timedelta) -> DemoOrder | None:
        """The Amazon Business order, awaiting its approver: no cancel control, and it
        stays pending (docs/rules.md, rule 6); None where the catalogue has none."""
        if self.cat.placed_by is None:
            return None
        return replace(
            self.physical("business", age, [(-age, S.PENDING, NO)]),
            placed_by=self.cat.placed_by,
            approval=Approval.PENDING,
        )

    def delivered(self, case: str, age: timedelta, *, door: bool = False) -> DemoOrder:
        placed = self.start - age
        title, price = self.cat.items[case]
        return DemoOrder(
            id=self.order_id(),
            case=case,
            placed_at=placed,
            kind=Kind.PHYSICAL,
            items=(self.item(title, price),),
            stages=(Stage(placed + timedelta(days=2), S.DELIVERED),),
            parcel=self.parcel(case),
            left_at_door=door,
        )

    def digital(self, case: str, kind: Kind, age: timedelta) -> DemoOrder:
        placed = self.start - age
        title, price = self.cat.items[case]
        return DemoOrder(
            id=self.order_id(digital=True),
            case=case,
            placed_at=placed,
            kind=kind,
            items=(self.item(title, price),),
            stages=(Stage(placed, S.DELIVERED),),
        )

    def history(self, index: int) -> DemoOrder:
        placed = self.start - _HISTORY_START - index * _HISTORY_STEP
        title, price = self.cat.history_titles[index % len(self.cat.history_titles)]
        return DemoOrder(
            id=self.order_id(),
            case="history",
            placed_at=placed,
            kind=Kind.PHYSICAL,
            items=(self.item(title, price),),
            stages=(Stage(placed + timedelta(days=2), S.DELIVERED),),
        )


def build_scenario(
    marketplace: str, start: datetime, history: int = 0, preset: Preset = "full"
) -> Scenario:
    """Every docs/rules.md case for `marketplace`, relative to `start`, plus `history` old
    delivered orders behind them.

    With `preset="benchmark"`, only the 5 open orders of `BENCHMARK_CASES` (each with the
    same id as in the full scenario), then the `history` old delivered ones, the newest of
    them 40 days old: 5 + `history` orders, exactly 5 of them open.
    """
    if preset not in PRESETS:
        raise ValueError(f"unknown scenario preset {preset!r}; choose from {', '.join(PRESETS)}")
    b = _Builder(marketplace, start)
    m, h, d = timedelta(minutes=1), timedelta(hours=1), timedelta(days=1)
    window = SELLER_WINDOW[marketplace]
    release = b.today + timedelta(days=50)
    orders = [
        # Inside its seller window for a few minutes, then request-only.
        b.physical(
            "seller_window",
            1 * m,
            [(-1 * m, S.PENDING, YES), (window - 1 * m, S.PENDING, REQUEST)],
            seller_id="A1DEMOSELLER",
        ),
        # Cancellable now, shipment preparation starts in 10 minutes: the window closing
        # soon, and the order that moves along while the store runs.
        b.physical(
            "cancellable_soon",
            20 * m,
            [(-20 * m, S.PENDING, YES), (10 * m, S.PREPARING, NO), (40 * m, S.SHIPPED, NO)],
        ),
        b.physical("preparing", 3 * h, [(-3 * h, S.PREPARING, NO), (6 * h, S.SHIPPED, NO)]),
        b.digital("kindle", Kind.KINDLE, 1 * d),
        b.physical("shipped_4", 1 * d + 5 * h, [(-d, S.SHIPPED, NO)]),
        b.physical("shipped_1", 2 * d, [(-d, S.SHIPPED, NO)]),
        b.physical("shipped_2", 2 * d + 2 * h, [(-d, S.SHIPPED, NO)]),
        b.physical("shipped_3", 3 * d, [(-d, S.SHIPPED, NO)]),
        b.digital("app", Kind.APP, 5 * d),
        b.digital("music", Kind.MUSIC, 6 * d),
        b.delivered("left_at_door", 7 * d, door=True),
        b.physical("cancelled", 9 * d, [(-9 * d, S.CANCELLED, NO)]),
        b.delivered("delivered", 10 * d),
        b.physical(
            "preorder",
            16 * d,
            [(-16 * d, S.PENDING, YES)],
            release_on=release,
            cancel_deadline=release - timedelta(days=31),
        ),
    ]
    business = b.business(2 * h)
    if business is not None:
        orders.append(business)
    if preset == "benchmark":
        orders = [o for o in orders if o.case in BENCHMARK_CASES]
    base = len(orders)
    orders += [b.history(i) for i in range(history)]
    orders.sort(key=lambda o: o.placed_at, reverse=True)
    return Scenario(marketplace, start, tuple(orders), base)
