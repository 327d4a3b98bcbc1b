"""Carrier names, number shapes, check digits and tracking pages.

Where the test vectors come from (none was produced by running scraper/read/carriers.py):
- jkeen/tracking_number_data (MIT), couriers/{ups,fedex,usps,s10,amazon}.json: the
  "test_numbers" lists, valid and invalid, copied as published.
- 1Z999AA10123456784: the UPS sample on Amazon's "Shipped with UPS" tracking page.
- JP 12-digit mod 7: worked out by hand below; 123456789013 is also the worked example
  of a public Ruby snippet for ヤマト運輸/佐川急便/ゆうパック.
- S10 with a JP suffix: jkeen's RB123456785 serial with JP in place of GB; the country code
  is not part of the S10 check (hand arithmetic below).
- Canada Post (16 digits, mod 10 weights 3/1), Purolator (12 digits, Luhn; 3 letters + 9
  digits, no check): jkeen couriers/canadapost.json and purolator.json "test_numbers".
- Tracking pages: Canada Post, Purolator, Canpar and Yodel as jkeen's "tracking_url"; Royal
  Mail, Parcelforce, Evri, DPD and DHL as their own sites' track-a-parcel addresses.
"""

from __future__ import annotations

import dataclasses

import pytest

from cancelwatch.scraper.read.carriers import (
    Carrier,
    Identified,
    carrier_from_name,
    carrier_from_number,
    check_digit_warnings,
    identify,
    tracking_url,
)

# JP mod 7, by hand:
#   12345678901 = 7 × 1763668414 + 3  →  123456789013 is right, …4 is wrong
#   11111111111 = 7 × 1587301587 + 2  →  111111111112 is right, …1 is wrong
#   00000000000 = 0                   →  000000000000 is right
#
# S10 for RB 12345678 5, weights 8 6 4 2 3 5 9 7:
#   1×8 + 2×6 + 3×4 + 4×2 + 5×3 + 6×5 + 7×9 + 8×7 = 8+12+12+8+15+30+63+56 = 204
#   204 mod 11 = 6 (11 × 18 = 198), 11 − 6 = 5  →  check digit 5
#
# UPS 1Z 999AA1012345678 4, A → (65 − 63) mod 10 = 2, weights 1 2 1 2 … from the left:
#   9 + 18 + 9 + 4 + 2 + 2 + 0 + 2 + 2 + 6 + 4 + 10 + 6 + 14 + 8 = 96, 10 − 6 = 4
#
# FedEx 12-digit 98657878885 5, weights 1 3 7 from the right (3 1 7 … from the left):
#   27 + 8 + 42 + 15 + 7 + 56 + 21 + 8 + 56 + 24 + 5 = 269 = 11 × 24 + 5, 5 mod 10 = 5


@pytest.mark.parametrize(
    ("printed", "expected"),
    [
        ("Shipped with UPS", Carrier.UPS),
        ("ＵＰＳが配送", Carrier.UPS),
        ("United Parcel Service", Carrier.UPS),
        ("ヤマト運輸", Carrier.YAMATO),
        ("ヤマト", Carrier.YAMATO),
        ("ﾔﾏﾄ運輸", Carrier.YAMATO),
        ("Yamato Transport", Carrier.YAMATO),
        ("クロネコヤマト", Carrier.YAMATO),
        ("佐川急便", Carrier.SAGAWA),
        ("Sagawa Express", Carrier.SAGAWA),
        ("SAGAWA EXPRESS", Carrier.SAGAWA),
        ("日本郵便", Carrier.JAPAN_POST),
        ("ゆうパック", Carrier.JAPAN_POST),
        ("Japan Post", Carrier.JAPAN_POST),
        ("配送業者：日本郵便", Carrier.JAPAN_POST),
        ("USPS", Carrier.USPS),
        ("Shipped with USPS", Carrier.USPS),
        ("U.S. Postal Service", Carrier.USPS),
        ("FedEx", Carrier.FEDEX),
        ("Shipped with FEDEX", Carrier.FEDEX),
        ("Amazon Logistics", Carrier.AMAZON_LOGISTICS),
        ("AMZL_US", Carrier.AMAZON_LOGISTICS),
        ("Shipped with Amazon", Carrier.AMAZON_LOGISTICS),
        ("Amazon", Carrier.AMAZON_LOGISTICS),
        ("デリバリープロバイダ", Carrier.AMAZON_JP),
        ("Amazonが配送", Carrier.AMAZON_JP),
        ("Ａｍａｚｏｎが配送します", Carrier.AMAZON_JP),
        # amazon.co.uk and amazon.ca (issue 9): as the tracking page prints them.
        ("Dispatched with Royal Mail", Carrier.ROYAL_MAIL),
        ("ROYAL MAIL", Carrier.ROYAL_MAIL),
        ("Parcelforce Worldwide", Carrier.PARCELFORCE),
        ("Parcelforce Worldwide (Royal Mail Group)", Carrier.PARCELFORCE),
        ("Evri", Carrier.EVRI),
        ("Evri (formerly Hermes)", Carrier.EVRI),
        ("Hermes", Carrier.EVRI),
        ("Shipped with DPD", Carrier.DPD),
        ("DPD UK", Carrier.DPD),
        ("Yodel", Carrier.YODEL),
        ("DHL", Carrier.DHL),
        ("DHL Parcel UK", Carrier.DHL),
        ("Canada Post", Carrier.CANADA_POST),
        ("Postes Canada", Carrier.CANADA_POST),
        ("Canada Post / Postes Canada", Carrier.CANADA_POST),
        ("Purolator", Carrier.PUROLATOR),
        ("Intelcom", Carrier.INTELCOM),
        ("Canpar Express", Carrier.CANPAR),
        ("UPS", Carrier.UPS),
    ],
)
def test_printed_name_gives_its_carrier(printed: str, expected: Carrier) -> None:
    assert carrier_from_name(printed) is expected


def test_bare_amazon_name_on_the_japanese_site_means_its_delivery_providers() -> None:
    assert carrier_from_name("Amazon", country="JP") is Carrier.AMAZON_JP


@pytest.mark.parametrize("country", ["GB", "CA"])
def test_bare_amazon_name_in_the_uk_and_canada_is_amazon_logistics(country: str) -> None:
    assert carrier_from_name("Amazon", country=country) is Carrier.AMAZON_LOGISTICS


def test_amazon_logistics_named_outright_stays_amazon_logistics_in_japan() -> None:
    assert carrier_from_name("AMZL_US", country="JP") is Carrier.AMAZON_LOGISTICS


@pytest.mark.parametrize(
    "printed", ["", "西濃運輸", "Groups shipping", "LaserShip", "Royalmailer", "DPDX", "Evrim"]
)
def test_unknown_printed_name_gives_no_carrier(printed: str) -> None:
    assert carrier_from_name(printed) is None


@pytest.mark.parametrize(
    ("number", "country", "expected"),
    [
        ("1Z999AA10123456784", None, Carrier.UPS),
        ("1z999aa10123456784", "JP", Carrier.UPS),
        ("TBA502887274000", "US", Carrier.AMAZON_LOGISTICS),
        ("TBC000000000000", None, Carrier.AMAZON_LOGISTICS),
        ("TBM000000000000", None, Carrier.AMAZON_LOGISTICS),
        ("0307 1790 0005 2348 3741", None, Carrier.USPS),
        ("9405803699300124287899", "US", Carrier.USPS),
        ("92748931507708513018050063", None, Carrier.USPS),
        ("420 22153 9101026837331000039521", None, Carrier.USPS),
        ("4201002334249200190132607600833457", None, Carrier.USPS),
        ("5682 8361 0012 734", None, Carrier.FEDEX),
        ("9611020987654312345672", None, Carrier.FEDEX),
        ("986578788855", "US", Carrier.FEDEX),
        ("986578788855", "us", Carrier.FEDEX),
        ("RB123456785JP", None, Carrier.JAPAN_POST),
        ("ｒｂ１２３４５６７８５ｊｐ", "JP", Carrier.JAPAN_POST),
        # S10: the country code at the end names the post office that issued it.
        ("RB123456785GB", None, Carrier.ROYAL_MAIL),
        ("RB 123 456 785 GB", "GB", Carrier.ROYAL_MAIL),
        ("RB123456785CA", None, Carrier.CANADA_POST),
        # Canada Post's 16 digits, in Canada only (Evri's are 16 digits too).
        ("0073938000549297", "CA", Carrier.CANADA_POST),
        ("0073 9380 0054 9297", "ca", Carrier.CANADA_POST),
    ],
)
def test_number_shape_guesses_carrier(number: str, country: str | None, expected: Carrier) -> None:
    assert carrier_from_number(number, country) is expected


@pytest.mark.parametrize("country", ["JP", None])
def test_bare_12_digit_number_is_ambiguous_outside_the_us(country: str | None) -> None:
    assert carrier_from_number("123456789013", country) is None


@pytest.mark.parametrize(
    "number",
    ["", "12345", "RB123456785CF", "TBB000000000000", "2Z5R89390357567127", "DA1234567890"],
)
def test_unrecognised_number_shape_gives_no_carrier(number: str) -> None:
    assert carrier_from_number(number, None) is None


@pytest.mark.parametrize("country", ["GB", "US", "JP", None])
def test_sixteen_digits_outside_canada_name_no_carrier(country: str | None) -> None:
    assert carrier_from_number("0073938000549297", country) is None


@pytest.mark.parametrize("country", ["CA", "GB"])
def test_purolator_and_yodel_numbers_are_never_guessed(country: str) -> None:
    # Purolator's 12 digits fit FedEx and the Japanese carriers; Yodel's JD numbers publish
    # no check digit: only the printed name says either.
    assert carrier_from_number("320595463938", country) is None
    assert carrier_from_number("JJD0002257639032011", country) is None


@pytest.mark.parametrize(
    ("carrier", "number"),
    [
        # UPS: jkeen ups.json valid, and Amazon's own sample.
        (Carrier.UPS, "1Z5R89390357567127"),
        (Carrier.UPS, "1Z879E930346834440"),
        (Carrier.UPS, "1Z410E7W0392751591"),
        (Carrier.UPS, "1Z8V92A70367203024"),
        (Carrier.UPS, "1Z999AA10123456784"),
        # FedEx: jkeen fedex.json valid (Express 12, Ground 15, Ground 96).
        (Carrier.FEDEX, "986578788855"),
        (Carrier.FEDEX, "477179081230"),
        (Carrier.FEDEX, "799531274483"),
        (Carrier.FEDEX, " 7 9 0 5 3 5 3 1 2 3 1 7 "),
        (Carrier.FEDEX, "974367662710"),
        (Carrier.FEDEX, "0414 4176 0228 964"),
        (Carrier.FEDEX, "5682 8361 0012 000"),
        (Carrier.FEDEX, "5682 8361 0012 734"),
        (Carrier.FEDEX, "9611020987654312345672"),
        # USPS: jkeen usps.json valid (USPS 20, 34v2, 91).
        (Carrier.USPS, "0307 1790 0005 2348 3741"),
        (Carrier.USPS, "7112 3456 7891 2345 6787"),
        (Carrier.USPS, "4201002334249200190132607600833457"),
        (Carrier.USPS, "4201028200009261290113185417468510"),
        (Carrier.USPS, "420 22153 9101026837331000039521"),
        (Carrier.USPS, "7196 9010 7560 0307 7385"),
        (Carrier.USPS, "9505 5110 6960 5048 6006 24"),
        (Carrier.USPS, "9101 1234 5678 9000 0000 13"),
        (Carrier.USPS, "92748931507708513018050063"),
        (Carrier.USPS, "9400 1112 0108 0805 4830 16"),
        (Carrier.USPS, "9361 2898 7870 0317 6337 95"),
        (Carrier.USPS, "9405803699300124287899"),
        # Japan Post S10: jkeen s10.json valid, and the same serial with JP (hand check above).
        (Carrier.JAPAN_POST, "RB123456785GB"),
        (Carrier.JAPAN_POST, "RB123456785CF"),
        (Carrier.JAPAN_POST, "RB123456785JP"),
        # JP 12-digit mod 7 (hand check above), in every carrier that uses it.
        (Carrier.YAMATO, "123456789013"),
        (Carrier.YAMATO, "111111111112"),
        (Carrier.YAMATO, "000000000000"),
        (Carrier.YAMATO, "1234-5678-9013"),
        (Carrier.YAMATO, "１２３４－５６７８－９０１３"),
        (Carrier.SAGAWA, "123456789013"),
        (Carrier.JAPAN_POST, "1234 5678 9013"),
        # Japan Post registered mail, 11 digits: no check digit to fail.
        (Carrier.JAPAN_POST, "12345678901"),
        # Amazon Logistics: jkeen amazon.json valid; Amazon publishes no check digit.
        (Carrier.AMAZON_LOGISTICS, "TBA000000000000"),
        (Carrier.AMAZON_LOGISTICS, "TBA010000000000"),
        (Carrier.AMAZON_LOGISTICS, "TBA502887274000"),
        # Royal Mail, Parcelforce and Canada Post S10: jkeen s10.json valid, any country code.
        (Carrier.ROYAL_MAIL, "RB123456785GB"),
        (Carrier.ROYAL_MAIL, "RB123456785US"),
        (Carrier.PARCELFORCE, "RB123456785GB"),
        (Carrier.CANADA_POST, "RB123456785CA"),
        (Carrier.CANADA_POST, " R B 1 2 3 4 5 6 7 8 5 C F "),
        # Canada Post 16 digits: jkeen canadapost.json valid.
        (Carrier.CANADA_POST, "0073938000549297"),
        # Purolator: jkeen purolator.json valid, 12 digits (Luhn) and lettered (no check).
        (Carrier.PUROLATOR, "320595463938"),
        (Carrier.PUROLATOR, "320606146993"),
        (Carrier.PUROLATOR, "287809468872"),
        (Carrier.PUROLATOR, "320610804900"),
        (Carrier.PUROLATOR, "331426749957"),
        (Carrier.PUROLATOR, "331434972567"),
        (Carrier.PUROLATOR, "KYV009956937"),
        (Carrier.PUROLATOR, "TLR000083964"),
        # Domestic shapes that publish no check digit pass as they are.
        (Carrier.ROYAL_MAIL, "AB1234567"),
        (Carrier.CANADA_POST, "1234567890123"),
        (Carrier.YODEL, "JJD0002257639032011"),
        (Carrier.EVRI, "H01HYA0012345678"),
        (Carrier.DPD, "15501234567890"),
        (Carrier.DHL, "1234567890"),
        (Carrier.INTELCOM, "INTLCMD123456789"),
        (Carrier.CANPAR, "D576002440000001718010"),
    ],
)
def test_published_valid_number_has_no_warnings(carrier: Carrier, number: str) -> None:
    assert check_digit_warnings(carrier, number) == []


@pytest.mark.parametrize(
    ("carrier", "number"),
    [
        pytest.param(Carrier.YAMATO, "123456789014", id="yamato"),
        pytest.param(Carrier.YAMATO, "111111111111", id="yamato-ones"),
        pytest.param(Carrier.SAGAWA, "123456789012", id="sagawa"),
        pytest.param(Carrier.JAPAN_POST, "111111111113", id="japan-post-12-digit"),
        pytest.param(Carrier.JAPAN_POST, "RB123456786JP", id="japan-post-s10"),
        pytest.param(Carrier.JAPAN_POST, "RB123456786US", id="japan-post-s10-jkeen"),
        pytest.param(Carrier.UPS, "1Z1111111111111111", id="ups-jkeen"),
        pytest.param(Carrier.UPS, "1Z999AA10123456785", id="ups-amazon-sample-last-digit-changed"),
        pytest.param(Carrier.FEDEX, "996578788855", id="fedex-12-jkeen"),
        pytest.param(Carrier.FEDEX, "5682 8361 0012 732", id="fedex-15-jkeen"),
        pytest.param(Carrier.FEDEX, "9600000000000000000001", id="fedex-96-jkeen"),
        pytest.param(Carrier.USPS, "0307 1790 0005 2348 3742", id="usps-20-jkeen"),
        pytest.param(Carrier.USPS, "9200000000000000000000", id="usps-22-jkeen"),
        pytest.param(Carrier.USPS, "4201028200009261290113185417468511", id="usps-34-jkeen"),
        # A FedEx SmartPost number, listed by jkeen as not a valid USPS one.
        pytest.param(Carrier.USPS, "61299998820821171811", id="usps-smartpost-jkeen"),
        pytest.param(Carrier.ROYAL_MAIL, "RB123456786GB", id="royal-mail-s10"),
        pytest.param(Carrier.PARCELFORCE, "RB123456786GB", id="parcelforce-s10"),
        pytest.param(Carrier.CANADA_POST, "RB123456786CA", id="canada-post-s10"),
        pytest.param(Carrier.CANADA_POST, "0073938000549292", id="canada-post-16-jkeen"),
        pytest.param(Carrier.PUROLATOR, "320595463939", id="purolator-jkeen"),
        pytest.param(Carrier.PUROLATOR, "287809468875", id="purolator-jkeen-2"),
    ],
)
def test_number_with_wrong_check_digit_warns(carrier: Carrier, number: str) -> None:
    warnings = check_digit_warnings(carrier, number)
    assert len(warnings) == 1
    assert "fails its check digit; it may be mistyped" in warnings[0]
    assert warnings[0].startswith(f"{carrier} tracking ID ")


def test_check_digit_warning_names_carrier_and_normalised_number() -> None:
    assert check_digit_warnings(Carrier.UPS, "1z 1111 1111 1111 1111") == [
        "UPS tracking ID 1Z1111111111111111 fails its check digit; it may be mistyped"
    ]


@pytest.mark.parametrize(
    ("carrier", "number"),
    [
        (Carrier.YAMATO, "12345678901"),
        (Carrier.YAMATO, "12345678901A"),
        (Carrier.SAGAWA, "1234567890123"),
        (Carrier.JAPAN_POST, "1234567890"),
        (Carrier.UPS, "2Z5R89390357567127"),  # jkeen ups.json invalid
        (Carrier.UPS, "1A5R89390357567127"),  # jkeen ups.json invalid
        (Carrier.USPS, "123456789012"),
        (Carrier.FEDEX, "1Z999AA10123456784"),
        (Carrier.FEDEX, "1234567890123456"),
        (Carrier.AMAZON_LOGISTICS, "TBA50288727400A"),  # jkeen amazon.json invalid
        (Carrier.AMAZON_LOGISTICS, "TBB000000000000"),  # jkeen amazon.json invalid
        (Carrier.PUROLATOR, "KY009956937"),  # jkeen purolator.json invalid
        (Carrier.PUROLATOR, "1234567890123"),
    ],
)
def test_number_in_a_format_the_carrier_does_not_use_warns(carrier: Carrier, number: str) -> None:
    warnings = check_digit_warnings(carrier, number)
    assert len(warnings) == 1
    assert f"{carrier} tracking ID " in warnings[0]
    assert warnings[0].endswith("; it may be mistyped")
    assert "check digit" not in warnings[0]


@pytest.mark.parametrize("number", ["DA1234567890", "9912345678", "anything at all", ""])
def test_amazon_japan_numbers_are_never_doubted(number: str) -> None:
    assert check_digit_warnings(Carrier.AMAZON_JP, number) == []


@pytest.mark.parametrize("carrier", list(Carrier))
@pytest.mark.parametrize("number", ["", "   ", "-", "##", "1Z", "ｱｲｳ", "1" * 60, "RB12345678JP"])
def test_garbage_number_warns_instead_of_raising(carrier: Carrier, number: str) -> None:
    warnings = check_digit_warnings(carrier, number)
    assert all(isinstance(w, str) and w for w in warnings)


@pytest.mark.parametrize(
    ("carrier", "expected"),
    [
        (Carrier.YAMATO, "https://toi.kuronekoyamato.co.jp/cgi-bin/tneko?number01=123456789013"),
        (
            Carrier.SAGAWA,
            "https://k2k.sagawa-exp.co.jp/p/web/okurijosearch.do?okurijoNo=123456789013",
        ),
        (
            Carrier.JAPAN_POST,
            "https://trackings.post.japanpost.jp/services/srv/search/direct"
            "?searchKind=S002&locale=ja&reqCodeNo1=123456789013",
        ),
        (Carrier.UPS, "https://www.ups.com/track?tracknum=123456789013"),
        (Carrier.USPS, "https://tools.usps.com/go/TrackConfirmAction?tLabels=123456789013"),
        (Carrier.FEDEX, "https://www.fedex.com/fedextrack/?trknbr=123456789013"),
        (Carrier.AMAZON_LOGISTICS, "https://track.amazon.com/tracking/123456789013"),
        (
            Carrier.ROYAL_MAIL,
            "https://www.royalmail.com/track-your-item#/tracking-results/123456789013",
        ),
        (Carrier.PARCELFORCE, "https://www.parcelforce.com/track-trace?trackNumber=123456789013"),
        (Carrier.EVRI, "https://www.evri.com/track/parcel/123456789013/details"),
        (Carrier.DPD, "https://www.dpd.co.uk/apps/tracking/?reference=123456789013"),
        (Carrier.YODEL, "https://www.yodel.co.uk/tracking/123456789013"),
        (
            Carrier.DHL,
            "https://www.dhl.com/global-en/home/tracking.html?tracking-id=123456789013&submit=1",
        ),
        (
            Carrier.CANADA_POST,
            "https://www.canadapost-postescanada.ca/track-reperage/en#/search"
            "?searchFor=123456789013",
        ),
        (
            Carrier.PUROLATOR,
            "https://www.purolator.com/en/shipping/tracker?searchValue=123456789013",
        ),
        (
            Carrier.CANPAR,
            "https://www.canpar.com/en/track/tracking.jsp?reference=123456789013&locale=en",
        ),
    ],
)
def test_tracking_url_is_the_carriers_public_page(carrier: Carrier, expected: str) -> None:
    assert tracking_url(carrier, "123456789013") == expected


@pytest.mark.parametrize(
    ("carrier", "number"), [(Carrier.AMAZON_JP, "DA1234567890"), (Carrier.INTELCOM, "INTLCMD123")]
)
def test_carriers_without_a_public_page_track_on_the_order_page(
    carrier: Carrier, number: str
) -> None:
    assert tracking_url(carrier, number) is None


def test_tracking_url_encodes_the_number() -> None:
    url = tracking_url(Carrier.UPS, "1Z&x=/?#")
    assert url == "https://www.ups.com/track?tracknum=1Z%26X%3D%2F%3F%23"


def test_identify_takes_the_carrier_from_the_printed_name() -> None:
    assert identify("123456789013", "ヤマト運輸", "JP") == Identified(
        carrier=Carrier.YAMATO,
        tracking_id="123456789013",
        url="https://toi.kuronekoyamato.co.jp/cgi-bin/tneko?number01=123456789013",
        warnings=(),
    )


def test_identify_normalises_the_tracking_id() -> None:
    found = identify(" １ｚ９９９ａａ１－０１２３－４５６７８４ ", "Shipped with UPS")
    assert found.tracking_id == "1Z999AA10123456784"
    assert found.warnings == ()


@pytest.mark.parametrize(
    ("number", "country", "expected"),
    [
        ("1Z999AA10123456784", None, Carrier.UPS),
        ("TBA502887274000", "US", Carrier.AMAZON_LOGISTICS),
        ("986578788855", "US", Carrier.FEDEX),
    ],
)
def test_identify_guesses_from_the_number_when_no_name_is_printed(
    number: str, country: str | None, expected: Carrier
) -> None:
    found = identify(number, None, country)
    assert found.carrier is expected
    assert found.warnings == ()


def test_identify_leaves_an_ambiguous_japanese_number_without_carrier() -> None:
    assert identify("123456789013", None, "JP") == Identified(None, "123456789013", None, ())


def test_identify_trusts_the_name_over_the_number_and_warns() -> None:
    found = identify("1Z999AA10123456784", "FedEx", "US")
    assert found.carrier is Carrier.FEDEX
    assert found.url == "https://www.fedex.com/fedextrack/?trknbr=1Z999AA10123456784"
    assert found.warnings[0] == (
        "Amazon names FedEx, but the tracking ID looks like UPS's; using FedEx"
    )


def test_identify_warns_about_a_wrong_check_digit() -> None:
    found = identify("123456789014", "佐川急便", "JP")
    assert found.carrier is Carrier.SAGAWA
    assert found.warnings == (
        "Sagawa tracking ID 123456789014 fails its check digit; it may be mistyped",
    )


def test_identify_falls_back_to_the_number_under_an_unknown_name() -> None:
    found = identify("1Z999AA10123456784", "Schenker", None)
    assert found.carrier is Carrier.UPS
    assert found.warnings == ("carrier 'Schenker' is not one cancelwatch knows",)


@pytest.mark.parametrize("printed", [None, "", "  "])
def test_identify_ignores_a_blank_printed_name(printed: str | None) -> None:
    assert identify("1Z999AA10123456784", printed).warnings == ()


def test_identify_sees_no_conflict_between_amazons_own_carriers() -> None:
    found = identify("TBA502887274000", "Amazonが配送", "JP")
    assert found.carrier is Carrier.AMAZON_JP
    assert found.url is None
    assert found.warnings == ()


def test_identify_sees_no_conflict_between_royal_mail_and_parcelforce() -> None:
    found = identify("CP123456785GB", "Parcelforce Worldwide", "GB")
    assert found.carrier is Carrier.PARCELFORCE
    assert found.url == "https://www.parcelforce.com/track-trace?trackNumber=CP123456785GB"
    assert found.warnings == ()


def test_identify_warns_when_evri_is_named_over_a_royal_mail_number() -> None:
    found = identify("RB123456785GB", "Evri", "GB")
    assert found.carrier is Carrier.EVRI
    assert found.warnings == (
        "Amazon names Evri, but the tracking ID looks like Royal Mail's; using Evri",
    )


def test_identify_a_canada_post_number_on_amazon_ca_without_a_name() -> None:
    found = identify("0073 9380 0054 9297", None, "CA")
    assert found.carrier is Carrier.CANADA_POST
    assert found.tracking_id == "0073938000549297"
    assert found.warnings == ()


def test_identified_is_frozen() -> None:
    found = identify("1Z999AA10123456784")
    with pytest.raises(dataclasses.FrozenInstanceError):
        found.carrier = None  # type: ignore[misc]
