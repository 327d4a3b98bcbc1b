"""The words of windows and advice, in English and Japanese (`EN`, `JA`).

Kept apart from `policy` so the rules read as rules and the texts can be reviewed (or
translated) on their own. Japanese uses the labels Amazon itself shows (商品をキャンセル,
キャンセルリクエスト, 配送状況を確認, 商品の返品, 受け取り拒否, 置き配); English uses
amazon.com's (Cancel items, Request cancellation, Track package, Return or replace items).
A claim only the article cancelwatch grew from makes starts with its source (`_EN_ARTICLE`,
`_JA_ARTICLE`) and then says what Amazon's help says, so nobody reads it as Amazon's word
(docs/rules.md, "Where the article is wrong").
"""

from __future__ import annotations

from collections.abc import Mapping

_EN_ARTICLE = "A popular article says"
_JA_ARTICLE = "ある人気記事では"

EN: Mapping[str, str] = {
    # -- durations and names -------------------------------------------------------------
    "minutes": "{n} minutes",
    "minute": "1 minute",
    "hours": "{n} hours",
    "hour": "1 hour",
    "days": "{n} days",
    "day": "1 day",
    "the_seller": "the seller",
    "the_carrier": "the carrier",
    # -- the cancel window's reason ------------------------------------------------------
    "cancelled": "The order is cancelled.",
    "request_only": (
        'The page offers only "Request cancellation": the seller decides whether to cancel.'
    ),
    "us_seller_autocancel": (
        " If the seller has not shipped it 7 days after the expected ship date, Amazon"
        " cancels the order."
    ),
    "open_user": "Cancellable now; you set the deadline yourself: {when}.",
    "open_page_deadline": (
        "Cancellable now; the page states this pre-order's cancel deadline: {date}"
        " (until the end of that day, {zone})."
    ),
    "open_offset": (
        'Cancellable now; your rule for "{key}" closes it {offset} before the release'
        " on {release}: {when}."
    ),
    "open_preorder_lead": (
        "Cancellable now. Pre-order released on {release}: Amazon starts preparing the"
        " shipment about 1–2 days before release, so cancelwatch estimates the window"
        " closes {lead} before, at {when}."
    ),
    "open_preorder_unknown": (
        "Cancellable now. Pre-order with no release date or deadline on the page: it can be"
        " cancelled until Amazon starts preparing the shipment. Set a deadline by hand if"
        " the item states one."
    ),
    "open_seller_seen": (
        "Cancellable now. Third-party seller order ({seller}): on {marketplace} you can"
        ' cancel it directly for {window} after ordering, then only "Request cancellation".'
        " cancelwatch first saw the order at {seen}, so the direct cancel closes no later"
        " than {when}."
    ),
    "open_seller_mailed": (
        "Cancellable now. Third-party seller order ({seller}): on {marketplace} you can"
        ' cancel it directly for {window} after ordering, then only "Request cancellation".'
        " Its order mail says it was placed at {seen}, so the direct cancel closes at {when}."
    ),
    "open_seller_approved": (
        "Cancellable now. Third-party seller order ({seller}), approved on Amazon Business:"
        " on {marketplace} you can cancel it directly for {window} after the seller gets it,"
        ' then only "Request cancellation". cancelwatch first saw it approved at {seen}, so'
        " the direct cancel closes no later than {when}."
    ),
    "open_seller_day": (
        "Cancellable now. Third-party seller order ({seller}): on {marketplace} you can"
        ' cancel it directly for {window} after ordering, then only "Request cancellation".'
        " cancelwatch knows only the order day ({date}) and counts from its start: {when}."
        " The real close may be later that day."
    ),
    "open_seller_unknown": (
        "Cancellable now. Third-party seller order ({seller}): cancelwatch knows no"
        ' direct-cancel window on {marketplace}; after it, only "Request cancellation".'
    ),
    "open_ordinary": (
        "Cancellable now, until Amazon starts preparing the shipment; the page does not say"
        " when that will be."
    ),
    "open_history": (
        "Cancellable now, until Amazon starts preparing the shipment. It usually closes about"
        " {median} after ordering, from your last {count} orders on {marketplace}; 1 in 10"
        " closed within {early}, so cancelwatch estimates it closes at {when}."
    ),
    "overdue": (
        ' The page still offers "Cancel items" after that estimate, so it may close at any moment.'
    ),
    "kindle_refund": (
        "Kindle book: a refund can be requested within {days} days including the order day"
        " ({date}), at Amazon's discretion: until the end of {last} ({zone})."
    ),
    "kindle_refund_over": (
        "Kindle book: the {days}-day refund period (order day included) ended with {last}."
    ),
    "kindle_refund_no_date": (
        "Kindle book: a refund can be requested within {days} days including the order day,"
        " at Amazon's discretion; the page shows no order date."
    ),
    "kindle_preorder": (
        "Kindle pre-order: cancellable before its release on {release}, until {when}"
        " (unverified: Amazon's help does not confirm it)."
    ),
    "kindle_preorder_released": (
        "Kindle pre-order: released on {release}, so it can no longer be cancelled (unverified)."
    ),
    "kindle_preorder_no_date": (
        "Kindle pre-order: cancellable before release (unverified); the page shows no release date."
    ),
    "digital_app": (
        f"Appstore app: the page offers no cancel control. {_EN_ARTICLE} an app can't be"
        " cancelled once bought; Amazon's help does not say so."
    ),
    "digital_music": (
        f"Digital music: the page offers no cancel control. {_EN_ARTICLE} music can't be"
        " cancelled once bought; Amazon's help does not say so."
    ),
    "digital_closed": "Digital order: the page offers no cancel control.",
    "closed_preparing": (
        "Amazon has started preparing the shipment: it can no longer be cancelled on Amazon."
    ),
    "closed_shipped": "It has shipped: it can no longer be cancelled on Amazon.",
    "closed_delivered": "It has been delivered.",
    "closed_returned": "It has been returned.",
    "closed_no_control": "The page offers no cancel control.",
    "closed_preorder": (
        "The page offers no cancel control for this pre-order; its cancel deadline may have passed."
    ),
    # -- Amazon Business approval ---------------------------------------------------------
    "approval_pending": (
        "Awaiting approval (Amazon Business): your approver decides whether it goes ahead,"
        " not you. Unapproved, it cancels itself {by}."
    ),
    "approval_by_day": ("{days} days after it was placed ({date}): on {day}, no later than {when}"),
    "approval_by_seen": (
        "{days} days after it was placed: no later than {when}, counted from when cancelwatch"
        " first saw it (the page shows no order date)"
    ),
    "approval_by_unknown": "{days} days after it was placed (the page shows no order date)",
    "approval_overdue": (
        " The page still shows it awaiting approval after that, so it may be cancelled at"
        " any moment."
    ),
    "approval_rejected": (
        "Your approver rejected this order (Amazon Business): it will not go ahead, so there"
        " is nothing to cancel."
    ),
    # -- the return window's reason ------------------------------------------------------
    "return_open": (
        "Return or replace items: eligible through {date} (until the end of that day, {zone})."
    ),
    "return_closed": "The return window ended with {date}.",
    # -- steps ---------------------------------------------------------------------------
    "before": " before {when}",
    "before_page": " before {when}: the order's page states {date} as the last day",
    "step_cancel": 'Open order {order_id} and choose "Cancel items"{before}.',
    "step_history_sure": (
        "That time is cancelwatch's estimate from your own orders, not Amazon's word: of your"
        " last {count} orders on {marketplace}, preparation started between {early} and"
        " {late} after ordering, half of them within about {median}. The page decides: while"
        ' it offers "Cancel items" the order can be cancelled, and it may close sooner.'
    ),
    "step_seller_after": (
        'Once "Cancel items" is gone, choose "Request cancellation" and contact the seller'
        " ({seller})."
    ),
    "step_request": (
        'Choose "Request cancellation" on order {order_id}; the seller ({seller}) decides.'
    ),
    "step_contact_seller": "Contact the seller ({seller}) and ask them to cancel before shipping.",
    "step_if_ships": "If it ships anyway, refuse the delivery or return it after receipt.",
    "step_kindle_refund": (
        'Request the refund under "Manage Your Content and Devices" ("Return for Refund")'
        " or ask customer service{before}."
    ),
    "step_kindle_preorder": (
        'Cancel the pre-order under "Manage Your Content and Devices" or on order'
        " {order_id}{before}."
    ),
    "step_digital_cs": "If you bought it by mistake, ask customer service.",
    "step_cancelled": "Nothing to do: the order is cancelled and you have not been charged.",
    "step_returned": "Nothing to do: it has been returned.",
    "step_cs_preparing": (
        "Contact Amazon customer service now and ask whether the order can still be stopped."
    ),
    "step_later_refuse": ("Once it ships: refuse the delivery or return it after receipt."),
    "step_amzl": ('Amazon delivers it: open "Track package" and choose "Cancel this delivery".'),
    "step_amzl_uk": (
        'Amazon delivers it: open "Track My Parcel" and choose "Cancel the Delivery".'
    ),
    "step_approval_ask": (
        "Your approver decides, not you: to stop order {order_id}, ask them to reject it on"
        " Amazon Business's approvals page (the link in the order's approval box)."
    ),
    "step_approval_wait": "Or let it lapse: unapproved, it cancels itself {by}.",
    "step_approval_approved": (
        'If it is approved, it becomes an ordinary order: cancel it with "Cancel items" while'
        " the page offers it. cancelwatch keeps watching it."
    ),
    "step_approval_rejected": (
        "Nothing to do: your approver rejected it. If you still want it, rebuild the cart from"
        " the link in Amazon's rejection e-mail and submit it again."
    ),
    "step_seller_shipped": "Contact the seller ({seller}) first and tell them you want to cancel.",
    "step_cs_shipped": (
        "Contact Amazon customer service and ask whether it can still be cancelled."
    ),
    "step_cs_left_at_door": (
        "Tell Amazon customer service you want to cancel the leave-at-door delivery."
    ),
    "step_carrier": (
        "Call {carrier}'s local delivery office with tracking ID {tracking_id}{url}: ask"
        " whether it can be sent back and whether that costs anything, then ask for it."
    ),
    "step_carrier_left_at_door": (
        "Ask {carrier}'s local delivery office to stop the delivery, giving tracking ID"
        " {tracking_id}{url}."
    ),
    "tracking_url": " (tracking: {url})",
    "step_carrier_no_id": (
        'Find the tracking ID under "Track package", then call the carrier\'s local office:'
        " ask whether it can be sent back and whether that costs anything."
    ),
    "step_refuse": (
        "Refuse the delivery or return it after receipt (not for items that cannot be"
        " returned for customer reasons)."
    ),
    "step_left_at_door_cancel": (
        "Then cancel: a parcel left at the door cannot be refused, so return it after"
        " receipt (not for items that cannot be returned for customer reasons)."
    ),
    "step_return_by": 'Return it by {date} ("Return or replace items").',
    "step_no_return": "The page shows no open return window: ask customer service.",
    # -- hints: the article's claims, each with its source and Amazon's word -------------
    "hint_prime": (
        f"{_EN_ARTICLE} a Prime order can enter shipment preparation within about 30 minutes"
        " of ordering; Amazon's help gives no time, only that an order can be cancelled until"
        " its shipment preparation starts. Cancel soon if you mean to."
    ),
    "hint_preorder": (
        f"{_EN_ARTICLE} pre-orders can be cancelled only until 3 months before the ship"
        " date; Amazon's help says until shipment preparation starts, about 1–2 days before"
        " release, and some items state their own deadline on the order's page (this one"
        " states none)."
    ),
    "hint_video": (
        f"{_EN_ARTICLE} video purchases can be cancelled; Amazon's help does not say so."
        " Ask customer service."
    ),
    "hint_handover": (
        f"{_EN_ARTICLE} customer service can sometimes still cancel an order right after it"
        " is handed to the carrier; Amazon's help says to refuse or return an order that has"
        " shipped."
    ),
    "hint_prank": (
        f"{_EN_ARTICLE} telling customer service, the seller and the carrier before you"
        " refuse a parcel keeps it from being reported as a prank order; Amazon's help does"
        " not mention it."
    ),
    # -- account risk --------------------------------------------------------------------
    "account_risk": (
        "{count} cancellations in the last {days} days. This warning is cancelwatch's own"
        " threshold ({threshold} in {days} days): Amazon publishes none, but says frequent"
        " cancellations and refused deliveries may get an account reviewed or closed."
    ),
}

JA: Mapping[str, str] = {
    "minutes": "{n}分",
    "minute": "1分",
    "hours": "{n}時間",
    "hour": "1時間",
    "days": "{n}日",
    "day": "1日",
    "the_seller": "出品者",
    "the_carrier": "配送業者",
    "cancelled": "この注文はキャンセル済みです。",
    "request_only": (
        "注文ページには「キャンセルリクエスト」しかありません。キャンセルするかは出品者が決めます。"
    ),
    "us_seller_autocancel": (
        "出荷予定日から7日たっても出品者が発送しなければ、Amazonが注文をキャンセルします。"
    ),
    "open_user": "今ならキャンセルできます。期限は手動で設定したものです：{when}。",
    "open_page_deadline": (
        "今ならキャンセルできます。この予約注文のキャンセル期限がページに記載されています："
        "{date}（その日の終わりまで、{zone}）。"
    ),
    "open_offset": (
        "今ならキャンセルできます。「{key}」のルールにより、発売日（{release}）の{offset}前、"
        "{when}に締め切ります。"
    ),
    "open_preorder_lead": (
        "今ならキャンセルできます。予約注文（発売予定日 {release}）：出荷準備は発売の1〜2日前ごろに"
        "始まるため、cancelwatchは{lead}前の{when}に締め切られると見積もっています。"
    ),
    "open_preorder_unknown": (
        "今ならキャンセルできます。予約注文ですが、ページに発売予定日もキャンセル期限もありません。"
        "出荷準備が始まるまでキャンセルできます。商品に期限が示されていれば手動で設定してください。"
    ),
    "open_seller_seen": (
        "今ならキャンセルできます。出品者（{seller}）の注文：{marketplace}では注文から{window}以内なら"
        "直接キャンセルでき、その後は「キャンセルリクエスト」だけになります。cancelwatchが最初に"
        "この注文を見たのは{seen}なので、遅くとも{when}に締め切られます。"
    ),
    "open_seller_mailed": (
        "今ならキャンセルできます。出品者（{seller}）の注文：{marketplace}では注文から{window}以内なら"
        "直接キャンセルでき、その後は「キャンセルリクエスト」だけになります。注文確認メールによると"
        "注文日時は{seen}なので、直接キャンセルは{when}に締め切られます。"
    ),
    "open_seller_approved": (
        "今ならキャンセルできます。Amazonビジネスで承認された出品者（{seller}）の注文：{marketplace}では"
        "出品者に届いてから{window}以内なら直接キャンセルでき、その後は「キャンセルリクエスト」だけに"
        "なります。cancelwatchが承認済みのこの注文を最初に見たのは{seen}なので、遅くとも{when}に"
        "締め切られます。"
    ),
    "open_seller_day": (
        "今ならキャンセルできます。出品者（{seller}）の注文：{marketplace}では注文から{window}以内なら"
        "直接キャンセルでき、その後は「キャンセルリクエスト」だけになります。注文日（{date}）しか"
        "分からないため、その日の始まりから数えて{when}としています。実際の締め切りはもっと遅い"
        "かもしれません。"
    ),
    "open_seller_unknown": (
        "今ならキャンセルできます。出品者（{seller}）の注文：{marketplace}で直接キャンセルできる"
        "時間をcancelwatchは知りません。その後は「キャンセルリクエスト」だけになります。"
    ),
    "open_ordinary": (
        "今ならキャンセルできます。出荷準備が始まるまでですが、いつ始まるかはページに出ていません。"
    ),
    "open_history": (
        "今ならキャンセルできます。出荷準備が始まるまでです。{marketplace}でのあなたの直近{count}件の"
        "注文では、たいてい注文から約{median}で締め切られました。10件に1件は{early}以内だったため、"
        "cancelwatchは{when}に締め切られると見積もっています。"
    ),
    "overdue": (
        "見積もりを過ぎてもページに「商品をキャンセル」が残っているため、いつ締め切られても"
        "おかしくありません。"
    ),
    "kindle_refund": (
        "Kindle本：注文日（{date}）を含めて{days}日以内なら返金をリクエストできます（Amazonの判断）。"
        "{last}の終わりまで（{zone}）。"
    ),
    "kindle_refund_over": "Kindle本：注文日を含む{days}日間の返金期間は{last}で終わりました。",
    "kindle_refund_no_date": (
        "Kindle本：注文日を含めて{days}日以内なら返金をリクエストできます（Amazonの判断）。"
        "ページに注文日がありません。"
    ),
    "kindle_preorder": (
        "Kindle本の予約：発売日（{release}）の前、{when}までキャンセルできます"
        "（未確認：Amazonのヘルプには記載がありません）。"
    ),
    "kindle_preorder_released": (
        "Kindle本の予約：{release}に発売されたため、もうキャンセルできません（未確認）。"
    ),
    "kindle_preorder_no_date": (
        "Kindle本の予約：発売前ならキャンセルできます（未確認）。ページに発売日がありません。"
    ),
    "digital_app": (
        f"Amazonアプリストアのアプリ：ページにキャンセルの操作がありません。{_JA_ARTICLE}、"
        "購入後はキャンセルできないとされています。Amazonのヘルプにその記載はありません。"
    ),
    "digital_music": (
        f"デジタルミュージック：ページにキャンセルの操作がありません。{_JA_ARTICLE}、"
        "購入後はキャンセルできないとされています。Amazonのヘルプにその記載はありません。"
    ),
    "digital_closed": "デジタル注文：ページにキャンセルの操作がありません。",
    "closed_preparing": "出荷準備が始まったため、Amazon上ではもうキャンセルできません。",
    "closed_shipped": "発送済みのため、Amazon上ではもうキャンセルできません。",
    "closed_delivered": "配達済みです。",
    "closed_returned": "返品済みです。",
    "closed_no_control": "ページにキャンセルの操作がありません。",
    "closed_preorder": (
        "この予約注文のページにキャンセルの操作がありません。キャンセル期限を過ぎた可能性があります。"
    ),
    "approval_pending": (
        "承認待ちの注文です（Amazonビジネス）。注文を進めるかどうかは、あなたではなく承認者が"
        "決めます。承認されなければ、{by}に自動的にキャンセルされます。"
    ),
    "approval_by_day": "注文日（{date}）から{days}日後の{day}、遅くとも{when}まで",
    "approval_by_seen": (
        "注文から{days}日後、cancelwatchが最初に見た時刻から数えて遅くとも{when}まで"
        "（ページに注文日がありません）"
    ),
    "approval_by_unknown": "注文から{days}日後（ページに注文日がありません）",
    "approval_overdue": (
        "その時刻を過ぎてもページは承認待ちのままなので、いつキャンセルされてもおかしくありません。"
    ),
    "approval_rejected": (
        "承認者がこの注文を却下しました（Amazonビジネス）。注文は進まないため、キャンセルは不要です。"
    ),
    "return_open": "返品期間：{date}まで（その日の終わりまで、{zone}）。",
    "return_closed": "返品期間は{date}で終わりました。",
    "before": "（{when}まで）",
    "before_page": "（{when}まで。注文ページに記載の期限は{date}）",
    "step_cancel": "注文履歴で注文番号{order_id}の「商品をキャンセル」を押す{before}。",
    "step_history_sure": (
        "この時刻はAmazonの発表ではなく、あなたの注文履歴からのcancelwatchの見積もりです。"
        "{marketplace}での直近{count}件では、出荷準備は注文の{early}後から{late}後までに始まり、"
        "半数は約{median}以内でした。決めるのはページです。「商品をキャンセル」があるうちは"
        "キャンセルでき、もっと早く締め切られることもあります。"
    ),
    "step_seller_after": (
        "「商品をキャンセル」が消えたら「キャンセルリクエスト」を送り、出品者（{seller}）に連絡する。"
    ),
    "step_request": (
        "注文番号{order_id}で「キャンセルリクエスト」を送る。キャンセルするかは出品者（{seller}）が"
        "決めます。"
    ),
    "step_contact_seller": "出品者（{seller}）に連絡し、発送前にキャンセルしてもらうよう頼む。",
    "step_if_ships": "それでも発送されたら、受け取り拒否するか、受け取ってから返品する。",
    "step_kindle_refund": (
        "「コンテンツと端末の管理」から返金をリクエストするか、カスタマーサービスに連絡する{before}。"
    ),
    "step_kindle_preorder": (
        "「コンテンツと端末の管理」または注文番号{order_id}の注文ページで予約をキャンセルする{before}。"
    ),
    "step_digital_cs": "間違えて購入した場合は、カスタマーサービスに相談する。",
    "step_cancelled": "対応は不要です。キャンセル済みで、請求はされていません。",
    "step_returned": "対応は不要です。返品済みです。",
    "step_cs_preparing": "すぐにカスタマーサービスに連絡し、まだ止められるか確認する。",
    "step_later_refuse": "発送されたら、受け取り拒否するか、受け取ってから返品する。",
    "step_amzl": (
        "Amazonが配送しています：「配送状況を確認」（Track package）から"
        "「Cancel this delivery」を選ぶ。"
    ),
    "step_amzl_uk": (
        "Amazonが配送しています：「Track My Parcel」から「Cancel the Delivery」を選ぶ。"
    ),
    "step_approval_ask": (
        "承認者が決めます：注文番号{order_id}を止めるには、承認者に却下を頼む"
        "（Amazonビジネスの承認ページ、注文の承認欄のリンクから）。"
    ),
    "step_approval_wait": "何もしなければ、承認されないまま{by}に自動でキャンセルされる。",
    "step_approval_approved": (
        "承認されると通常の注文になる。「商品をキャンセル」が表示されているうちにキャンセルする"
        "（cancelwatchは監視を続けます）。"
    ),
    "step_approval_rejected": (
        "対応は不要です。承認者が却下しました。まだ必要なら、却下を知らせるメールのリンクから"
        "カートを作り直して再申請する。"
    ),
    "step_seller_shipped": "まず出品者（{seller}）に連絡し、キャンセルしたいことを伝える。",
    "step_cs_shipped": "カスタマーサービスに連絡し、まだキャンセルできるか確認する。",
    "step_cs_left_at_door": "カスタマーサービスに置き配をキャンセルしたいことを伝える。",
    "step_carrier": (
        "{carrier}の営業所に伝票番号{tracking_id}で連絡する{url}：返送できるか、費用がかかるかを"
        "確かめてから返送を申し出る。"
    ),
    "step_carrier_left_at_door": (
        "{carrier}の配達営業所に伝票番号{tracking_id}を伝えて、配達ストップを頼む{url}。"
    ),
    "tracking_url": "（追跡：{url}）",
    "step_carrier_no_id": (
        "「配送状況を確認」で伝票番号を調べ、配送業者の営業所に返送できるか、費用がかかるかを"
        "確かめる。"
    ),
    "step_refuse": (
        "受け取り拒否するか、受け取ってから返品する（お客様都合で返品できない商品は不可）。"
    ),
    "step_left_at_door_cancel": (
        "そのうえでキャンセルする。置き配の荷物は受け取り拒否できないため、受け取ってから返品する"
        "（お客様都合で返品できない商品は不可）。"
    ),
    "step_return_by": "{date}までに「商品の返品」から返品する。",
    "step_no_return": "返品期間が表示されていません。カスタマーサービスに相談する。",
    "hint_prime": (
        f"{_JA_ARTICLE}、プライムの注文は注文から30分ほどで出荷準備に入ることがあるとされています。"
        "Amazonのヘルプには時間の記載はなく、出荷準備が始まるまでキャンセルできるとだけあります。"
        "キャンセルするなら早めに。"
    ),
    "hint_preorder": (
        f"{_JA_ARTICLE}、予約商品のキャンセル期限は発送の3か月前までとされています。"
        "Amazonのヘルプでは出荷準備が始まる（発売の1〜2日前ごろ）までキャンセルでき、"
        "商品によっては注文ページに期限が示されます（この注文には示されていません）。"
    ),
    "hint_video": (
        f"{_JA_ARTICLE}、ビデオの購入はキャンセルできるとされています。Amazonのヘルプにその記載は"
        "ありません。カスタマーサービスに相談してください。"
    ),
    "hint_handover": (
        f"{_JA_ARTICLE}、配送業者に渡った直後ならカスタマーサービスがキャンセルできることがあると"
        "されています。Amazonのヘルプでは、発送済みの注文は受け取り拒否するか返品します。"
    ),
    "hint_prank": (
        f"{_JA_ARTICLE}、受け取り拒否の前にカスタマーサービス・出品者・配送業者へ伝えておけば、"
        "いたずら注文として通報されずに済むとされています。Amazonのヘルプにその記載はありません。"
    ),
    "account_risk": (
        "過去{days}日間に{count}件キャンセルしています。この警告はcancelwatch独自の基準"
        "（{days}日間に{threshold}件）です。Amazonは基準を公表していませんが、キャンセルや"
        "受け取り拒否が多いとアカウントが確認・停止されることがあるとしています。"
    ),
}
