"""What each marketplace prints: words, dates, money. The words are docs/rules.md's and the
same as the Japanese test pages in tests/fixtures/amazon.co.jp; amazon.co.uk's are the
British ones issue 9 names ("Dispatched", "Dispatch to", dates as "16 December 2025")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from zoneinfo import ZoneInfo

_MONTHS = (
    *("January", "February", "March", "April", "May", "June"),
    *("July", "August", "September", "October", "November", "December"),
)
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
# How each currency's amounts are printed: amazon.ca prints its own dollars as "CDN$ 19.95",
# so that a bare "$" there is a US dollar (issue 9).
_MONEY = {"USD": "${:,.2f}", "GBP": "£{:,.2f}", "CAD": "CDN$ {:,.2f}"}


@dataclass(frozen=True)
class Locale:
    marketplace: str
    lang: str
    """The <html lang> value."""
    body_class: str
    zone: ZoneInfo
    currency: str
    words: dict[str, str]
    """Label name → text; some hold {date}, {count} or {carrier} placeholders."""
    handover_said: bool
    """Whether the plain "delivered" detail line says it was handed over (amazon.com's
    "handed to resident"); amazon.co.jp's 「配達が完了しました」 does not say how."""
    day_first: bool = False
    """English dates day before month, as amazon.co.uk prints them ("16 December 2025")."""

    def w(self, key: str, **values: object) -> str:
        return self.words[key].format(**values)

    def full_date(self, day: date) -> str:
        if self.lang.startswith("ja"):
            return f"{day.year}年{day.month}月{day.day}日"
        if self.day_first:
            return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"
        return f"{_MONTHS[day.month - 1]} {day.day}, {day.year}"

    def short_date(self, day: date) -> str:
        """A date without its year, as delivery lines print it."""
        if self.lang.startswith("ja"):
            return f"{day.month}月{day.day}日"
        if self.day_first:
            return f"{day.day} {_MONTHS[day.month - 1]}"
        return f"{_MONTHS[day.month - 1]} {day.day}"

    def release(self, day: date) -> str:
        """A pre-order's release line; amazon.co.uk names the weekday ("Release date:
        Thursday, 16 April 2020", docs/rules.md)."""
        return self.w("release", date=self.full_date(day), weekday=_WEEKDAYS[day.weekday()])

    def slash_date(self, day: date) -> str:
        """The digital order summary's form (2024/10/30 on amazon.co.jp)."""
        if self.lang.startswith("ja"):
            return f"{day.year}/{day.month:02d}/{day.day:02d}"
        return self.full_date(day)

    def money(self, amount: Decimal) -> str:
        if self.currency == "JPY":
            return f"￥{int(amount):,}"
        return _MONEY[self.currency].format(amount)


_JA = {
    "title_orders": "注文履歴",
    "title_details": "注文の詳細",
    "title_digital": "デジタル注文の概要",
    "account": "アカウントサービス",
    "search": "すべての注文を検索",
    "search_button": "注文を検索",
    "count": "{count}件の注文",
    "last30": "過去30日間",
    "months3": "過去3か月",
    "year": "{year}年",
    "prev": "前へ",
    "next": "次へ",
    "placed": "注文日",
    "total": "合計",
    "ship_to": "お届け先",
    "order_no": "注文番号",
    "view_details": "注文内容を表示",
    "view_edit": "注文内容の表示と変更",
    "invoice": "領収書等",
    "arriving": "お届け予定: {date}",
    "not_shipped": "未発送",
    "preparing": "発送準備中",
    "shipped": "発送済み",
    "delivered": "{date}に配達しました",
    "delivered_detail": "ご注文商品の配達が完了しました。",
    "left_at_door": "ご注文商品を玄関にお届けしました。",
    "cancelled": "キャンセル済み",
    "cancelled_detail": "商品はキャンセルされました。 これらの商品については請求されていません。",
    "preorder": "予約注文",
    "release": "発売予定日: {date}",
    "deadline": "キャンセル期限: {date}",
    "return_until": "返品期間: {date}まで",
    "cancel": "商品をキャンセル",
    "cancel_request": "キャンセルリクエスト",
    "track": "配送状況を確認",
    "buy_again": "再度購入",
    "review": "商品レビューを書く",
    "safe_place": "置き配指定",
    "problem": "注文に関する問題",
    "return_items": "商品の返品",
    "hide_order": "注文を非表示にする",
    "sold_by": "販売: {seller}",
    "subtotal": "商品の小計:",
    "shipping": "配送料・手数料:",
    "grand_total": "ご請求額:",
    "order_summary": "注文内容",
    "payment": "お支払い方法",
    "kindle_store": "Kindleストア",
    "app_store": "Amazonアプリストア",
    "music_store": "デジタルミュージック",
    "kindle_library": "コンテンツと端末の管理",
    "app_library": "アプリライブラリ",
    "music_library": "ミュージックライブラリ",
    "ordered_items": "注文商品",
    "price": "価格",
    "carrier": "配送業者: {carrier}",
    "carrier_by": "{carrier}が配送",
    "tracking_id": "伝票番号: {number}",
    "tracking_id_by": "トラッキングID: {number}",
    "in_transit": "お届け予定: {date}",
    "see_all_orders": "すべての注文を表示",
    "sign_in": "ログイン",
    "email_label": "Eメールまたは携帯電話番号",
    "password_label": "パスワード",
    "continue": "次に進む",
    "remember": "ログインしたままにする",
    "no_account": "このEメールアドレスを持つアカウントが見つかりません",
    "bad_password": "パスワードが正しくありません",
    "otp_title": "2段階認証",
    "otp_text": "認証アプリで生成されたワンタイムパスワード(OTP)を入力してください。",
    "otp_label": "OTPを入力:",
    "otp_wrong": "入力されたコードは無効です。もう一度お試しください。",
    "captcha_text": "表示されている文字を入力してください",
    "error_title": "申し訳ございません。問題が発生しました。",
    "not_found": "ページが見つかりません",
    "would_cancel": "以下の商品をキャンセルします。",
    "would_cancel_button": "チェックした商品をキャンセル",
    "would_request": "出品者にキャンセルをリクエストします。",
    "would_return": "返品する商品を選択してください。",
    "would_buy": "注文を確定する",
    "would_change": "変更を保存",
    "demo_done": "デモストア: この操作は実行されていません(要求は記録されました)。",
    "placed_by": "注文者",
    "approval_pending": "この注文は承認待ちです。",
    "approval_link": "承認リクエストを表示",
    "name": "山田 太郎",
    "address": "〒100-0001 東京都千代田区見本町1-2-3",
    "country": "日本",
}

_EN = {
    "title_orders": "Your Orders",
    "title_details": "Order Details",
    "title_digital": "Digital Order Summary",
    "account": "Your Account",
    "search": "Search all orders",
    "search_button": "Search Orders",
    "count": "{count} orders",
    "last30": "last 30 days",
    "months3": "past 3 months",
    "year": "{year}",
    "prev": "Previous",
    "next": "Next",
    "placed": "Order placed",
    "total": "Total",
    "ship_to": "Ship to",
    "order_no": "Order #",
    "view_details": "View order details",
    "view_edit": "View or edit order",
    "invoice": "View invoice",
    "arriving": "Arriving {date}",
    "not_shipped": "Not yet shipped",
    "preparing": "Preparing for Shipment",
    "shipped": "Shipped",
    "delivered": "Delivered {date}",
    "delivered_detail": "Package was handed to resident.",
    "left_at_door": "Your package was left near the front door or porch.",
    "cancelled": "Cancelled",
    "cancelled_detail": "Your order was cancelled. You have not been charged for this order.",
    "preorder": "Pre-ordered",
    "release": "Release date: {date}",
    "deadline": "Cancellation deadline: {date}",
    "return_until": "Return or replace items: Eligible through {date}",
    "cancel": "Cancel items",
    "cancel_request": "Request cancellation",
    "track": "Track package",
    "buy_again": "Buy it again",
    "review": "Write a product review",
    "safe_place": "Change delivery preferences",
    "problem": "Problem with order",
    "return_items": "Return or replace items",
    "hide_order": "Archive order",
    "sold_by": "Sold by: {seller}",
    "subtotal": "Item(s) Subtotal:",
    "shipping": "Shipping &amp; Handling:",
    "grand_total": "Grand Total:",
    "order_summary": "Order Summary",
    "payment": "Payment method",
    "kindle_store": "Kindle Store",
    "app_store": "Amazon Appstore",
    "music_store": "Digital Music",
    "kindle_library": "Go to Your Kindle Library",
    "app_library": "Your Apps Library",
    "music_library": "Your Music Library",
    "ordered_items": "Items Ordered",
    "price": "Price",
    "carrier": "Shipped with {carrier}",
    "tracking_id": "Tracking ID: {number}",
    "in_transit": "Arriving {date}",
    "see_all_orders": "See all orders",
    "sign_in": "Sign in",
    "email_label": "Email or mobile phone number",
    "password_label": "Password",
    "continue": "Continue",
    "remember": "Keep me signed in.",
    "no_account": "We cannot find an account with that email address",
    "bad_password": "Your password is incorrect",
    "otp_title": "Two-Step Verification",
    "otp_text": "Enter the One Time Password (OTP) generated by your Authenticator App.",
    "otp_label": "Enter OTP:",
    "otp_wrong": "The code you entered is not valid. Please try again.",
    "captcha_text": "Enter the characters you see below",
    "error_title": "Sorry! Something went wrong!",
    "not_found": "Page Not Found",
    "would_cancel": "Select the items you want to cancel.",
    "would_cancel_button": "Cancel checked items",
    "would_request": "Request a cancellation from the seller.",
    "would_return": "Choose items to return.",
    "would_buy": "Place your order",
    "would_change": "Save changes",
    "demo_done": "Demo store: nothing was done (the request was logged).",
    "placed_by": "Placed by",
    "approval_pending": "This order is awaiting approval.",
    "approval_link": "View approval request",
    "name": "Jane Doe",
    "address": "123 MAIN ST, ANYTOWN, ST 00000-0000",
    "country": "United States",
}

_UK = {
    **_EN,
    "ship_to": "Dispatch to",
    "invoice": "Invoice",
    "not_shipped": "Not yet dispatched",
    "preparing": "Preparing for dispatch",
    "shipped": "Dispatched",
    "delivered_detail": "Parcel was handed to resident.",
    "left_at_door": "Your parcel was left near the front door or porch.",
    "release": "Release date: {weekday}, {date}",
    "shipping": "Postage &amp; Packing:",
    "carrier": "Dispatched with {carrier}",
    "name": "Jane Smith",
    "address": "1 HIGH STREET, ANYTOWN, AB1 2CD",
    "country": "United Kingdom",
}

# amazon.ca speaks amazon.com's English; its own spelling shows in the catalogue's titles.
_CA = {
    **_EN,
    "address": "123 MAIN ST, ANYTOWN, ON A1A 1A1",
    "country": "Canada",
}

LOCALES = {
    "amazon.co.jp": Locale(
        "amazon.co.jp", "ja-jp", "a-m-jp", ZoneInfo("Asia/Tokyo"), "JPY", _JA, False
    ),
    "amazon.com": Locale(
        "amazon.com", "en-us", "a-m-us", ZoneInfo("America/Los_Angeles"), "USD", _EN, True
    ),
    "amazon.co.uk": Locale(
        "amazon.co.uk",
        "en-gb",
        "a-m-gb",
        ZoneInfo("Europe/London"),
        "GBP",
        _UK,
        handover_said=True,
        day_first=True,
    ),
    "amazon.ca": Locale(
        "amazon.ca", "en-ca", "a-m-ca", ZoneInfo("America/Toronto"), "CAD", _CA, True
    ),
}


def locale_for(marketplace: str) -> Locale:
    try:
        return LOCALES[marketplace]
    except KeyError:
        known = ", ".join(sorted(LOCALES))
        raise ValueError(f"unknown marketplace {marketplace!r}; known: {known}") from None
